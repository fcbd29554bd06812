package hostup_test

// Benchmarks of the client's request path (issue 7): one GET of a VPS's backup
// schedules with its decoding, against a fixed body over loopback HTTP (the
// client alone), against the simulator over loopback HTTP, and against the
// simulator in-process (no network).

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

const benchVPS = "vps_benchdetail"

func benchSimulator() *hostuptest.Simulator {
	sim := hostuptest.New()
	sim.AddKey(hostuptest.FleetAPIKey, "bench")
	spec := hostuptest.VPSSpec{
		ID: benchVPS, Name: "shop-db-primary", StorageGB: 160, TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 7, Since: 365 * 24 * time.Hour},
	}
	for i := range 20 {
		spec.History = append(spec.History, hostuptest.HistorySpec{Type: "scheduled", Note: "Nightly backup", Age: time.Duration(i)*24*time.Hour + 10*time.Hour})
	}
	sim.AddVPS("bench", spec)
	return sim
}

func benchGet(b *testing.B, opts hostup.Options) {
	b.Helper()
	opts.APIKey = hostuptest.FleetAPIKey
	c, err := hostup.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for range 20 { // open the connection and warm up before timing
		if _, err := c.GetBackupSchedules(ctx, benchVPS); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bs, err := c.GetBackupSchedules(ctx, benchVPS)
		if err != nil {
			b.Fatal(err)
		}
		if len(bs.History) != 20 {
			b.Fatalf("history %d, want 20", len(bs.History))
		}
	}
}

// BenchmarkGetBackupSchedulesFixedBody is the client alone: loopback HTTP to a
// server that writes one recorded body.
func BenchmarkGetBackupSchedulesFixedBody(b *testing.B) {
	sim := benchSimulator()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/v2/vps/"+benchVPS+"/backup-schedules", nil)
	req.Header.Set("Authorization", "Bearer "+hostuptest.FleetAPIKey)
	sim.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("recording: %d", rec.Code)
	}
	body := rec.Body.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	benchGet(b, hostup.Options{BaseURL: srv.URL})
}

// BenchmarkGetBackupSchedulesSimulatorHTTP goes to the simulator over loopback
// HTTP, as `go run ./.ci/bench` does.
func BenchmarkGetBackupSchedulesSimulatorHTTP(b *testing.B) {
	srv := benchSimulator().Start()
	defer srv.Close()
	benchGet(b, hostup.Options{BaseURL: srv.URL})
}

// BenchmarkGetBackupSchedulesSimulatorInProcess is the --sandbox path: the
// simulator's in-process transport, no network.
func BenchmarkGetBackupSchedulesSimulatorInProcess(b *testing.B) {
	benchGet(b, hostup.Options{HTTPClient: &http.Client{Transport: benchSimulator().Transport()}})
}
