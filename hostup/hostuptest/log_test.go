package hostuptest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestLogRecordsEveryRequestAndItsKey(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 3})
	path := "/api/v2/vps/" + id + "/backup-schedules"
	body := `{"frequency":"daily","hour":2,"retentionCount":1,"enabled":true}`

	e.do("GET", "/api/v2/vps?limit=5", keyAcme, "")
	e.do("POST", path, keyAcme, body)
	e.do("PATCH", path, keyRead, `{"autoDeleteOldest":true}`) // refused, still logged
	e.do("GET", path, "", "")

	reqs := e.sim.Requests()
	if len(reqs) != 4 {
		t.Fatalf("logged %d requests, want 4", len(reqs))
	}
	if reqs[0].Query != "limit=5" || reqs[0].Path != "/api/v2/vps" || !reqs[0].At.Equal(t0) {
		t.Errorf("first request = %+v", reqs[0])
	}
	muts := e.sim.Mutations()
	if len(muts) != 2 || muts[0].Method != http.MethodPost || string(muts[0].Body) != body || muts[1].Method != http.MethodPatch {
		t.Fatalf("mutations = %+v", muts)
	}
	if muts[0].Header.Get("Authorization") != "Bearer "+keyAcme || muts[1].Header.Get("Authorization") != "Bearer "+keyRead {
		t.Error("the log lost which key each request carried")
	}
	if reqs[3].Header.Get("Authorization") != "" {
		t.Error("an unauthenticated request shows a key")
	}

	e.sim.ResetLog()
	if len(e.sim.Requests()) != 0 || len(e.sim.Mutations()) != 0 {
		t.Error("ResetLog kept requests")
	}
}

func TestRequestLogStaysBoundedAndKeepsItsMutations(t *testing.T) {
	sim := New()
	sim.AddKey(keyAcme, "acme")
	id := sim.AddVPS("acme", VPSSpec{TotalBackupLimit: 3})
	send := func(method, target, body string) {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+keyAcme)
		sim.ServeHTTP(httptest.NewRecorder(), req)
	}
	patch := `{"autoDeleteOldest":true}`
	send(http.MethodPatch, "/api/v2/vps/"+id+"/backup-schedules", patch)
	// A long-running sandbox: 16 MiB of reads after the one change.
	padding := strings.Repeat("x", 16<<10)
	const reads = 1000
	for i := range reads {
		send(http.MethodGet, fmt.Sprintf("/api/v2/vps?limit=5&n=%d&pad=%s", i, padding), "")
	}

	reqs := sim.Requests()
	kept := 0
	for _, r := range reqs {
		kept += len(r.Query) + len(r.Body)
	}
	if kept > logBudget {
		t.Fatalf("the log holds %d requests, %d bytes of queries and bodies: it grows with traffic instead of staying within %d", len(reqs), kept, logBudget)
	}
	if len(reqs) < 100 || !strings.Contains(reqs[len(reqs)-1].Query, fmt.Sprintf("n=%d&", reads-1)) {
		t.Fatalf("the log kept %d requests, the newest last; want the newest hundreds", len(reqs))
	}
	if muts := sim.Mutations(); len(muts) != 1 || string(muts[0].Body) != patch {
		t.Fatalf("mutations = %d, want the one PATCH sent before the reads", len(muts))
	}
}
