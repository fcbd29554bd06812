package transport

import (
	"encoding/json"
	"net/http"
)

// Observer hears what the server turned away or cut short, so that overload
// shows in metrics (Options.Observer; package metrics implements it). Every
// value it gets is a status or one of the fixed words below: never a path, an
// address or a credential.
type Observer interface {
	// Refused: a request, or a connection there was no room for, was answered
	// with status and one of the refusal codes (the "error" of the answer).
	Refused(status int, code string)
	// CallRejected: a tool call was turned away before it ran, because of
	// reason: busy, key_busy or shutting_down.
	CallRejected(reason string)
	// ConnectionClosedForRoom: a connection was closed to make room for a new
	// one while it was in state: idle (between requests or before its first) or
	// reading (still sending a request).
	ConnectionClosedForRoom(state string)
}

// The reasons of Observer.CallRejected.
const (
	rejectedBusy         = "busy"
	rejectedKeyBusy      = "key_busy"
	rejectedShuttingDown = "shutting_down"
)

// Refusal codes: the "error" member of every refusal this package writes.
const (
	codeForbiddenHost      = "forbidden_host"
	codeForbiddenOrigin    = "forbidden_origin"
	codeMissingToken       = "missing_token"
	codeInvalidToken       = "invalid_token"
	codeMissingAPIKey      = "missing_api_key"
	codeInvalidAPIKey      = "invalid_api_key"
	codeMethodNotAllowed   = "method_not_allowed"
	codeNotFound           = "not_found"
	codeUnknownSession     = "unknown_session"
	codeBodyTooLarge       = "body_too_large"
	codeUnreadableBody     = "unreadable_body"
	codeBatch              = "batch_not_supported"
	codeShuttingDown       = "shutting_down"
	codeTooManyStreams     = "too_many_streams"
	codeTooManyBodies      = "too_many_bodies"
	codeTooManyConnections = "too_many_connections"
)

type nopObserver struct{}

func (nopObserver) Refused(int, string)            {}
func (nopObserver) CallRejected(string)            {}
func (nopObserver) ConnectionClosedForRoom(string) {}

// refuser writes refusals and tells the observer of each.
type refuser struct{ obs Observer }

// refuse answers what is refused: a stable code and a message that says what
// to do. It answers at once and closes the connection, whatever is left of
// the request's body (see dropConnection).
func (f refuser) refuse(w http.ResponseWriter, status int, code, message string) {
	f.obs.Refused(status, code)
	dropConnection(w)
	writeJSON(w, status, map[string]string{"error": code, "message": message})
}

// refuseBatch answers a JSON-RPC batch, whose body was read whole, as
// JSON-RPC: a client that sends batches reads JSON-RPC errors.
func (f refuser) refuseBatch(w http.ResponseWriter) {
	f.obs.Refused(http.StatusBadRequest, codeBatch)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(batchRefusal)
}

// batchRefusal is the JSON-RPC answer to a batch, on one line: an Invalid
// Request error (-32600) that says what to send instead.
var batchRefusal = func() []byte {
	type rpcError struct {
		Code    int               `json:"code"`
		Message string            `json:"message"`
		Data    map[string]string `json:"data"`
	}
	b, _ := json.Marshal(struct {
		JSONRPC string   `json:"jsonrpc"`
		ID      any      `json:"id"`
		Error   rpcError `json:"error"`
	}{"2.0", nil, rpcError{
		Code:    -32600,
		Message: "JSON-RPC batches are not supported: MCP (since protocol version 2025-06-18) sends one JSON-RPC message at a time; send each message on its own",
		Data:    map[string]string{"error": codeBatch},
	}})
	return append(b, '\n')
}()
