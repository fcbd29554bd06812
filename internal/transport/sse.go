package transport

import (
	"context"
	"crypto/rand"
	"net/http"
	"sync"
	"sync/atomic"
)

// sseBinding ties each SSE session to the credential that opened its stream:
// a POST to /message must carry the same credential, so knowing another
// caller's session id is not enough to run calls whose results (and
// confirmation prompts) go to that caller's stream. It also bounds the number
// of open streams, each of which holds a connection and a goroutine.
type sseBinding struct {
	refuser
	sessions sync.Map // session id -> fingerprint
	open     atomic.Int64
	max      int64
}

func newSSEBinding(maxStreams int, f refuser) *sseBinding {
	return &sseBinding{refuser: f, max: int64(maxStreams)}
}

// streamKey carries, from wrap to newSessionID, where to note the id of the
// stream being opened so that wrap can forget it when the stream ends.
type streamKey struct{}

type openStream struct{ id string }

func (b *sseBinding) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == SSEPath && r.Method == http.MethodGet:
			if b.open.Add(1) > b.max {
				b.open.Add(-1)
				w.Header().Set("Retry-After", "5")
				b.refuse(w, http.StatusServiceUnavailable, codeTooManyStreams, "this server has as many SSE streams open as it allows; try again shortly, or use Streamable HTTP (/mcp)")
				return
			}
			defer b.open.Add(-1)
			st := &openStream{}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), streamKey{}, st)))
			if st.id != "" {
				b.sessions.Delete(st.id)
			}
		case r.URL.Path == MessagePath:
			if fp, ok := b.sessions.Load(r.URL.Query().Get("sessionId")); ok && fp != credentialOf(r.Context()) {
				b.refuse(w, http.StatusNotFound, codeUnknownSession, "no SSE session with this id was opened with these credentials; open a stream at "+SSEPath+" first")
				return
			}
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// newSessionID is mcp-go's session id generator: a random id, bound to the
// credential of the request that opens the stream.
func (b *sseBinding) newSessionID(ctx context.Context, _ *http.Request) (string, error) {
	id := rand.Text()
	b.sessions.Store(id, credentialOf(ctx))
	if st, ok := ctx.Value(streamKey{}).(*openStream); ok {
		st.id = id
	}
	return id, nil
}
