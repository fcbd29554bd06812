package tools

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostup/hostup-mcp/internal/coord"
)

// Token mechanics: how a confirmation is carried when the client cannot show a
// dialog (a confirm_token), or across the two rounds of a dialog (its request
// state). A token is signed, so it cannot be made up; it names its purpose, the
// tool, the caller's key and the plans it covers; the record of tokens
// (coord.TokenRecord) makes it work once. Whether a token is accepted for a
// change is the authorize step's to decide (confirm.go).
//
// Every token is recorded when it is issued, and used only while its record
// stands: a record that lost its data refuses the tokens it held rather than
// take a used one for new. The dialog's request state is recorded as well: it
// travels through the client like a confirm_token and, sent again with the same
// answer, would confirm the change a second time; only its record tells that
// second round from the first.

// confirmTTL is how long a confirmation token stays valid (SPEC: 10 minutes).
const confirmTTL = 10 * time.Minute

// recordMargin is how long a token's record outlives the token, so clock skew
// between replicas cannot leave a valid token without its record.
const recordMargin = time.Minute

// tokenPrefix versions the token format so a future change can refuse old tokens
// with a clear message instead of a signature error.
const tokenPrefix = "hu2."

// What a token is for.
const (
	purposeConfirm = "confirm" // a confirm_token the model passes back
	purposeDialog  = "dialog"  // the request state of a dialog, echoed by the client
)

// Confirmer issues and checks confirmation tokens. A token is signed so it cannot
// be made up, and carries its expiry so that any replica sharing the secret can
// check it; whether it is still unused is Record's to say.
type Confirmer struct {
	secret []byte
	// Record holds every token issued and whether it was used, so each works
	// once. NewConfirmer sets an in-memory record: a token then works only in
	// the process that issued it; main shares one in Redis when told to.
	Record coord.TokenRecord
}

// NewConfirmer returns a Confirmer signing with secret, or with a random secret
// when secret is empty (tokens then only work within this process, which is what
// stdio needs), and recording tokens in memory.
func NewConfirmer(secret []byte) *Confirmer {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
	}
	return &Confirmer{secret: secret, Record: &coord.MemoryTokens{}}
}

// A token is tokenPrefix, then its claims (JSON), its rows and its signature,
// separated by dots, each part base64url. The rows are bytes of their own, two
// digests each, rather than a member of the claims: a token for a fleet of
// 1,000 VPSes carries up to 1,000 of them, and text inside base64 would be
// encoded twice.
type tokenClaims struct {
	ID      string    `json:"i"`
	Purpose string    `json:"u"`
	Tool    string    `json:"t"`
	Key     string    `json:"k"` // the caller's HostUp key, as keyMark
	Rows    []binding `json:"-"`
	// Shown fingerprints the VPSes of every row the plan showed, when one token
	// covers many (a fleet): it then works only for a call with those rows.
	Shown   string `json:"s,omitempty"`
	Expires int64  `json:"e"`
}

// Issue returns a token for purpose, covering rows of tool for the caller whose
// HostUp key has the id keyID (hostup.Client.KeyID), and when it expires; shown
// is "" or the fingerprint of every row the plan showed (shownRows). The token
// is recorded as issued first: one the record does not hold is never handed out.
func (c *Confirmer) Issue(ctx context.Context, purpose, tool, keyID string, rows []binding, shown string, now time.Time) (string, time.Time, error) {
	exp := now.Add(confirmTTL).Truncate(time.Second)
	claims := tokenClaims{ID: rand.Text(), Purpose: purpose, Tool: tool, Key: c.keyMark(keyID), Rows: rows, Shown: shown, Expires: exp.Unix()}
	payload, err := json.Marshal(claims)
	if err != nil {
		panic("encoding token claims: " + err.Error()) // strings and hashes only
	}
	if err := c.Record.Issue(ctx, claims.ID, exp.Sub(now)+recordMargin); err != nil {
		return "", time.Time{}, &Refusal{
			Reason: "This change needs the user's confirmation, and the confirmation could not be recorded (" + err.Error() + "), so none was issued",
			Code:   "confirm_record_unavailable",
			Fix:    "try again in a moment; if it keeps failing, the server's Redis (HOSTUP_MCP_REDIS_URL) needs looking at.",
		}
	}
	body := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(encodeRows(rows))
	return tokenPrefix + body + "." + c.sign(body), exp, nil
}

func encodeRows(rows []binding) []byte {
	out := make([]byte, 0, len(rows)*2*digestSize)
	for _, r := range rows {
		out = append(append(out, r.Plan[:]...), r.Basis[:]...)
	}
	return out
}

func decodeRows(b []byte) ([]binding, bool) {
	if len(b)%(2*digestSize) != 0 {
		return nil, false
	}
	rows := make([]binding, len(b)/(2*digestSize))
	for i := range rows {
		at := i * 2 * digestSize
		copy(rows[i].Plan[:], b[at:])
		copy(rows[i].Basis[:], b[at+digestSize:])
	}
	return rows, true
}

