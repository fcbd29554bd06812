package tools_test

// The fault matrix: every tool against every fault the simulator can
// inject, once on the reads and, for the write tools, once on the mutating
// request itself. HostUp runs on a real listener so that a dropped connection or
// a time-out after the request left reads as "sent", as it does on the network.
// Every case also runs with the canary API key and debug logs, so the matrix is
// part of the secret canary test too (secrets_test.go).

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// What a fault should lead to.
const (
	wantError   = "error"   // an isError result
	wantOK      = "ok"      // a success (a read that recovered, or an applied change)
	wantUnknown = "unknown" // a change whose answer was lost: outcome_unknown, state read back
	// wantAccepted: a 2xx the fault gave in HostUp's place, so nothing was
	// changed: accepted_not_visible, never applied, the state read back.
	wantAccepted = "accepted"
)

type matrixFault struct {
	name  string
	fault hostuptest.Fault
	// On a GET: the result, and how often the GET is sent (SPEC: GETs retry 429,
	// 502, 503, 504 and network errors; nothing else).
	read     string
	attempts int
	// On the mutating request: the result, and how often it is sent (only a 429,
	// which HostUp refused before doing anything, may be sent again).
	write         string
	writeAttempts int
	// Words the isError text must contain (when read or write is wantError).
	words []string
	// minElapsed: the call must have waited at least this long (Retry-After).
	minElapsed time.Duration
}

const htmlPage = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>"

var matrixFaults = []matrixFault{
	{name: "429 with a long Retry-After", fault: hostuptest.Fault{Status: 429, RetryAfter: 30 * time.Second},
		read: wantError, attempts: 1, write: wantError, writeAttempts: 1, words: []string{"429", "retry after 30s"}},
	{name: "429 once with Retry-After 1s", fault: hostuptest.Fault{Status: 429, RetryAfter: time.Second, Times: 1},
		read: wantOK, attempts: 2, write: wantOK, writeAttempts: 2, minElapsed: 900 * time.Millisecond},
	{name: "500", fault: hostuptest.Fault{Status: 500},
		read: wantError, attempts: 1, write: wantUnknown, writeAttempts: 1, words: []string{"500"}},
	{name: "502", fault: hostuptest.Fault{Status: 502},
		read: wantError, attempts: 1 + tightRetries, write: wantUnknown, writeAttempts: 1, words: []string{"502"}},
	{name: "503", fault: hostuptest.Fault{Status: 503},
		read: wantError, attempts: 1 + tightRetries, write: wantUnknown, writeAttempts: 1, words: []string{"503"}},
	{name: "504", fault: hostuptest.Fault{Status: 504},
		read: wantError, attempts: 1 + tightRetries, write: wantUnknown, writeAttempts: 1, words: []string{"504"}},
	{name: "503 once", fault: hostuptest.Fault{Status: 503, Times: 1},
		read: wantOK, attempts: 2, write: wantUnknown, writeAttempts: 1},
	{name: "time-out", fault: hostuptest.Fault{Latency: 4 * tightTimeout},
		read: wantError, attempts: 1 + tightRetries, write: wantUnknown, writeAttempts: 1, words: []string{"did not answer in time"}},
	{name: "slow past the deadline once", fault: hostuptest.Fault{Latency: 2 * tightTimeout, Times: 1},
		read: wantOK, attempts: 2, write: wantUnknown, writeAttempts: 1},
	{name: "slow within the deadline", fault: hostuptest.Fault{Latency: tightTimeout / 5},
		read: wantOK, attempts: 1, write: wantOK, writeAttempts: 1},
	{name: "malformed JSON with 200", fault: hostuptest.Fault{Status: 200, Body: `{"data": [{"id": "vps_1", "name": tru`},
		read: wantError, attempts: 1, write: wantAccepted, writeAttempts: 1, words: []string{"sent an answer that could not be read"}},
	{name: "malformed JSON with 500", fault: hostuptest.Fault{Status: 500, Body: `{"type":"about:blank","status":500,"detail":`},
		read: wantError, attempts: 1, write: wantUnknown, writeAttempts: 1, words: []string{"non-JSON 500"}},
	{name: "HTML error page", fault: hostuptest.Fault{Status: 502, Body: htmlPage},
		read: wantError, attempts: 1 + tightRetries, write: wantUnknown, writeAttempts: 1, words: []string{"non-JSON 502"}},
	{name: "dropped connection", fault: hostuptest.Fault{Drop: true},
		read: wantError, attempts: 1 + tightRetries, write: wantUnknown, writeAttempts: 1, words: []string{"HostUp could not be reached"}},
}

