package hostuptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	keyAcme  = "k-acme"  // account acme, every scope
	keyRead  = "k-read"  // account acme, read:vm only
	keyOther = "k-other" // account other, every scope
)

// t0 is a Monday, so weekly arithmetic is easy to check by hand.
var t0 = time.Date(2026, 4, 27, 12, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	sim   *Simulator
	clock *ManualClock
	url   string
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	clock := NewManualClock(t0)
	sim := New(append([]Option{WithClock(clock.Now)}, opts...)...)
	sim.AddKey(keyAcme, "acme")
	sim.AddKey(keyRead, "acme", ScopeRead)
	sim.AddKey(keyOther, "other")
	srv := sim.Start()
	t.Cleanup(srv.Close)
	return &env{t: t, sim: sim, clock: clock, url: srv.URL}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(method, path, key, body string) result {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: data}
}

// want calls do, checks the status and decodes the body strictly into out (when
// not nil), so a field the simulator sends but out lacks fails the test.
func (e *env) want(status int, method, path, key, body string, out any) result {
	e.t.Helper()
	r := e.do(method, path, key, body)
	if r.status != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, status, r.body)
	}
	if out != nil {
		decodeStrict(e.t, r.body, out)
	}
	return r
}

func decodeStrict(t *testing.T, data []byte, out any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("decode %T: %v; body %s", out, err, data)
	}
}

// wantProblem checks an RFC 7807 error response and returns it.
func (e *env) wantProblem(status int, code, method, path, key, body string) problemBody {
	e.t.Helper()
	var p problemBody
	r := e.want(status, method, path, key, body, &p)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		e.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	if p.Code != code || p.Status != status || !strings.HasPrefix(p.RequestID, "req_") || p.Instance != strings.Split(path, "?")[0] {
		e.t.Errorf("%s %s: problem %+v, want code %s", method, path, p, code)
	}
	return p
}

// state is everything a client can read about one VPS, to compare before and after.
func (e *env) state(vpsID string) string {
	e.t.Helper()
	a := e.want(200, "GET", "/api/v2/vps/"+vpsID+"/backup-schedules", keyAcme, "", nil)
	b := e.want(200, "GET", "/api/v2/vps/"+vpsID+"/backups", keyAcme, "", nil)
	return string(a.body) + string(b.body)
}

func backupsAged(kind string, ages ...time.Duration) []BackupSpec {
	out := make([]BackupSpec, len(ages))
	for i, a := range ages {
		out[i] = BackupSpec{Type: kind, Age: a}
	}
	return out
}