// shownRows fingerprints the VPS ids of every row a plan shows, in any order:
// what a fleet's token is bound to besides each row's plan.
func shownRows(vpsIDs []string) (string, error) {
	ids := slices.Clone(vpsIDs)
	slices.Sort(ids)
	return fingerprint(ids)
}

// redo is what every refused token tells the model to do.
const redo = "Call the tool again without confirm_token to get a fresh plan and token, and show the plan to the user."

// Check accepts token when this server issued it for purpose and tool, to the
// caller whose key has the id keyID, and it has not expired; it returns the
// confirmation the token carries. Whether that covers an operation is the
// grant's to say, and whether the token was used already is decided when it is
// used. Every refusal says what to do next.
func (c *Confirmer) Check(token, purpose, tool, keyID string, now time.Time) (*grant, error) {
	body, ok := strings.CutPrefix(token, tokenPrefix)
	var sig string
	if ok {
		i := strings.LastIndexByte(body, '.')
		ok = i >= 0
		if ok {
			body, sig = body[:i], body[i+1:]
		}
	}
	if !ok || !hmac.Equal([]byte(sig), []byte(c.sign(body))) {
		return nil, &Refusal{Reason: "The confirm_token is not a token this server issued: a token comes from a previous call of the same tool to this running server (or a replica sharing its token secret and Redis). A client that starts a new server for every call, such as MCP Inspector --cli, cannot bring one back; confirm in a client that keeps the server running, or with hostup-mcp call … --yes", Code: "invalid_confirm_token", Fix: redo}
	}
	claims, ok := decodeClaims(body)
	if !ok {
		return nil, &Refusal{Reason: "The confirm_token is damaged", Code: "invalid_confirm_token", Fix: redo}
	}
	switch {
	case claims.Purpose != purpose && purpose == purposeConfirm:
		return nil, &Refusal{Reason: "The confirm_token is the request state of a confirmation dialog, not a confirm_token: only the user's answer in that dialog confirms the change", Code: "invalid_confirm_token", Fix: redo}
	case claims.Purpose != purpose:
		return nil, &Refusal{Reason: "The dialog's request state is a confirm_token, not the state of a dialog this server opened", Code: "invalid_confirm_token", Fix: redo}
	case now.Unix() > claims.Expires:
		return nil, &Refusal{Reason: fmt.Sprintf("The confirm_token expired at %s (tokens last 10 minutes)", time.Unix(claims.Expires, 0).UTC().Format(time.RFC3339)), Code: "expired_confirm_token", Fix: redo}
	case claims.Tool != tool:
		return nil, &Refusal{Reason: "The confirm_token was issued for a different change (another tool, VPS or arguments)", Code: "mismatched_confirm_token", Fix: redo}
	case !hmac.Equal([]byte(claims.Key), []byte(c.keyMark(keyID))):
		return nil, &Refusal{Reason: "The confirm_token was issued to another HostUp API key: a token only works for the caller who got the plan", Code: "mismatched_confirm_token", Fix: redo}
	}
	return &grant{id: claims.ID, record: c.Record, rows: claims.Rows, shown: claims.Shown}, nil
}

// decodeClaims reads the signed part of a token: its claims and its rows.
func decodeClaims(body string) (tokenClaims, bool) {
	var claims tokenClaims
	part, rest, ok := strings.Cut(body, ".")
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if !ok || err != nil || json.Unmarshal(raw, &claims) != nil || claims.ID == "" {
		return claims, false
	}
	raw, err = base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return claims, false
	}
	claims.Rows, ok = decodeRows(raw)
	return claims, ok
}

func (c *Confirmer) sign(body string) string {
	m := hmac.New(sha256.New, c.secret)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// keyMark is what a token says of the caller's key: keyed with the secret, so a
// token shows nothing that could be checked against a guessed key.
func (c *Confirmer) keyMark(keyID string) string { return c.sign("key\x00" + keyID)[:22] }

// fingerprint hashes any JSON-encodable value; it binds tokens to the rows a
// plan shows, and a confirmation page to its plans. A value that cannot be
// encoded is an error, never a hash that every such value would share.
func fingerprint(v any) (string, error) {
	sum, err := sha(v)
	return base64.RawURLEncoding.EncodeToString(sum[:16]), err
}

// digestSize is the bytes of a plan's or a basis's digest in a token: 64 bits
// of SHA-256, so that no other plan with the same digest can be searched for,
// in 16 bytes a row, where a fleet's token has a row per VPS that changes.
const digestSize = 8

type digest [digestSize]byte

// digestOf is the digest of a plan or a basis, as fingerprint hashes it.
func digestOf(v any) (digest, error) {
	sum, err := sha(v)
	return digest(sum[:digestSize]), err
}

func sha(v any) ([sha256.Size]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return [sha256.Size]byte{}, &Refusal{Reason: "This change's plan could not be fingerprinted for the confirmation (" + err.Error() + ")", Code: "unhashable_plan", Fix: "nothing else to do from here; report it as a bug in hostup-mcp."}
	}
	return sha256.Sum256(b), nil
}