// matrixTool is one tool and a state in which its call reaches HostUp.
type matrixTool struct {
	name string
	// mutation is the method of the change a write tool sends ("" for reads).
	mutation string
	// setup builds the state and returns the arguments and the first path the
	// call reads (the GET whose retries are counted).
	setup func(t *testing.T, e *env) (args map[string]any, firstGET string)
}

var matrixTools = []matrixTool{
	{name: "list_vps", setup: func(t *testing.T, e *env) (map[string]any, string) {
		vpsWithDaily(e.sim)
		return map[string]any{}, "/api/v2/vps"
	}},
	{name: "list_backup_schedules", setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithDaily(e.sim)
		return map[string]any{"vps_id": id}, "/api/v2/vps/" + id + "/backup-schedules"
	}},
	{name: "audit_backup_coverage", setup: func(t *testing.T, e *env) (map[string]any, string) {
		vpsWithDaily(e.sim)
		vpsWithoutSchedule(e.sim)
		return map[string]any{}, "/api/v2/vps"
	}},
	{name: "list_backups", setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithDaily(e.sim)
		return map[string]any{"vps_id": id}, "/api/v2/vps/" + id + "/backups"
	}},
	{name: "get_job", setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithDaily(e.sim)
		var out tools.CreateBackupOutput
		e.ok("create_backup", map[string]any{"vps_id": id}, &out)
		if out.Job == nil {
			t.Fatal("create_backup returned no job")
		}
		return map[string]any{"job_id": out.Job.ID}, "/api/jobs/" + out.Job.ID
	}},
	{name: "upsert_backup_schedule", mutation: http.MethodPost, setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithoutSchedule(e.sim)
		return map[string]any{"vps_id": id, "frequency": "daily", "hour": 2, "retention_count": 3}, "/api/v2/vps/" + id + "/backup-schedules"
	}},
	{name: "update_backup_settings", mutation: http.MethodPatch, setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithoutSchedule(e.sim)
		return map[string]any{"vps_id": id, "max_total_backups": 9}, "/api/v2/vps/" + id + "/backup-schedules"
	}},
	{name: "delete_backup_schedule", mutation: http.MethodDelete, setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithDaily(e.sim)
		args := map[string]any{"vps_id": id, "schedule_id": "bks_daily1"}
		args["confirm_token"] = planToken(t, e, "delete_backup_schedule", args)
		return args, "/api/v2/vps/" + id + "/backup-schedules"
	}},
	{name: "create_backup", mutation: http.MethodPost, setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithDaily(e.sim)
		return map[string]any{"vps_id": id, "note": "before the upgrade"}, "/api/v2/vps/" + id + "/backups"
	}},
	{name: "delete_backup", mutation: http.MethodDelete, setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := e.sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "files", TotalBackupLimit: 5,
			Backups: []hostuptest.BackupSpec{{Note: "old", Age: 48 * time.Hour}, {Note: "new", Age: time.Hour}}})
		args := map[string]any{"vps_id": id, "backup_id": firstBackup(t, e, id)}
		args["confirm_token"] = planToken(t, e, "delete_backup", args)
		return args, "/api/v2/vps/" + id + "/backups"
	}},
	{name: "list_snapshot_schedule", setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithSnapshots(e.sim)
		return map[string]any{"vps_id": id}, "/api/v2/vps/" + id + "/snapshot-schedules"
	}},
	{name: "set_snapshot_schedule", mutation: http.MethodPost, setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithSnapshots(e.sim)
		return map[string]any{"vps_id": id, "interval_hours": 8}, "/api/v2/vps/" + id + "/snapshot-schedules"
	}},
	{name: "delete_snapshot_schedule", mutation: http.MethodDelete, setup: func(t *testing.T, e *env) (map[string]any, string) {
		id := vpsWithSnapshots(e.sim)
		args := map[string]any{"vps_id": id}
		args["confirm_token"] = planToken(t, e, "delete_snapshot_schedule", args)
		return args, "/api/v2/vps/" + id + "/snapshot-schedules"
	}},
}

// vpsWithSnapshots has snapshot slots and a schedule taking one every 6 hours.
func vpsWithSnapshots(sim *hostuptest.Simulator) string {
	return sim.AddVPS(testAccount, hostuptest.VPSSpec{Name: "snap", SnapshotSlots: 2,
		SnapshotSchedule: &hostuptest.SnapshotScheduleSpec{IntervalHours: 6, Since: 24 * time.Hour}})
}

// Figures the suite reports (go test -v -run 'FaultMatrix' prints them).
var (
	matrixCases      atomic.Int64
	mutationsTwice   atomic.Int64
	matrixSightings  atomic.Int64
	matrixMutationsN atomic.Int64
)

