package tools

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// confirmTTL is how long a confirmation token stays valid (SPEC: 10 minutes).
const confirmTTL = 10 * time.Minute

// tokenPrefix versions the token format so a future change can refuse old tokens
// with a clear message instead of a signature error.
const tokenPrefix = "hu1."

// Confirmer issues and checks confirm_tokens. A token is bound to one tool, one
// VPS, one plan (the exact requests that would be sent) and the state the plan was
// computed from; it is signed so it cannot be made up, and it carries its expiry so
// that any replica sharing the secret can check it without shared memory.
type Confirmer struct {
	secret []byte
}

// NewConfirmer returns a Confirmer signing with secret, or with a random secret
// when secret is empty (tokens then only work within this process, which is what
// stdio needs).
func NewConfirmer(secret []byte) *Confirmer {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
	}
	return &Confirmer{secret: secret}
}

type tokenClaims struct {
	Tool    string `json:"t"`
	VPS     string `json:"v"`
	Plan    string `json:"p"`
	State   string `json:"s"`
	Expires int64  `json:"e"`
}

// Issue returns a token for the plan and state, and when it expires.
func (c *Confirmer) Issue(tool, vpsID, planHash, stateHash string, now time.Time) (string, time.Time) {
	exp := now.Add(confirmTTL).Truncate(time.Second)
	payload, _ := json.Marshal(tokenClaims{Tool: tool, VPS: vpsID, Plan: planHash, State: stateHash, Expires: exp.Unix()})
	body := base64.RawURLEncoding.EncodeToString(payload)
	return tokenPrefix + body + "." + c.sign(body), exp
}

// Check accepts token only for the same tool, VPS and plan, computed from the same
// state, before it expires. Every refusal says what to do next.
func (c *Confirmer) Check(token, tool, vpsID, planHash, stateHash string, now time.Time) error {
	const redo = "Call the tool again without confirm_token to get a fresh plan and token, and show the plan to the user."
	body, ok := strings.CutPrefix(token, tokenPrefix)
	var sig string
	if ok {
		body, sig, ok = strings.Cut(body, ".")
	}
	if !ok || !hmac.Equal([]byte(sig), []byte(c.sign(body))) {
		return &Refusal{Reason: "The confirm_token is not a token this server issued (tokens are never made up; they come from a previous call of the same tool)", Code: "invalid_confirm_token", Fix: redo}
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	var claims tokenClaims
	if err == nil {
		err = json.Unmarshal(raw, &claims)
	}
	if err != nil {
		return &Refusal{Reason: "The confirm_token is damaged", Code: "invalid_confirm_token", Fix: redo}
	}
	switch {
	case now.Unix() > claims.Expires:
		return &Refusal{Reason: fmt.Sprintf("The confirm_token expired at %s (tokens last 10 minutes)", time.Unix(claims.Expires, 0).UTC().Format(time.RFC3339)), Code: "expired_confirm_token", Fix: redo}
	case claims.Tool != tool || claims.VPS != vpsID || claims.Plan != planHash:
		return &Refusal{Reason: "The confirm_token was issued for a different change (another tool, VPS or arguments)", Code: "mismatched_confirm_token", Fix: redo}
	case claims.State != stateHash:
		return &Refusal{Reason: "The VPS's backup state changed since this plan was made, so the confirmed plan may no longer be what would happen", Code: "stale_confirm_token", Fix: redo}
	}
	return nil
}

func (c *Confirmer) sign(body string) string {
	m := hmac.New(sha256.New, c.secret)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// fingerprint hashes any JSON-encodable value; it binds tokens to plans and states.
func fingerprint(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
