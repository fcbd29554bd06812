package hostuptest

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestAuthScopesAndOwnership(t *testing.T) {
	e := newEnv(t)
	mine := e.sim.AddVPS("acme", VPSSpec{Schedule: &ScheduleSpec{ID: "bks_mine", Frequency: "daily", RetentionCount: 1}})
	theirs := e.sim.AddVPS("other", VPSSpec{})
	var op struct {
		Operation struct{ PollURL string } `json:"operation"`
	}
	r := e.do("POST", "/api/v2/vps/"+theirs+"/backups", keyOther, "")
	if err := json.Unmarshal(r.body, &op); err != nil {
		t.Fatal(err)
	}

	daily := `{"frequency":"daily","hour":2,"retentionCount":1,"enabled":true}`
	cases := []struct {
		name, method, path, key, body string
		status                        int
		code                          string
	}{
		{"no key", "GET", "/api/v2/vps", "", "", 401, "unauthorized"},
		{"unknown key", "GET", "/api/v2/vps", "nope", "", 401, "unauthorized"},
		{"read-only key writes a schedule", "POST", "/api/v2/vps/" + mine + "/backup-schedules", keyRead, daily, 403, "forbidden"},
		{"read-only key patches settings", "PATCH", "/api/v2/vps/" + mine + "/backup-schedules", keyRead, `{"autoDeleteOldest":true}`, 403, "forbidden"},
		{"read-only key deletes a schedule", "DELETE", "/api/v2/vps/" + mine + "/backup-schedules/bks_mine", keyRead, "", 403, "forbidden"},
		{"read-only key creates a backup", "POST", "/api/v2/vps/" + mine + "/backups", keyRead, "", 403, "forbidden"},
		{"another account's VPS", "GET", "/api/v2/vps/" + theirs, keyAcme, "", 404, "vps_not_found"},
		{"another account's schedules", "GET", "/api/v2/vps/" + theirs + "/backup-schedules", keyAcme, "", 404, "vps_not_found"},
		{"another account's backups", "POST", "/api/v2/vps/" + theirs + "/backups", keyAcme, "", 404, "vps_not_found"},
		{"another account's job", "GET", op.Operation.PollURL, keyAcme, "", 404, "not_found"},
		{"unknown VPS", "GET", "/api/v2/vps/vps_nope", keyAcme, "", 404, "vps_not_found"},
		{"escaped slash in id", "GET", "/api/v2/vps/" + mine + "%2Fbackups", keyAcme, "", 404, "vps_not_found"},
		{"unknown job", "GET", "/api/jobs/job_nope", keyAcme, "", 404, "not_found"},
		{"unknown path", "GET", "/api/v2/dns-zones", keyAcme, "", 404, "not_found"},
		{"wrong method", "PUT", "/api/v2/vps/" + mine + "/backup-schedules", keyAcme, daily, 405, "method_not_allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.wantProblem(tc.status, tc.code, tc.method, tc.path, tc.key, tc.body)
		})
	}
	if got := e.do("GET", "/api/v2/vps/"+mine, keyRead, ""); got.status != http.StatusOK {
		t.Errorf("read-only key reading: %d", got.status)
	}
}
