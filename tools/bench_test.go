package tools_test

// Benchmarks of the hot paths behind a tools/call: the whole call
// through the real server (schema validation in and out included), the same
// call with validation off (so the difference is validation's cost), the
// handler alone on a canned HostUp answer (argument decoding, the client's
// decoding and the result shaping), the fleet audit, and building the server
// (part of start-up). The figures the user sees are printed by go run ./.ci/bench.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// benchVPS has a daily schedule and 20 runs in its history, as in .ci/bench.
const benchVPS = "vps_benchdetail"

func benchSimulator(fleet int) *hostuptest.Simulator {
	sim := hostuptest.Fleet(fleet, 7)
	spec := hostuptest.VPSSpec{
		ID: benchVPS, Name: "shop-db-primary", Hostname: "shop-db-primary.example.net", IP: "203.0.113.200",
		StorageGB: 160, TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 7, Since: 365 * 24 * time.Hour},
	}
	for i := range 20 {
		status := "completed"
		if i == 3 || i == 11 {
			status = "failed"
		}
		age := time.Duration(i)*24*time.Hour + 10*time.Hour
		spec.History = append(spec.History, hostuptest.HistorySpec{Type: "scheduled", Status: status, Note: "Nightly backup", Age: age})
	}
	sim.AddVPS("fleet", spec)
	return sim
}

func benchDeps(b *testing.B, rt http.RoundTripper) *tools.Deps {
	b.Helper()
	c, err := hostup.New(hostup.Options{APIKey: hostuptest.FleetAPIKey, HTTPClient: &http.Client{Transport: rt}})
	if err != nil {
		b.Fatal(err)
	}
	return &tools.Deps{Client: c, Display: time.UTC, Confirm: tools.NewConfirmer(nil)}
}

func benchClient(b *testing.B, srv *server.MCPServer) *client.Client {
	b.Helper()
	c, err := client.NewInProcessClient(srv)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcp.Implementation{Name: "bench", Version: "1"},
	}}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

func benchCall(b *testing.B, c *client.Client, name string, args map[string]any) {
	b.Helper()
	ctx := context.Background()
	req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := c.CallTool(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if res.IsError {
			b.Fatalf("%s: %v", name, res.Content)
		}
	}
}

// BenchmarkCallListBackupSchedules is one tools/call through the real server
// (input and output schema validation on) and the in-process client, HostUp
// answered in-process by the simulator.
func BenchmarkCallListBackupSchedules(b *testing.B) {
	sim := benchSimulator(9)
	srv := tools.NewServer(benchDeps(b, sim.Transport()), tools.ServerOptions{Name: "hostup-mcp", Version: "bench"})
	benchCall(b, benchClient(b, srv), "list_backup_schedules", map[string]any{"vps_id": benchVPS})
}

// BenchmarkCallListBackupSchedulesNoValidation is the same call on a server
// without schema validation: the difference with the benchmark above is what
// validating arguments and structuredContent costs.
func BenchmarkCallListBackupSchedulesNoValidation(b *testing.B) {
	sim := benchSimulator(9)
	srv := server.NewMCPServer("hostup-mcp", "bench", server.WithToolCapabilities(false))
	srv.AddTools(tools.All(benchDeps(b, sim.Transport()))...)
	benchCall(b, benchClient(b, srv), "list_backup_schedules", map[string]any{"vps_id": benchVPS})
}

// BenchmarkCallAuditBackupCoverage50 audits an account of 50 VPSes in one call.
func BenchmarkCallAuditBackupCoverage50(b *testing.B) {
	sim := benchSimulator(49)
	srv := tools.NewServer(benchDeps(b, sim.Transport()), tools.ServerOptions{Name: "hostup-mcp", Version: "bench"})
	benchCall(b, benchClient(b, srv), "audit_backup_coverage", map[string]any{})
}

// canned answers every request with one recorded HostUp body, so that the
// handler benchmark measures our code, not the simulator's.
type canned struct{ body []byte }

func (c canned) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(bytes.NewReader(c.body)),
		Request: r,
	}, nil
}

func recordedSchedules(b *testing.B) []byte {
	b.Helper()
	sim := benchSimulator(0)
	req, _ := http.NewRequest(http.MethodGet, hostup.DefaultBaseURL+"/api/v2/vps/"+benchVPS+"/backup-schedules", nil)
	req.Header.Set("Authorization", "Bearer "+hostuptest.FleetAPIKey)
	resp, err := sim.Transport().RoundTrip(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("recording the schedules: %d %v", resp.StatusCode, err)
	}
	return body
}

func toolNamed(b *testing.B, d *tools.Deps, name string) server.ServerTool {
	b.Helper()
	for _, t := range tools.All(d) {
		if t.Tool.Name == name {
			return t
		}
	}
	b.Fatalf("no tool %s", name)
	return server.ServerTool{}
}

// BenchmarkShapeListBackupSchedules runs the list_backup_schedules handler on a
// canned HostUp answer and encodes its result as the server would send it:
// argument decoding, the client's request path without a network, decoding
// HostUp's JSON, shaping the views and the text, and the result's JSON.
func BenchmarkShapeListBackupSchedules(b *testing.B) {
	d := benchDeps(b, canned{body: recordedSchedules(b)})
	tool := toolNamed(b, d, "list_backup_schedules")
	req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "list_backup_schedules", Arguments: map[string]any{"vps_id": benchVPS}}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := tool.Handler(ctx, req)
		if err != nil || res.IsError {
			b.Fatalf("%v %v", err, res)
		}
		if _, err := json.Marshal(res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewServer builds the server with every tool and its generated
// schemas: part of each start-up.
func BenchmarkNewServer(b *testing.B) {
	d := benchDeps(b, canned{})
	b.ReportAllocs()
	for b.Loop() {
		tools.NewServer(d, tools.ServerOptions{Name: "hostup-mcp", Version: "bench"})
	}
}

// BenchmarkStdioCallAndPing runs the stdio server in-process on pipes, HostUp
// being the simulator over loopback HTTP, and times tools/call
// list_backup_schedules and ping in one session: call − ping is .ci/bench's row
// 2b without the process hops between the bench, the server and the simulator.
func BenchmarkStdioCallAndPing(b *testing.B) {
	sim := benchSimulator(9)
	hs := httptest.NewServer(sim)
	defer hs.Close()
	c, err := hostup.New(hostup.Options{APIKey: hostuptest.FleetAPIKey, BaseURL: hs.URL, HTTPClient: &http.Client{}})
	if err != nil {
		b.Fatal(err)
	}
	d := &tools.Deps{Client: c, Confirm: tools.NewConfirmer(nil)}
	srv := tools.NewServer(d, tools.ServerOptions{Name: "hostup-mcp", Version: "bench"})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer inW.Close() // ends Listen's read, which the context alone does not
	go server.NewStdioServer(srv).Listen(ctx, inR, outW)
	rd := bufio.NewReaderSize(outR, 1<<20)
	id := 0
	send := func(s string) {
		id++
		fmt.Fprintf(inW, s+"\n", id)
		for {
			line, err := rd.ReadBytes('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) > 0 {
				return
			}
		}
	}
	send(`{"jsonrpc":"2.0","id":%d,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}`)
	fmt.Fprintf(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	call := `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_backup_schedules","arguments":{"vps_id":"` + benchVPS + `"}}}`
	b.Run("call", func(b *testing.B) {
		for b.Loop() {
			send(call)
		}
	})
	b.Run("ping", func(b *testing.B) {
		for b.Loop() {
			send(`{"jsonrpc":"2.0","id":%d,"method":"ping"}`)
		}
	})
}
