package tools

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The authorize step of the safety path: the user's agreement to one or more
// prepared operations, given in the client's dialog (elicitation) or, when the
// client cannot show one, through a confirm_token the model passes back after
// showing the plan. The rules (issue 13):
//   - the dialog comes first: a client that can ask the user is asked, whatever
//     token the call carries;
//   - a token has a purpose: a dialog's request state is never a confirm_token,
//     nor the other way round;
//   - a token is bound to the tool, to each operation's change and decision
//     basis, and to the HostUp key of the caller who obtained it;
//   - a token is used once: execute records its id, under the VPS's lock, right
//     before it sends the change.

// confirmTTL is how long a confirmation token stays valid (SPEC: 10 minutes).
const confirmTTL = 10 * time.Minute

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
// check it; whether it was used already is Used's to say.
type Confirmer struct {
	secret []byte
	// Used records the tokens used, so each works once. NewConfirmer sets an
	// in-memory record: replicas that share the secret but not this record can
	// each accept the same token once; main shares one in Redis when told to.
	Used UsedTokens
}

// NewConfirmer returns a Confirmer signing with secret, or with a random secret
// when secret is empty (tokens then only work within this process, which is what
// stdio needs), and recording used tokens in memory.
func NewConfirmer(secret []byte) *Confirmer {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
	}
	return &Confirmer{secret: secret, Used: &MemoryUsedTokens{}}
}

// UsedTokens is the record of tokens already used. Use must be atomic: of
// callers presenting the same id, one gets TokenFresh. It is called under the
// VPS's lock (and lease, across replicas), right before the change is sent.
type UsedTokens interface {
	// Use records id as used for ttl (at least as long as the token is valid)
	// by a change to vpsID about to be sent, and says what it found.
	Use(ctx context.Context, id, vpsID string, ttl time.Duration) (TokenUse, error)
	// Sent records that the change id was used for got its answer, whatever
	// it was: until then, a later Use of id for the same VPS finds it
	// TokenInterrupted.
	Sent(ctx context.Context, id string) error
}

// TokenUse is what UsedTokens.Use found.
type TokenUse int

const (
	// TokenFresh: nobody had used the token; the caller now has, and sends.
	TokenFresh TokenUse = iota
	// TokenUsed: a change was sent with it already (or is being sent, to
	// another VPS of the same confirmation).
	TokenUsed
	// TokenInterrupted: a change to this same VPS was about to be sent with it,
	// and its sender never said it was answered. The caller holds the VPS's
	// lock, so that sender is gone (a replica killed mid-call): the change may
	// or may not have reached HostUp, and must not be sent again.
	TokenInterrupted
)

// MemoryUsedTokens keeps the record in this process; expired ids are dropped as
// new ones come, so it holds at most the tokens of the last 11 minutes.
type MemoryUsedTokens struct {
	mu   sync.Mutex
	used map[string]memoryUse
}

type memoryUse struct {
	expires time.Time
	vpsID   string
	sent    bool
}

func (m *MemoryUsedTokens) Use(_ context.Context, id, vpsID string, ttl time.Duration) (TokenUse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for k, u := range m.used {
		if now.After(u.expires) {
			delete(m.used, k)
		}
	}
	if u, ok := m.used[id]; ok {
		if !u.sent && u.vpsID == vpsID {
			return TokenInterrupted, nil
		}
		return TokenUsed, nil
	}
	if m.used == nil {
		m.used = map[string]memoryUse{}
	}
	m.used[id] = memoryUse{expires: now.Add(ttl), vpsID: vpsID}
	return TokenFresh, nil
}

func (m *MemoryUsedTokens) Sent(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, ok := m.used[id]; ok {
		u.sent = true
		m.used[id] = u
	}
	return nil
}

type tokenClaims struct {
	ID      string    `json:"i"`
	Purpose string    `json:"u"`
	Tool    string    `json:"t"`
	Key     string    `json:"k"` // the caller's HostUp key, as keyMark
	Rows    []binding `json:"r"`
	Expires int64     `json:"e"`
}

// Issue returns a token for purpose, covering rows of tool for the caller whose
// HostUp key has the id keyID (hostup.Client.KeyID), and when it expires.
func (c *Confirmer) Issue(purpose, tool, keyID string, rows []binding, now time.Time) (string, time.Time) {
	exp := now.Add(confirmTTL).Truncate(time.Second)
	payload, err := json.Marshal(tokenClaims{ID: rand.Text(), Purpose: purpose, Tool: tool, Key: c.keyMark(keyID), Rows: rows, Expires: exp.Unix()})
	if err != nil {
		panic("encoding token claims: " + err.Error()) // strings and hashes only
	}
	body := base64.RawURLEncoding.EncodeToString(payload)
	return tokenPrefix + body + "." + c.sign(body), exp
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
	if err != nil || claims.ID == "" {
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
	// Recorded a minute past expiry, so clock skew between replicas cannot reopen it.
	ttl := time.Unix(claims.Expires, 0).Sub(now) + time.Minute
	return &grant{id: claims.ID, ttl: ttl, used: c.Used, rows: claims.Rows}, nil
}

func (c *Confirmer) sign(body string) string {
	m := hmac.New(sha256.New, c.secret)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// keyMark is what a token says of the caller's key: keyed with the secret, so a
// token shows nothing that could be checked against a guessed key.
func (c *Confirmer) keyMark(keyID string) string { return c.sign("key\x00" + keyID)[:22] }

// fingerprint hashes any JSON-encodable value; it binds tokens to plans and
// bases. A value that cannot be encoded is an error, never a hash that every
// such value would share.
func fingerprint(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", &Refusal{Reason: "This change's plan could not be fingerprinted for the confirmation (" + err.Error() + ")", Code: "unhashable_plan", Fix: "nothing else to do from here; report it as a bug in hostup-mcp."}
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:16]), nil
}

