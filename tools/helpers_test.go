package tools_test

// What tests do with an env: call a tool and check its result, read the
// simulator's request log, answer dialogs, and look for a secret in every form
// it could leak in.

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// Ready-made VPSes for the tests that need one specific state.
func vpsWithoutSchedule(sim *hostuptest.Simulator) string {
	return sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "web", TotalBackupLimit: 7, AutoDeleteOldest: true})
}

func vpsWithDaily(sim *hostuptest.Simulator) string {
	return sim.AddVPS(testAccount, hostuptest.VPSSpec{
		Name: "db", TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{ID: "bks_daily1", Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 3, Since: 30 * 24 * time.Hour},
	})
}

func vpsWithWeekly(sim *hostuptest.Simulator) string {
	return sim.AddVPS(testAccount, hostuptest.VPSSpec{
		Name: "mail", TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{ID: "bks_weekly1", Name: "Weekly backup", Frequency: hostup.FrequencyWeekly, Hour: 3, Day: 1, RetentionCount: 4, Since: 60 * 24 * time.Hour},
	})
}

// call runs one tool and fails the test on a protocol error.
func (e *env) call(name string, args map[string]any) *mcp.CallToolResult {
	e.t.Helper()
	return e.callCtx(context.Background(), name, args, nil)
}

func (e *env) callCtx(ctx context.Context, name string, args map[string]any, meta *mcp.Meta) *mcp.CallToolResult {
	e.t.Helper()
	req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args, Meta: meta}}
	res, err := e.client.CallTool(ctx, req)
	if err != nil {
		e.t.Fatalf("%s %v: protocol error: %v", name, args, err)
	}
	return res
}

// ok runs a tool that must succeed, decodes its structuredContent into out
// (when out is not nil) and returns its text.
func (e *env) ok(name string, args map[string]any, out any) string {
	e.t.Helper()
	res := e.call(name, args)
	text := textOf(res)
	if res.IsError {
		e.t.Fatalf("%s %v: unexpected error result:\n%s", name, args, text)
	}
	if res.StructuredContent == nil {
		e.t.Fatalf("%s: a successful result has no structuredContent", name)
	}
	if out != nil {
		decodeStructured(e.t, res, out)
	}
	return text
}

// fails runs a tool that must return an isError result and returns its text.
func (e *env) fails(name string, args map[string]any) string {
	e.t.Helper()
	res := e.call(name, args)
	text := textOf(res)
	if !res.IsError {
		e.t.Fatalf("%s %v: expected an error result, got:\n%s", name, args, text)
	}
	return text
}

func decodeStructured(t *testing.T, res *mcp.CallToolResult, out any) {
	t.Helper()
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("structuredContent %s: %v", b, err)
	}
}

func textOf(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// refused runs a tool that must refuse locally: an error result naming every want,
// never the key, and no mutating request sent. It returns the text.
func (e *env) refused(name string, args map[string]any, wants ...string) string {
	e.t.Helper()
	text := e.fails(name, args)
	contains(e.t, text, wants...)
	lacks(e.t, text, testKey)
	e.noMutations()
	// A refusal's reason starts a sentence.
	if reason, ok := strings.CutPrefix(text, "Refused: nothing was sent to HostUp. "); ok {
		if r, _ := utf8.DecodeRuneInString(reason); !unicode.IsUpper(r) {
			e.t.Errorf("the refusal's reason must start with an uppercase letter:\n%s", text)
		}
	}
	return text
}

// noMutations asserts that HostUp received no POST, PATCH or DELETE.
func (e *env) noMutations() {
	e.t.Helper()
	if m := e.sim.Mutations(); len(m) != 0 {
		e.t.Fatalf("expected no mutating request, HostUp got %d: %s", len(m), describeRequests(m))
	}
}

// mutations returns the POST, PATCH and DELETE requests HostUp received.
func (e *env) mutations() []hostuptest.Request { return e.sim.Mutations() }

func describeRequests(rs []hostuptest.Request) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString("\n  " + r.Method + " " + r.Path)
		if len(r.Body) > 0 {
			b.WriteString(" " + string(r.Body))
		}
	}
	return b.String()
}

// bodyOf decodes a logged request body into a generic map, so that a test can
// check which fields were sent at all.
func bodyOf(t *testing.T, r hostuptest.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", r.Method, r.Path, r.Body, err)
	}
	return m
}

// contains asserts that text contains every want (case-sensitive).
func contains(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

func lacks(t *testing.T, text string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Errorf("text should not contain %q:\n%s", w, text)
		}
	}
}

// schedules reads the VPS's schedules straight from the simulator's API.
func (e *env) schedules(vpsID string) *tools.ListBackupSchedulesOutput {
	e.t.Helper()
	var out tools.ListBackupSchedulesOutput
	e.ok("list_backup_schedules", map[string]any{"vps_id": vpsID}, &out)
	return &out
}

// elicitor answers elicitations like a user would, and records them.
type elicitor struct {
	action  mcp.ElicitationResponseAction
	content map[string]any

	mu       sync.Mutex
	messages []string
}

func accepting() *elicitor {
	return &elicitor{action: mcp.ElicitationResponseActionAccept, content: map[string]any{"confirm": true}}
}

func (h *elicitor) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.messages = append(h.messages, req.Params.Message)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: h.action, Content: h.content}}, nil
}

func (h *elicitor) asked() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.messages...)
}

// callRaw sends arguments exactly as given (raw JSON, duplicate keys and all)
// and returns the result, or the protocol error.
func (e *env) callRaw(name string, raw string) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return e.client.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: json.RawMessage(raw)}})
}

// encodings returns the forms in which a secret could leak: raw, base64 (std,
// URL, padded or not, at each of the three byte alignments inside a longer
// encoded string), URL escapes and hex.
func encodings(secret string) map[string]string {
	out := map[string]string{
		"raw":           secret,
		"query-escaped": url.QueryEscape(secret),
		"path-escaped":  url.PathEscape(secret),
		"hex":           hex.EncodeToString([]byte(secret)),
		"HEX":           strings.ToUpper(hex.EncodeToString([]byte(secret))),
		"json-quoted":   strings.Trim(mustJSON(secret), `"`),
		"reversed":      reverse(secret),
	}
	for off := range 3 {
		in := strings.Repeat("\x00", off) + secret
		for name, enc := range map[string]*base64.Encoding{
			"base64-std": base64.StdEncoding, "base64-url": base64.URLEncoding,
			"base64-rawstd": base64.RawStdEncoding, "base64-rawurl": base64.RawURLEncoding,
		} {
			s := enc.EncodeToString([]byte(in))
			// The first and last quantum depend on the bytes around the secret.
			out[fmt.Sprintf("%s+%d", name, off)] = s[4 : len(s)-4]
		}
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// sightings returns where and how the secret appears in text. Hex is matched
// case-insensitively (mixed-case hex still decodes); the other forms exactly.
func sightings(where, text, secret string) []string {
	var out []string
	lower := strings.ToLower(text)
	for name, enc := range encodings(secret) {
		if enc == "" {
			continue
		}
		found := strings.Contains(text, enc)
		if name == "hex" {
			found = strings.Contains(lower, enc)
		}
		if found {
			out = append(out, fmt.Sprintf("%s: %s", where, name))
		}
	}
	return out
}

// resultTexts returns every text the client sees of a result: the content and
// the structured content as JSON.
func resultTexts(res *mcp.CallToolResult) (content, structured string) {
	content = textOf(res)
	if res.StructuredContent != nil {
		structured = mustJSON(res.StructuredContent)
	}
	b, _ := json.Marshal(res)
	return content + "\n" + string(b), structured
}
