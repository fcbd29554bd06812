package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// A prompt argument that is missing or does not fit is the caller's mistake:
// JSON-RPC's invalid params (-32602). mcp-go (v1.2.1) answers every error of a
// prompt handler as an internal error (-32603), and none of its hooks can
// choose the code (a request hook's error becomes -32600). So each transport
// asks the prompt before mcp-go sees a prompts/get, and answers the refusal
// itself; every other message, and a prompts/get the prompt accepts, goes on
// to mcp-go unchanged. Over HTTP the check comes before mcp-go's checks of the
// protocol headers: a request wrong in both is refused for its arguments.
type promptArguments struct{ srv *server.MCPServer }

// getPrompt is what the check reads of a message.
type getPrompt struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Name      string            `json:"name"`
		Arguments map[string]string `json:"arguments"`
		Meta      *mcp.Meta         `json:"_meta"`
	} `json:"params"`
}

// refusal returns the JSON-RPC answer to msg, on one line, when msg is a
// prompts/get request whose prompt refuses its arguments as invalid params
// (its handler's error is mcp.ErrInvalidParams); else nil. The prompt's own
// handler decides, so the check cannot drift from the prompt: prompt handlers
// only build text, and the one that then answers runs once more. modern says
// the request is on protocol 2026-07-28 or later.
func (p promptArguments) refusal(ctx context.Context, msg []byte) (answer []byte, modern bool) {
	if !bytes.Contains(msg, []byte(`"`+mcp.MethodPromptsGet+`"`)) {
		return nil, false // the common case, without decoding
	}
	var req getPrompt
	if json.Unmarshal(msg, &req) != nil || req.Method != string(mcp.MethodPromptsGet) || len(req.ID) == 0 || string(req.ID) == "null" {
		return nil, false
	}
	prompt := p.srv.ListPrompts()[req.Params.Name]
	if prompt == nil {
		return nil, false // mcp-go says it does not exist
	}
	_, err := prompt.Handler(ctx, mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: req.Params.Name, Arguments: req.Params.Arguments}})
	if err == nil || !errors.Is(err, mcp.ErrInvalidParams) {
		return nil, false
	}
	return rpcErrorLine(req.ID, mcp.INVALID_PARAMS, err.Error()), mcp.IsModernProtocol(req.Params.Meta.ProtocolVersion())
}

// rpcErrorLine is a JSON-RPC error answer to the request id, on one line.
func rpcErrorLine(id json.RawMessage, code int, message string) []byte {
	type rpcError struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	b, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   rpcError        `json:"error"`
	}{"2.0", id, rpcError{code, message}})
	return b
}

// streamable answers, in front of mcp-go's Streamable HTTP handler, as it
// answers a JSON-RPC error: 200, or 400 on protocol 2026-07-28, which maps
// invalid params onto an HTTP status.
func (p promptArguments) streamable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if answer, modern := p.refusal(r.Context(), peekBody(r)); answer != nil {
			status := http.StatusOK
			if modern || mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion)) {
				status = http.StatusBadRequest
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(append(answer, '\n'))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sse answers on the session's stream, as mcp-go answers every message there,
// and accepts the POST (202). A session that is unknown or closed goes on to
// mcp-go, which says so.
func (p promptArguments) sse(sse *server.SSEServer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == MessagePath {
			answer, _ := p.refusal(r.Context(), peekBody(r))
			if answer != nil && sse.SendEventToSession(r.URL.Query().Get("sessionId"), json.RawMessage(answer)) == nil {
				w.WriteHeader(http.StatusAccepted)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// peekBody returns a POST's body and leaves it to be read again. The guard
// has read it whole (bodies.go), so this only copies it from memory.
func peekBody(r *http.Request) []byte {
	if r.Method != http.MethodPost || r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}
