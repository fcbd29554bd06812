package hostuptest

import (
	"net/http"
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
