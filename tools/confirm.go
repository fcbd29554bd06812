package tools

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// confirmTTL is how long a confirmation token stays valid (SPEC: 10 minutes).
const confirmTTL = 10 * time.Minute

// tokenPrefix versions the token format so a future change can refuse old tokens
// with a clear message instead of a signature error.
const tokenPrefix = "hu1."

// Confirmer issues and checks confirm_tokens. A token is bound to the tool called
// and to each operation it covers: its exact change (VPS and requests) and the
// basis the plan was decided from; it is signed so it cannot be made up, and it carries its expiry so
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
	Tool    string    `json:"t"`
	Rows    []binding `json:"r"`
	Expires int64     `json:"e"`
}

// Issue returns a token covering rows for tool, and when it expires.
func (c *Confirmer) Issue(tool string, rows []binding, now time.Time) (string, time.Time) {
	exp := now.Add(confirmTTL).Truncate(time.Second)
	payload, _ := json.Marshal(tokenClaims{Tool: tool, Rows: rows, Expires: exp.Unix()})
	body := base64.RawURLEncoding.EncodeToString(payload)
	return tokenPrefix + body + "." + c.sign(body), exp
}

// redo is what every refused token tells the model to do.
const redo = "Call the tool again without confirm_token to get a fresh plan and token, and show the plan to the user."

// Check accepts token when this server issued it for tool and it has not
// expired, and returns the confirmation it carries. Whether that covers an
// operation is the grant's to say. Every refusal says what to do next.
func (c *Confirmer) Check(token, tool string, now time.Time) (*grant, error) {
	body, ok := strings.CutPrefix(token, tokenPrefix)
	var sig string
	if ok {
		body, sig, ok = strings.Cut(body, ".")
	}
	if !ok || !hmac.Equal([]byte(sig), []byte(c.sign(body))) {
		return nil, &Refusal{Reason: "The confirm_token is not a token this server issued (tokens are never made up; they come from a previous call of the same tool)", Code: "invalid_confirm_token", Fix: redo}
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	var claims tokenClaims
	if err == nil {
		err = json.Unmarshal(raw, &claims)
	}
	if err != nil {
		return nil, &Refusal{Reason: "The confirm_token is damaged", Code: "invalid_confirm_token", Fix: redo}
	}
	switch {
	case now.Unix() > claims.Expires:
		return nil, &Refusal{Reason: fmt.Sprintf("The confirm_token expired at %s (tokens last 10 minutes)", time.Unix(claims.Expires, 0).UTC().Format(time.RFC3339)), Code: "expired_confirm_token", Fix: redo}
	case claims.Tool != tool:
		return nil, &Refusal{Reason: "The confirm_token was issued for a different change (another tool, VPS or arguments)", Code: "mismatched_confirm_token", Fix: redo}
	}
	return &grant{rows: claims.Rows}, nil
}

// grant is a confirmation the user gave: the rows (operations) it covers.
type grant struct {
	rows []binding
}

// check says whether the confirmation covers op as it is now: the same change,
// decided from the same basis. Each refusal says which of the two differs.
func (g *grant) check(op *operation) error {
	b := op.binding()
	samePlan := false
	for _, r := range g.rows {
		if r == b {
			return nil
		}
		samePlan = samePlan || r.Plan == b.Plan
	}
	if !samePlan {
		return &Refusal{Reason: "The confirm_token was issued for a different change (another tool, VPS or arguments)", Code: "mismatched_confirm_token", Fix: redo}
	}
	return &Refusal{Reason: "The VPS's backup state changed since this plan was made (its schedule, settings, limits or gates), so the confirmed plan may no longer be what would happen", Code: "stale_confirm_token", Fix: redo}
}

// confirmation asks for one agreement covering every operation in ops.
type confirmation struct {
	tool  string       // the tool being called; a token only works for it
	token string       // the confirm_token argument, "" when none
	ops   []*operation // what the user agrees to, all at once
	// message is the dialog's text; empty means the plans' own (confirmMessage).
	message string
	// typed, when set, makes the user type a text rather than tick a box
	// (confirm_typed.go).
	typed *typedConfirmation
}

// authorization is authorize's answer: exactly one of its fields is set.
type authorization struct {
	grant    *grant    // go ahead: execute each operation the grant covers
	declined bool      // the user said no: send nothing
	token    string    // ask the user: show the plans and ask for this confirm_token
	expires  time.Time // when token expires
}

// authorize gets the user's agreement to the operations in c, through the
// client's dialog (elicitation) or a confirm_token. A dialog comes back as an
// *inputRequired error, which the caller returns as is: the client asks the user
// and calls again with the answer.
func (d *Deps) authorize(ctx context.Context, call *Call, c confirmation) (authorization, error) {
	now := d.now()
	rows := make([]binding, len(c.ops))
	for i, op := range c.ops {
		rows[i] = op.binding()
	}
	if c.token != "" {
		if err := c.typed.checkGiven(); err != nil {
			return authorization{}, err
		}
		g, err := d.Confirm.Check(c.token, c.tool, now)
		return authorization{grant: g}, err
	}
	params := call.Request.Params
	if answer := server.ElicitationResponse(params.InputResponses, elicitID); answer != nil {
		// Second round of an elicitation: the token we issued travels as the
		// request state, so the answer only counts for the plans the user saw.
		g, err := d.Confirm.Check(params.RequestState, c.tool, now)
		if err != nil {
			return authorization{}, err
		}
		if answer.Action == mcp.ElicitationResponseActionAccept {
			yes, err := c.answered(answer.Content)
			if err != nil {
				return authorization{}, err
			}
			if yes {
				return authorization{grant: g}, nil
			}
		}
		return authorization{declined: true}, nil
	}
	token, exp := d.Confirm.Issue(c.tool, rows, now)
	if clientCanElicit(ctx) {
		return authorization{}, &inputRequired{result: server.NewInputRequestBuilder(token).Elicit(elicitID, mcp.ElicitationParams{
			Message:         c.dialogText(),
			RequestedSchema: c.schema(),
		}).ToolResult()}
	}
	return authorization{token: token, expires: exp}, nil
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