func TestFaultMatrix(t *testing.T) {
	t.Cleanup(func() {
		t.Logf("fault matrix: %d cases (%d faults x %d tools on reads, x %d write tools on the change, + lost answers); %d mutating requests sent, %d sent twice; %d key sightings",
			matrixCases.Load(), len(matrixFaults), len(matrixTools), countWriteTools(), matrixMutationsN.Load(), mutationsTwice.Load(), matrixSightings.Load())
	})
	for _, tool := range matrixTools {
		t.Run(tool.name, func(t *testing.T) {
			t.Parallel()
			for _, f := range matrixFaults {
				t.Run("reads/"+f.name, func(t *testing.T) {
					t.Parallel()
					runMatrixCase(t, tool, f, false)
				})
				if tool.mutation != "" {
					t.Run("change/"+f.name, func(t *testing.T) {
						t.Parallel()
						runMatrixCase(t, tool, f, true)
					})
				}
			}
			if tool.mutation != "" {
				t.Run("change/answer lost after HostUp applied it", func(t *testing.T) {
					t.Parallel()
					runLostAnswerCase(t, tool)
				})
			}
		})
	}
}

func countWriteTools() int {
	n := 0
	for _, tool := range matrixTools {
		if tool.mutation != "" {
			n++
		}
	}
	return n
}

func runMatrixCase(t *testing.T, tool matrixTool, f matrixFault, onChange bool) {
	matrixCases.Add(1)
	logs := &syncBuffer{}
	sim := newSim()
	sim.AddKey(canaryKey, testAccount)
	e := newEnv(t, sim, withRealHTTP(), withTightLimits(), withKey(canaryKey), withLogs(logs))
	answers := e.answers
	args, firstGET := tool.setup(t, e)
	sim.ResetLog()
	before := len(answers.answers())

	method, want := http.MethodGet, f.read
	if onChange {
		method, want = tool.mutation, f.write
	}
	sim.SetFault(method, "*", f.fault)
	start := time.Now()
	res := e.call(tool.name, args)
	elapsed := time.Since(start)
	text := textOf(res)
	got := answers.answers()[before:]

	checkMutationsOnce(t, got)
	switch {
	case want == wantError:
		if !res.IsError {
			t.Fatalf("want an isError result, got:\n%s", text)
		}
	case want == wantOK:
		if res.IsError {
			t.Fatalf("want a success, got an error:\n%s", text)
		}
		if tool.mutation != "" {
			if o := outcomeOf(t, res); o != "applied" {
				t.Fatalf("outcome %q, want applied:\n%s", o, text)
			}
		}
	case want == wantAccepted:
		if res.IsError {
			t.Fatalf("want accepted_not_visible with the state read back, got an error:\n%s", text)
		}
		if o := outcomeOf(t, res); o != "accepted_not_visible" {
			t.Fatalf("outcome %q, want accepted_not_visible:\n%s", o, text)
		}
		contains(t, text, "NOT CONFIRMED DONE", "does NOT show the change")
		lacks(t, text, "Done.")
	case want == wantUnknown:
		if res.IsError {
			t.Fatalf("want outcome_unknown with the state read back, got an error:\n%s", text)
		}
		if o := outcomeOf(t, res); o != "outcome_unknown" {
			t.Fatalf("outcome %q, want outcome_unknown:\n%s", o, text)
		}
		// The fault answered in HostUp's place: the change did not happen, and
		// the state read back must say so.
		contains(t, text, "Outcome unknown", "not sent again", "does NOT show the change")
		last := sim.Requests()[len(sim.Requests())-1]
		if last.Method != http.MethodGet {
			t.Errorf("the state must be read back after the lost answer; last request %s %s", last.Method, last.Path)
		}
	}
	if res.IsError {
		checkClearError(t, text, f.words)
	}
	if f.minElapsed > 0 && elapsed < f.minElapsed {
		t.Errorf("the call took %s: HostUp's Retry-After was not honoured (want at least %s)", elapsed, f.minElapsed)
	}

	// Retries: the faulted request is sent as often as SPEC says.
	if onChange {
		if n := countAttempts(got, tool.mutation, ""); n != f.writeAttempts {
			t.Errorf("the %s was sent %d times, want %d: %v", tool.mutation, n, f.writeAttempts, got)
		}
	} else {
		// Only the reads before the change: a write tool reads the same path
		// again afterwards to show the state it left.
		if n := countAttempts(beforeChange(got), http.MethodGet, firstGET); n != f.attempts {
			t.Errorf("GET %s was sent %d times, want %d: %v", firstGET, n, f.attempts, got)
		}
		if want == wantError && tool.mutation != "" {
			if m := sim.Mutations(); len(m) != 0 {
				t.Errorf("the state could not be read, yet a change was sent: %s", describeRequests(m))
			}
		}
	}
	matrixMutationsN.Add(int64(len(sim.Mutations())))

	// The server is still up and serving.
	sim.ClearFaults()
	e.ok("list_vps", map[string]any{}, nil)

	checkNoKey(t, &matrixSightings, res, logs.String())
}

