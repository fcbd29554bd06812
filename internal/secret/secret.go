// Package secret tells a generated secret from a placeholder or a guessable
// text, for the settings that must hold one (HOSTUP_MCP_TOKEN_SECRET, the HTTP
// bearer tokens) and the HostUp API key, which must at least not be the
// example the docs print.
package secret

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// How is what every refusal of a secret says to do.
const How = "generate one with: openssl rand -hex 32"

// placeholders are what the docs print where a value goes, and texts like
// them: a word such as YOUR or REPLACE standing apart, an ellipsis, <angle
// brackets> or a row of x. Each needs separators or several letters, so that
// a random value matches one by chance about once in ten million.
var placeholders = regexp.MustCompile(`(?i)` + strings.Join([]string{
	`(^|[^a-z0-9])(your|replace|insert|enter|fill|change|here|todo|fixme|placeholder|example|dummy|sample|changeme)([^a-z0-9]|$)`,
	`replace_?me`, `change_?me`, `x{6,}`, `…`, `\.\.\.`, `^<.*>$`, `^\$\{.*\}$`,
}, "|"))

// Placeholder reports whether v is a placeholder: YOUR_HOSTUP_API_KEY,
// REPLACE ME, …, <token>, YOUR_SECRET_HERE_1234 and the like.
func Placeholder(v string) bool { return placeholders.MatchString(strings.TrimSpace(v)) }

// Weakness says why v, a secret someone chose, is not fit to be one, or ""
// when it is: a placeholder, mostly the letters of words (a passphrase or
// ThisIsMySecretKey2026), or mostly repeated or counted characters.
func Weakness(v string) string {
	switch {
	case Placeholder(v):
		return "is a placeholder, not a secret"
	case wordy(v):
		return "is mostly the letters of words, which can be guessed, so it is not random"
	case repetitive(v):
		return "is mostly repeated or counted characters, so it is not random"
	}
	return ""
}

// SigningKey reads a signing key written as hex or base64: at least 32 bytes,
// generated. Its errors say what is wrong in words that follow the setting's
// name, without repeating the value.
func SigningKey(s string) ([]byte, error) {
	switch {
	case strings.ContainsFunc(s, unicode.IsSpace):
		return nil, errors.New("contains whitespace, so it is not a secret but likely a placeholder or a pasting slip")
	case Placeholder(s):
		return nil, errors.New("is a placeholder, not a secret")
	}
	key, err := hex.DecodeString(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if err == nil {
			break
		}
		key, err = enc.DecodeString(s)
	}
	if err != nil {
		return nil, errors.New("is neither hex nor base64")
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("holds %d bytes, fewer than the 32 it needs", len(key))
	}
	// Text that decodes as base64 may still be words.
	if why := Weakness(s); why != "" {
		return nil, errors.New(why)
	}
	distinct := map[byte]bool{}
	for _, b := range key {
		distinct[b] = true
	}
	// 32 random bytes have about 30 distinct values; 16 or fewer is a pattern.
	if len(distinct) <= 16 {
		return nil, errors.New("repeats a few byte values, so it is not random")
	}
	return key, nil
}
