package hostuptest

import (
	"net/http"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
)

// TestResponsesDecodeIntoHostupModels decodes every success body into the client's
// model types with unknown fields refused, so the simulator and package hostup
// cannot drift apart unnoticed.
func TestResponsesDecodeIntoHostupModels(t *testing.T) {
	clock := NewManualClock(t0)
	sim := Sandbox(WithClock(clock.Now))
	srv := sim.Start()
	defer srv.Close()
	e := &env{t: t, sim: sim, clock: clock, url: srv.URL}
	key := SandboxAPIKey

	var page hostup.VPSPage
	e.want(http.StatusOK, "GET", "/api/v2/vps?limit=100", key, "", &page)
	if len(page.Data) != 7 {
		t.Fatalf("sandbox lists %d VPSes", len(page.Data))
	}
	for _, v := range page.Data {
		var one hostup.VPS
		e.want(http.StatusOK, "GET", "/api/v2/vps/"+v.ID, key, "", &one)
		var sched hostup.BackupSchedules
		e.want(http.StatusOK, "GET", "/api/v2/vps/"+v.ID+"/backup-schedules", key, "", &sched)
		var backups hostup.Backups
		e.want(http.StatusOK, "GET", "/api/v2/vps/"+v.ID+"/backups", key, "", &backups)
	}

	id := "vps_sandbox01"
	var created scheduleResponse
	e.want(http.StatusCreated, "POST", "/api/v2/vps/"+id+"/backup-schedules", key,
		`{"frequency":"weekly","hour":2,"dayOfWeek":1,"retentionCount":2,"enabled":true,"name":"Weekly backup"}`, &created)
	var settings hostup.SettingsResponse
	e.want(http.StatusOK, "PATCH", "/api/v2/vps/"+id+"/backup-schedules", key, `{"autoDeleteOldest":false}`, &settings)
	var op hostup.OperationEnvelope
	e.want(http.StatusAccepted, "POST", "/api/v2/vps/"+id+"/backups", key, `{"note":"model check"}`, &op)
	if op.Operation == nil || string(op.Operation.Result) != "null" {
		t.Errorf("operation = %+v", op.Operation)
	}
	for range 3 {
		var j jobResponse
		e.want(http.StatusOK, "GET", op.Operation.PollURL, key, "", &j)
		clock.Advance(4 * time.Second)
	}
}
