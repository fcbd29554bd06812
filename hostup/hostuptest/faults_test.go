package hostuptest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaultResponses(t *testing.T) {
	cases := []struct {
		name        string
		fault       Fault
		status      int
		code        string // problem code, or "" for a raw body
		retryAfter  string
		contentType string
		body        string
	}{
		{"429 with Retry-After", Fault{Status: 429, RetryAfter: 1500 * time.Millisecond}, 429, "rate_limit_exceeded", "2", "application/problem+json", ""},
		{"429 without Retry-After says 1s", Fault{Status: 429}, 429, "rate_limit_exceeded", "1", "application/problem+json", ""},
		{"500", Fault{Status: 500}, 500, "internal_error", "", "application/problem+json", ""},
		{"503", Fault{Status: 503}, 503, "upstream_unavailable", "", "application/problem+json", ""},
		{"HTML 502 page", Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>"}, 502, "", "", "text/html; charset=utf-8", "<html><body>Bad Gateway</body></html>"},
		{"malformed JSON with 200", Fault{Status: 200, Body: `{"data":[`}, 200, "", "", "application/json", `{"data":[`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.sim.SetFault("GET", "/api/v2/vps", tc.fault)
			var r result
			if tc.code != "" {
				e.wantProblem(tc.status, tc.code, "GET", "/api/v2/vps", keyAcme, "")
				r = e.do("GET", "/api/v2/vps", keyAcme, "")
			} else {
				r = e.want(tc.status, "GET", "/api/v2/vps", keyAcme, "", nil)
				if string(r.body) != tc.body {
					t.Errorf("body = %q", r.body)
				}
			}
			if got := r.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if got := r.header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tc.contentType)
			}
		})
	}
}

func TestFaultTimesAppliesThenStops(t *testing.T) {
	e := newEnv(t)
	e.sim.SetFault("*", "*", Fault{Status: 503, Times: 2})
	for i, want := range []int{503, 503, 200, 200} {
		if r := e.do("GET", "/api/v2/vps", keyAcme, ""); r.status != want {
			t.Errorf("request %d: %d, want %d", i, r.status, want)
		}
	}
}

func TestFaultPatternMatchesMethodAndOneSegment(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{})
	e.sim.SetFault("POST", "/api/v2/vps/*/backups", Fault{Status: 500})
	cases := []struct {
		method, path string
		want         int
	}{
		{"POST", "/api/v2/vps/" + id + "/backups", 500},
		{"GET", "/api/v2/vps/" + id + "/backups", 200},
		{"POST", "/api/v2/vps/" + id + "/backup-schedules", 400},
		{"GET", "/api/v2/vps/" + id, 200},
	}
	for _, tc := range cases {
		if r := e.do(tc.method, tc.path, keyAcme, ""); r.status != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, r.status, tc.want)
		}
	}
	e.sim.ClearFaults()
	if r := e.do("POST", "/api/v2/vps/"+id+"/backups", keyAcme, ""); r.status != http.StatusAccepted {
		t.Errorf("after ClearFaults: %d", r.status)
	}
}

func TestDropFaultClosesTheConnection(t *testing.T) {
	e := newEnv(t)
	e.sim.SetFault("GET", "/api/v2/vps", Fault{Drop: true, Times: 1})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest("GET", e.url+"/api/v2/vps", nil)
	req.Header.Set("Authorization", "Bearer "+keyAcme)
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got status %d, want a transport error", resp.StatusCode)
	}
	if r := e.do("GET", "/api/v2/vps", keyAcme, ""); r.status != 200 {
		t.Errorf("after the drop: %d", r.status)
	}
	if n := len(e.sim.Requests()); n != 2 {
		t.Errorf("logged %d requests, want 2 (the dropped one too)", n)
	}
}

func TestLatencyFaultDelaysThenServes(t *testing.T) {
	e := newEnv(t)
	e.sim.SetFault("GET", "*", Fault{Latency: 50 * time.Millisecond})
	start := time.Now()
	if r := e.do("GET", "/api/v2/vps", keyAcme, ""); r.status != 200 {
		t.Errorf("status %d", r.status)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered after %v, want at least 50ms", d)
	}
}

func TestSetLatencyGivesUpWhenTheClientDoes(t *testing.T) {
	e := newEnv(t)
	e.sim.SetLatency(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/api/v2/vps", nil)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("want a deadline error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	// The server's Close in Cleanup would hang for 10s if the handler still slept.
	e.sim.SetLatency(0)
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	e := newEnv(t)
	e.sim.SetRateLimit(2)
	reset := t0.Add(time.Second).Format(timeLayout)
	for i, remaining := range []string{"1", "0"} {
		r := e.want(200, "GET", "/api/v2/vps", keyAcme, "", nil)
		h := r.header
		if h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != remaining || h.Get("X-RateLimit-Reset") != reset {
			t.Errorf("request %d headers: %v", i, h)
		}
	}
	e.wantProblem(429, "rate_limit_exceeded", "GET", "/api/v2/vps", keyAcme, "")
	r := e.do("GET", "/api/v2/vps", keyAcme, "")
	if r.header.Get("Retry-After") != "1" || r.header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("429 headers: %v", r.header)
	}
	e.clock.Advance(time.Second)
	if r := e.do("GET", "/api/v2/vps", keyAcme, ""); r.status != 200 || !strings.HasPrefix(r.header.Get("X-RateLimit-Reset"), "2026-04-27T12:00:02") {
		t.Errorf("next window: %d %v", r.status, r.header)
	}
	e.sim.SetRateLimit(0)
	if r := e.do("GET", "/api/v2/vps", keyAcme, ""); r.header.Get("X-RateLimit-Limit") != "" {
		t.Error("headers still sent with the limit off")
	}
}
