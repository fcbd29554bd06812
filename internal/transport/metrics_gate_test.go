package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// /metrics counts every caller's calls and refusals. With per-request keys
// any well-formed key passes MCP's check, so there /metrics takes its own
// token, or the server does not start; wherever that token is set, it is the
// only credential /metrics takes. The requests stay in memory.
func TestMetricsTakeTheirOwnTokenAndNoMadeUpBearer(t *testing.T) {
	const metricsToken = "3f9c2a7e1b4d8f60a5c3e7d912b48f06"
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("hostup_mcp_tool_calls_total 1\n"))
	})
	srv := newMCPServer(t, hostuptest.Sandbox(), "", nil)
	if _, err := New(srv, Options{Kind: StreamableHTTP, PerRequestKeys: true, Metrics: metrics}); err == nil || !strings.Contains(err.Error(), "HOSTUP_MCP_METRICS_TOKEN") {
		t.Errorf("per-request keys without a metrics token: %v, want a refusal naming HOSTUP_MCP_METRICS_TOKEN", err)
	}
	cases := []struct {
		name   string
		opts   Options
		bearer string
		want   int
	}{
		{"per-request keys, a made-up bearer", Options{PerRequestKeys: true, MetricsToken: metricsToken}, "made-up-bearer-string", http.StatusUnauthorized},
		{"per-request keys, no bearer", Options{PerRequestKeys: true, MetricsToken: metricsToken}, "", http.StatusUnauthorized},
		{"per-request keys, the metrics token", Options{PerRequestKeys: true, MetricsToken: metricsToken}, metricsToken, http.StatusOK},
		{"shared token, no metrics token: the shared token", Options{Token: testToken}, testToken, http.StatusOK},
		{"shared token, no metrics token: a made-up bearer", Options{Token: testToken}, "made-up-bearer-string", http.StatusUnauthorized},
		{"shared token and a metrics token: the shared token", Options{Token: testToken, MetricsToken: metricsToken}, testToken, http.StatusUnauthorized},
		{"shared token and a metrics token: the metrics token", Options{Token: testToken, MetricsToken: metricsToken}, metricsToken, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := ""
			if tc.opts.Token != "" {
				key = hostuptest.SandboxAPIKey
			}
			tc.opts.Kind, tc.opts.Metrics = StreamableHTTP, metrics
			s, err := New(newMCPServer(t, hostuptest.Sandbox(), key, nil), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, MetricsPath, nil)
			if tc.bearer != "" {
				r.Header.Set("Authorization", "Bearer "+tc.bearer)
			}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if tc.want == http.StatusOK && !strings.Contains(w.Body.String(), "hostup_mcp_tool_calls_total") {
				t.Errorf("body %q, want the metrics", w.Body)
			}
		})
	}
}
