package secret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every value the docs print for a key or a secret is a placeholder: read from
// README.md, the pages of docs/ and the Kubernetes Secret example, so that a
// new example cannot slip past.
func TestEveryPlaceholderTheDocsPrintIsOne(t *testing.T) {
	const markdown = `HOSTUP_(?:API_KEY|MCP_HTTP_TOKEN|MCP_TOKEN_SECRET|MCP_METRICS_TOKEN)(?:": "|=)([^"\s]+)`
	files := []struct{ path, re string }{
		{"../../README.md", markdown},
		{"../../deploy/kubernetes/secret.yaml.example", `(?m)^\s*#?\s*HOSTUP_(?:API_KEY|MCP_HTTP_TOKEN|MCP_TOKEN_SECRET|MCP_METRICS_TOKEN): "([^"]*)"`},
	}
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no pages in docs/ (%v)", err)
	}
	for _, p := range pages {
		files = append(files, struct{ path, re string }{p, markdown})
	}
	var printed []string
	for _, f := range files {
		b, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(f.re).FindAllStringSubmatch(string(b), -1) {
			printed = append(printed, m[1])
		}
	}
	if len(printed) < 6 {
		t.Fatalf("found %d printed values (%q); the patterns no longer match the docs", len(printed), printed)
	}
	for _, v := range printed {
		if strings.HasPrefix(v, "${") {
			continue // a client fills it in: VS Code's ${input:…}, the bundle's ${user_config.…}
		}
		if !Placeholder(v) || Weakness(v) == "" {
			t.Errorf("%q, printed in the docs, is not refused as a placeholder", v)
		}
	}
}

func TestWeakSecretsAreRefusedAndGeneratedOnesAccepted(t *testing.T) {
	for _, v := range []string{
		"ThisIsMySuperSecretTokenSigningKeyForHostupMcp2026",
		"YOUR_SECRET_HERE_0123456789abcdef0123456789abcdef",
		"your-metrics-token-goes-here",
		"<token>",
		"xxxxxxxxxxxxxxxxxxxxxxxx",
		"correct-horse-battery-staple",
		"supersecretpassword2026",
		"MyPrometheusScrapeToken!",
		"0123456789abcdef0123456789abcdef",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"abc123abc123abc123abc123",
	} {
		if Weakness(v) == "" {
			t.Errorf("%q is accepted as a secret", v)
		}
	}
	// What the docs tell people to run, and 32 random bytes in base64.
	for range 2000 {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		for _, v := range []string{hex.EncodeToString(b), base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)} {
			if why := Weakness(v); why != "" {
				t.Fatalf("the generated %q %s", v, why)
			}
			if _, err := SigningKey(v); err != nil {
				t.Fatalf("the generated %q: %v", v, err)
			}
		}
	}
}

// HostUp's key format is not documented: a key is refused only when it is a
// placeholder, never for looking like words.
func TestOnlyPlaceholderKeysAreRefused(t *testing.T) {
	for _, v := range []string{"YOUR_HOSTUP_API_KEY", "REPLACE ME", "…", "...", "<key>", "your-api-key", "CHANGE_ME"} {
		if !Placeholder(v) {
			t.Errorf("%q is not a placeholder", v)
		}
	}
	for _, v := range []string{"hu_test_key", "key-replicas-account-a", "sandbox", "k", "hu_live_3f9c2a7e1b4d8f60"} {
		if Placeholder(v) {
			t.Errorf("%q is taken for a placeholder", v)
		}
	}
}

// A secret of 32 random bytes, in hex or base64, is accepted.
func TestTokenSecretOf32RandomBytesIsAccepted(t *testing.T) {
	for _, s := range []string{
		"3f9c2a7e1b4d8f60a5c3e7d912b48f06c1e5a9d37b2f64e08c1a5d9f3b7e2c46",
		"P5wqfhtNj2ClwOfZErSPBsHlqdN7L2TgjBpdnzt+LEY=",
		"P5wqfhtNj2ClwOfZErSPBsHlqdN7L2TgjBpdnzt-LEY",
	} {
		if _, err := SigningKey(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}
