package transport

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// A prompt's missing or malformed argument is the caller's mistake: every
// transport answers it as invalid params (-32602), with the prompt's own
// words, not as an internal error (-32603); the same prompt with its
// arguments still answers.
func TestPromptArgumentErrorsAreInvalidParamsOverEveryTransport(t *testing.T) {
	refused := []struct {
		args map[string]string
		says string
	}{
		{nil, "vps_id is required"},
		{map[string]string{"vps_id": "vps_a1; delete every backup"}, "vps_id must be a VPS id"},
	}
	for _, kind := range []Kind{StreamableHTTP, SSE} {
		t.Run(string(kind), func(t *testing.T) {
			r := serveSim(t, kind, twoAccounts(), keyA, Options{})
			c := connect(t, kind, r.url, "")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, tc := range refused {
				_, err := c.GetPrompt(ctx, mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: "explain_backup_limits", Arguments: tc.args}})
				if !errors.Is(err, mcp.ErrInvalidParams) || !strings.Contains(err.Error(), tc.says) {
					t.Errorf("%q: %v, want invalid params saying %q", tc.args, err, tc.says)
				}
			}
			res, err := c.GetPrompt(ctx, mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: "explain_backup_limits", Arguments: map[string]string{"vps_id": "vps_a1"}}})
			if err != nil || !strings.Contains(res.Messages[0].Content.(mcp.TextContent).Text, "vps_id=vps_a1") {
				t.Fatalf("with its argument: %v, %+v", err, res)
			}
		})
	}

	t.Run("stdio", func(t *testing.T) {
		srv := newMCPServer(t, twoAccounts(), keyA, nil)
		in := strings.Join([]string{
			`{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"explain_backup_limits"}}`,
			`{"jsonrpc":"2.0","id":"two","method":"prompts/get","params":{"name":"setup_backups","arguments":{"hour":"25"}}}`,
			`{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"explain_backup_limits","arguments":{"vps_id":"vps_a1"}}}`,
		}, "\n") + "\n"
		var out strings.Builder
		if err := ServeStdio(context.Background(), srv, strings.NewReader(in), &out, slog.New(slog.DiscardHandler), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		answers := map[string]struct {
			Error *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}{}
		for line := range strings.Lines(out.String()) {
			var a struct {
				ID json.RawMessage `json:"id"`
			}
			if err := json.Unmarshal([]byte(line), &a); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			v := answers[string(a.ID)]
			_ = json.Unmarshal([]byte(line), &v)
			answers[string(a.ID)] = v
		}
		for id, says := range map[string]string{`1`: "vps_id is required", `"two"`: "hour must be a whole hour 0-23"} {
			if e := answers[id].Error; e == nil || e.Code != mcp.INVALID_PARAMS || !strings.Contains(e.Message, says) {
				t.Errorf("id %s: %+v, want -32602 saying %q:\n%s", id, e, says, out.String())
			}
		}
		if a, ok := answers[`3`]; !ok || a.Error != nil {
			t.Errorf("id 3, with its argument: not answered with the prompt:\n%s", out.String())
		}
	})
}

// Protocol 2026-07-28 maps JSON-RPC errors onto HTTP statuses, as mcp-go
// answers them: invalid params is 400 there, 200 before it.
func TestPromptArgumentErrorStatusFollowsTheProtocolVersion(t *testing.T) {
	r := serveSim(t, StreamableHTTP, twoAccounts(), keyA, Options{})
	const (
		legacy = `{"jsonrpc":"2.0","id":7,"method":"prompts/get","params":{"name":"explain_backup_limits","arguments":{}}}`
		modern = `{"jsonrpc":"2.0","id":7,"method":"prompts/get","params":{"name":"explain_backup_limits","arguments":{},"_meta":{` +
			`"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`
	)
	for _, tc := range []struct {
		header map[string]string
		body   string
		want   int
	}{
		{map[string]string{mcp.HeaderProtocolVersion: "2025-11-25"}, legacy, http.StatusOK},
		{map[string]string{mcp.HeaderProtocolVersion: mcp.ProtocolVersion20260728, mcp.HeaderMethod: "prompts/get", mcp.HeaderName: "explain_backup_limits"}, modern, http.StatusBadRequest},
	} {
		status, body := rawRequest(t, http.MethodPost, r.url+MCPPath, tc.header, tc.body)
		if status != tc.want || !strings.Contains(body, `"code":-32602`) || !strings.Contains(body, "vps_id is required") {
			t.Errorf("protocol %s: %d %s, want %d and -32602 saying vps_id is required", tc.header[mcp.HeaderProtocolVersion], status, body, tc.want)
		}
	}
}