// runLostAnswerCase: HostUp applies the change but its answer is lost on the
// way back. The change is not sent again, and the result says it happened.
func runLostAnswerCase(t *testing.T, tool matrixTool) {
	matrixCases.Add(1)
	logs := &syncBuffer{}
	sim := newSim()
	sim.AddKey(canaryKey, testAccount)
	e := newEnv(t, sim, withRealHTTP(), withTightLimits(), withKey(canaryKey), withLogs(logs))
	answers := e.answers
	args, _ := tool.setup(t, e)
	sim.ResetLog()
	before := len(answers.answers())
	e.http.loseAnswer(tool.mutation)
	res := e.call(tool.name, args)
	text := textOf(res)
	checkMutationsOnce(t, answers.answers()[before:])
	if res.IsError {
		t.Fatalf("want outcome_unknown, got an error:\n%s", text)
	}
	if o := outcomeOf(t, res); o != "outcome_unknown" {
		t.Fatalf("outcome %q, want outcome_unknown:\n%s", o, text)
	}
	if m := sim.Mutations(); len(m) != 1 {
		t.Errorf("the change must be sent once: %s", describeRequests(m))
	}
	matrixMutationsN.Add(int64(len(sim.Mutations())))
	contains(t, text, "The request reached HostUp but its answer was lost", "shows the change: it happened; do not send it again")
	lacks(t, text, "could not be reached", "hostup: ")
	checkNoKey(t, &matrixSightings, res, logs.String())
}

// checkMutationsOnce: no mutating request reached HostUp twice. A request that
// HostUp answered 429 was refused before anything happened and may be sent
// again (SPEC); every other attempt (any other status, a time-out, a dropped
// connection) may have been applied and counts.
func checkMutationsOnce(t *testing.T, got []answer) {
	t.Helper()
	seen := map[string]int{}
	for _, a := range got {
		if a.method == http.MethodGet || a.status == http.StatusTooManyRequests {
			continue
		}
		k := a.method + " " + a.path
		seen[k]++
		if seen[k] == 2 {
			mutationsTwice.Add(1)
			t.Errorf("%s reached HostUp twice: %v", k, got)
		}
	}
}

// beforeChange returns the answers up to the first mutating request.
func beforeChange(got []answer) []answer {
	for i, a := range got {
		if a.method != http.MethodGet {
			return got[:i]
		}
	}
	return got
}

func countAttempts(got []answer, method, path string) int {
	n := 0
	for _, a := range got {
		if a.method == method && (path == "" || a.path == path) {
			n++
		}
	}
	return n
}

// checkClearError: an isError text says what failed and what to do, and shows
// no Go internals.
func checkClearError(t *testing.T, text string, words []string) {
	t.Helper()
	contains(t, text, words...)
	if !strings.Contains(text, "HostUp") {
		t.Errorf("the error does not say that HostUp is what failed:\n%s", text)
	}
	lower := strings.ToLower(text)
	if !strings.Contains(lower, "retry") && !strings.Contains(lower, "try again") && !strings.Contains(lower, "what you can do") {
		t.Errorf("the error does not say what to do:\n%s", text)
	}
	lacks(t, text, "goroutine ", "panic", "runtime.", ".go:", "*hostup.", "&{")
	if len(text) > 2000 {
		t.Errorf("the error is %d bytes long", len(text))
	}
}

func outcomeOf(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	var out struct {
		Outcome string `json:"outcome"`
	}
	decodeStructured(t, res, &out)
	return out.Outcome
}

// A server without a key of its own (per-request keys over HTTP) that is reached
// without one sends nothing and says how to configure a key.
func TestNoAPIKeySendsNothingAndSaysHowToSetOne(t *testing.T) {
	sim := newSim()
	vpsWithDaily(sim)
	e := newEnv(t, sim, withKey(""))
	res := e.call("list_vps", map[string]any{})
	if !res.IsError {
		t.Fatalf("want an isError result, got:\n%s", textOf(res))
	}
	contains(t, textOf(res), "No HostUp API key is configured", "HOSTUP_API_KEY", "--sandbox")
	if r := sim.Requests(); len(r) != 0 {
		t.Errorf("%d requests reached HostUp without a key", len(r))
	}
}