// grant is a confirmation the user gave: the operations it covers, and the
// token that carried it, which is used once.
type grant struct {
	rows []binding

	id   string        // the token's id; "" when nothing can be replayed
	ttl  time.Duration // how long to record it as used
	used UsedTokens

	mu      sync.Mutex
	claimed bool
	done    bool // sent was recorded
}

// check says whether the confirmation covers op as it is now: the same change,
// decided from the same basis. Each refusal says which of the two differs.
func (g *grant) check(op *operation) error {
	b, err := op.binding()
	if err != nil {
		return err
	}
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

// claim records the grant's token as used, the first time a change it covers is
// about to be sent: execute calls it under the VPS's lock (and lease), right
// before apply, and calls sent once apply returned. A token someone already used
// is refused; one whose earlier use on this VPS was cut off before its answer
// came is errInterrupted: that change must not be sent again. Later rows of the
// same grant (a fleet confirmed at once) go ahead. shared says whether the
// caller holds the VPS's lease across replicas: only then is an unanswered use
// on the same VPS one whose sender is gone, rather than one still running on a
// replica that shares the record but not the leases.
func (g *grant) claim(ctx context.Context, vpsID string, shared bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.claimed || g.id == "" {
		return nil
	}
	use, err := g.used.Use(ctx, g.id, vpsID, g.ttl)
	if err != nil {
		return &Refusal{Reason: "Whether the confirm_token was used already could not be checked (" + err.Error() + ")", Code: "confirm_record_unavailable", Fix: "try again in a moment; " + redo}
	}
	switch {
	case use == TokenInterrupted && shared:
		return errInterrupted
	case use != TokenFresh:
		return &Refusal{Reason: "The confirm_token was used already: each confirmation applies its change once", Code: "used_confirm_token", Fix: redo}
	}
	g.claimed = true
	return nil
}

// errInterrupted is claim's answer when the token's change was already on its
// way to HostUp from a call that stopped before the answer came back.
var errInterrupted = errors.New("interrupted confirmation")

// sent records, once, that the change the grant's token was claimed for got its
// answer. A failure is only logged: the record then says interrupted, and a
// retry of the token reads the state back instead of sending.
func (g *grant) sent(ctx context.Context, log *slog.Logger) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.claimed || g.done {
		return
	}
	g.done = true
	if err := g.used.Sent(ctx, g.id); err != nil {
		log.WarnContext(ctx, "could not record a confirm_token's change as answered", "error", err)
	}
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

// authorization is authorize's answer: one of grant, declined and token is set.
type authorization struct {
	grant    *grant    // go ahead: execute each operation the grant covers
	declined bool      // the user said no: send nothing
	token    string    // ask the user: show the plans and ask for this confirm_token
	expires  time.Time // when token expires
	// note, when set, tells why the token path was taken although the client
	// can show a dialog: the dialog failed.
	note string
}

// elicitID names our one elicitation in a multi-round-trip exchange.
const elicitID = "confirm"

// authorize gets the user's agreement to the operations in c. A client that can
// show a dialog is asked through it, always, and its answer decides, whatever
// token the call carries. Only when no dialog can be shown does the token path
// apply: the answer is then a confirm_token to ask the user with, or the grant of
// the token the call carries; in elicitation-only mode no token is accepted.
//
// A client on protocol 2026-07-28 or later gets the dialog as an *inputRequired
// error, which the caller returns as is: the client asks the user and calls
// again with the answer. An older client is asked from here, while the call
// waits.
func (d *Deps) authorize(ctx context.Context, call *Call, c confirmation) (authorization, error) {
	now := d.now()
	keyID := d.Client.KeyID(ctx)
	rows := make([]binding, len(c.ops))
	for i, op := range c.ops {
		b, err := op.binding()
		if err != nil {
			return authorization{}, err
		}
		rows[i] = b
	}
	params := call.Request.Params
	if answer := server.ElicitationResponse(params.InputResponses, elicitID); answer != nil {
		// Second round of a dialog: the state we issued comes back with the
		// answer, so it only counts for the plans the user saw.
		g, err := d.Confirm.Check(params.RequestState, purposeDialog, c.tool, keyID, now)
		if err != nil {
			return authorization{}, err
		}
		yes, err := c.consent(answer)
		if err != nil {
			return authorization{}, err
		}
		if yes {
			return authorization{grant: g}, nil
		}
		return authorization{declined: true}, nil
	}
	if call.inTaskOfAskableClient() {
		// The user must be asked in the dialog, which a task cannot show; a
		// token, wherever it came from, is not the user's answer to it.
		return authorization{}, &Refusal{
			Reason: "This change needs the user's confirmation, and this client can ask for it in its confirmation dialog, which a task cannot show: a client that can show the dialog is always asked, and no confirm_token replaces it",
			Code:   "confirmation_needs_dialog",
			Fix:    "call the tool again without a task: the client's dialog asks the user, then that call makes the change and follows its job, if it has one.",
		}
	}
	dialog := mcp.ElicitationParams{Message: c.dialogText(), RequestedSchema: c.schema()}
	var failure string // why the client's dialog could not be shown
	if clientCanElicit(ctx) {
		if mcp.IsModernProtocol(server.RequestProtocolVersion(ctx)) {
			state, _ := d.Confirm.Issue(purposeDialog, c.tool, keyID, rows, now)
			return authorization{}, &inputRequired{result: server.NewInputRequestBuilder(state).Elicit(elicitID, dialog).ToolResult()}
		}
		answer, err := server.ServerFromContext(ctx).RequestElicitation(ctx, mcp.ElicitationRequest{
			Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)}, Params: dialog,
		})
		switch {
		case err == nil && answer != nil:
			// The answer came on this very call: there is nothing to replay.
			yes, err := c.consent(answer)
			if err != nil {
				return authorization{}, err
			}
			if yes {
				return authorization{grant: &grant{rows: rows}}, nil
			}
			return authorization{declined: true}, nil
		case ctx.Err() != nil:
			return authorization{}, ctx.Err()
		}
		failure = "the client's confirmation dialog could not be shown"
		if err != nil {
			// The client's words, cut short: they may be long or hostile.
			failure += " (" + quoteName(firstLine(err.Error())) + ")"
		}
		d.logger().WarnContext(ctx, "confirmation dialog failed; falling back", "tool", c.tool, "error", failure)
	}
	if d.ElicitationOnly {
		reason := "This server accepts a change that needs confirmation only through the client's confirmation dialog (elicitation-only mode), and this client cannot show one"
		if failure != "" {
			reason = "This server accepts a change that needs confirmation only through the client's confirmation dialog (elicitation-only mode), and " + failure
		}
		return authorization{}, &Refusal{Reason: reason, Code: "confirmation_dialog_unavailable",
			Fix: "make the change from an MCP client whose confirmation dialog works, or in HostUp's control panel."}
	}
	note := ""
	if failure != "" {
		note = "The user could not be asked directly: " + failure + ", so the confirmation falls back to a confirm_token."
	}
	if c.token != "" {
		if err := c.typed.checkGiven(); err != nil {
			return authorization{}, err
		}
		g, err := d.Confirm.Check(c.token, purposeConfirm, c.tool, keyID, now)
		return authorization{grant: g, note: note}, err
	}
	token, exp := d.Confirm.Issue(purposeConfirm, c.tool, keyID, rows, now)
	return authorization{token: token, expires: exp, note: note}, nil
}

