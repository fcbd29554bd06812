package transport

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// With per-request keys any well-formed key is "authenticated", so /metrics,
// which counts every tenant's calls, is served only to requests that came in on
// loopback. The request is built in memory with the local address it would have
// had: no traffic leaves the machine.
func TestMetricsWithPerRequestKeysAreLoopbackOnly(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("hostup_mcp_tool_calls_total 1\n"))
	})
	cases := []struct {
		name  string
		auth  authMode
		local string
		want  int
	}{
		{"per-request keys, loopback", authPerRequestKey, "127.0.0.1:8765", http.StatusOK},
		{"per-request keys, public address", authPerRequestKey, "203.0.113.7:8765", http.StatusForbidden},
		{"shared token, public address", authToken, "203.0.113.7:8765", http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newGuard(tc.auth, "", nil, withDefaults(Options{}))
			r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			addr, err := net.ResolveTCPAddr("tcp", tc.local)
			if err != nil {
				t.Fatal(err)
			}
			r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, addr))
			w := httptest.NewRecorder()
			g.metricsGate(metrics).ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if tc.want == http.StatusForbidden && !strings.Contains(w.Body.String(), "HOSTUP_MCP_HTTP_TOKEN") {
				t.Errorf("the refusal does not say what to do: %s", w.Body)
			}
		})
	}
}
