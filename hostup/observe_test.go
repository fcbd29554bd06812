package hostup

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestOnAttemptHearsEachAttemptByRouteWithoutIDs(t *testing.T) {
	var mu sync.Mutex
	var heard []Attempt
	first := true
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		limited := first
		first = false
		mu.Unlock()
		if limited {
			w.Header().Set("Retry-After", "1")
			writeProblem(w, 429, "rate_limited")
			return
		}
		writeJSON(w, 200, `{"schedules":[]}`)
	}, func(o *Options) {
		o.OnAttempt = func(a Attempt) {
			mu.Lock()
			heard = append(heard, a)
			mu.Unlock()
		}
	})
	if _, err := c.GetBackupSchedules(context.Background(), "vps_secret123"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBackup(context.Background(), "vps_secret123", "bkp_abc"); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	want := []Attempt{
		{Route: "/api/v2/vps/{id}/backup-schedules", Method: "GET", Status: 429},
		{Route: "/api/v2/vps/{id}/backup-schedules", Method: "GET", Status: 200, Retry: true},
		{Route: "/api/v2/vps/{id}/backups/{id}", Method: "DELETE", Status: 200},
	}
	got := slices.Clone(heard)
	for i := range got {
		if got[i].Duration <= 0 {
			t.Errorf("attempt %d has no duration", i)
		}
		got[i].Duration = 0
	}
	if !slices.Equal(got, want) {
		t.Fatalf("heard %+v\nwant  %+v", got, want)
	}
	for _, a := range heard {
		if strings.Contains(a.Route, "secret") || strings.Contains(a.Route, "bkp_") {
			t.Fatalf("route %q names an id", a.Route)
		}
	}
}

func TestRouteOfEveryEndpointIsATemplate(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v2/vps":                                  "/api/v2/vps",
		"/api/v2/vps/vps_1":                            "/api/v2/vps/{id}",
		"/api/v2/vps/vps_1/backup-schedules/b1":        "/api/v2/vps/{id}/backup-schedules/{id}",
		"/api/jobs/job-9":                              "/api/jobs/{id}",
		"/api/vm/10001/backups/pbs%3Abackup%2F":        "/api/vm/{id}/backups/{id}",
		"/api/vm/10001/backup-schedules":               "/api/vm/{id}/backup-schedules",
		"/api/v2/vps/vps_1/snapshot-schedules":         "/api/v2/vps/{id}/snapshot-schedules",
		"/api/vm/10001/snapshot-schedules":             "/api/vm/{id}/snapshot-schedules",
		"/api/v2/vps/vps_1/backups/b1/actions/restore": "/api/v2/vps/{id}/backups/{id}/actions/restore",
	} {
		if got := routeOf(path); got != want {
			t.Errorf("routeOf(%q) = %q, want %q", path, got, want)
		}
	}
}