// consent reports whether the user accepted the dialog and gave what it asked
// for: the ticked box, or the typed text (a mistyped one is a refusal).
func (c confirmation) consent(r *mcp.ElicitationResult) (bool, error) {
	if r.Action != mcp.ElicitationResponseActionAccept {
		return false, nil
	}
	return c.answered(r.Content)
}

// confirmSchema asks for one explicit yes: accepting the dialog with the box
// unticked does not count as consent.
var confirmSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"confirm": map[string]any{"type": "boolean", "title": "Apply this change", "description": "Tick to let the change go ahead.", "default": false},
	},
	"required": []string{"confirm"},
}

func accepted(content any) bool {
	m, ok := content.(map[string]any)
	if !ok {
		return false
	}
	yes, _ := m["confirm"].(bool)
	return yes
}

// confirmMessage is the dialog's text: each plan's summary, its values before
// and after, what it deletes and what the user should know.
func confirmMessage(ops []*operation) string {
	var b strings.Builder
	for i, op := range ops {
		if i > 0 {
			b.WriteString("\n\n")
		}
		p := op.plan
		b.WriteString(p.Summary)
		for _, c := range p.Changes {
			fmt.Fprintf(&b, "\n%s: %s → %s", c.Field, c.Before, c.After)
		}
		for _, d := range p.Deletes {
			b.WriteString("\nDeletes: " + d)
		}
		for _, w := range p.Warnings {
			b.WriteString("\nNote: " + w)
		}
	}
	return b.String()
}

// clientCanElicit reports whether the client declared the elicitation capability
// on a session that can carry the request. Clients without it get a confirm_token.
func clientCanElicit(ctx context.Context) bool {
	session, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
	if !ok || session.GetClientCapabilities().Elicitation == nil {
		return false
	}
	if _, ok := session.(server.SessionWithElicitation); ok {
		return true
	}
	return server.RequestProtocolVersion(ctx) >= "2026-07-28"
}
