package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

// SharedTaskAnswers wraps mcp-go's Streamable HTTP handler so that this
// replica answers tasks/get, tasks/result and tasks/cancel for a task another
// replica runs (tasks_shared.go). mcp-go holds only its own tasks, answers
// "task not found" for any other, and no hook can turn that into an answer:
// so the request carries a slot, a hook that runs once mcp-go has checked the
// request fills it from the shared record, and the answer in it is written in
// place of mcp-go's. It goes behind the transport's security handler, which
// has read the body within its limits and put the caller's credential in the
// request's context.
func SharedTaskAnswers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !asksAboutATask(r) {
			next.ServeHTTP(w, r)
			return
		}
		slot := &answerSlot{}
		r = r.WithContext(context.WithValue(r.Context(), answerSlotKey{}, slot))
		next.ServeHTTP(&answerWriter{ResponseWriter: w, slot: slot}, r)
	})
}

// asksAboutATask says whether the request is a tasks/get, tasks/result or
// tasks/cancel, leaving its body to be read again.
func asksAboutATask(r *http.Request) bool {
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var m struct {
		Method mcp.MCPMethod `json:"method"`
	}
	if err != nil || json.Unmarshal(body, &m) != nil {
		return false
	}
	switch m.Method {
	case mcp.MethodTasksGet, mcp.MethodTasksResult, mcp.MethodTasksCancel:
		return true
	}
	return false
}

type answerSlotKey struct{}

// answerSlot holds the answer the shared record gives in mcp-go's stead.
type answerSlot struct {
	mu  sync.Mutex
	msg mcp.JSONRPCMessage
}

func slotOf(ctx context.Context) *answerSlot {
	s, _ := ctx.Value(answerSlotKey{}).(*answerSlot)
	return s
}

func (s *answerSlot) set(msg mcp.JSONRPCMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msg = msg
}

func (s *answerSlot) get() mcp.JSONRPCMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msg
}

func (s *answerSlot) answer(id, result any) {
	s.set(mcp.NewJSONRPCResultResponse(mcp.NewRequestId(id), result))
}

func (s *answerSlot) fail(id any, code int, message string) {
	s.set(mcp.JSONRPCError{JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(id), Error: mcp.NewJSONRPCErrorDetails(code, message, nil)})
}

// give answers with a recorded reply, under this request's id.
func (s *answerSlot) give(id any, r reply) {
	if r.Error != nil {
		s.fail(id, r.Error.Code, r.Error.Message)
		return
	}
	s.answer(id, r.Result)
}

// answerWriter writes the slot's answer, once it holds one, instead of what
// mcp-go writes: a result with 200, an error with the status mcp-go chose for
// its own error (the protocol's 2026 version maps error codes to statuses).
type answerWriter struct {
	http.ResponseWriter
	slot *answerSlot
	once sync.Once
}

func (w *answerWriter) WriteHeader(status int) {
	if !w.substitute(status) {
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *answerWriter) Write(b []byte) (int, error) {
	if w.substitute(http.StatusOK) {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (write deadlines).
func (w *answerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *answerWriter) substitute(status int) bool {
	msg := w.slot.get()
	if msg == nil {
		return false
	}
	w.once.Do(func() {
		if _, ok := msg.(mcp.JSONRPCResponse); ok {
			status = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json")
		w.ResponseWriter.WriteHeader(status)
		_ = json.NewEncoder(w.ResponseWriter).Encode(msg)
	})
	return true
}
