package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// ------------------------------------------------------------- the account

// account is a simulated HostUp account of 50 VPSes served on 127.0.0.1: 49
// from hostuptest.Fleet and one with 20 history entries, the VPS the per-call
// and size figures use.
type account struct {
	sim      *hostuptest.Simulator
	srv      *httptest.Server
	detailID string
	ids      []string
}

func newAccount() (*account, error) {
	sim := hostuptest.Fleet(49, 7)
	detail := sim.AddVPS("fleet", detailSpec())
	srv := sim.Start()
	a := &account{sim: sim, srv: srv, detailID: detail}
	c, err := hostup.New(hostup.Options{APIKey: hostuptest.FleetAPIKey, BaseURL: srv.URL})
	if err != nil {
		srv.Close()
		return nil, err
	}
	list, err := c.ListVPS(context.Background(), hostup.ListVPSParams{})
	if err != nil {
		srv.Close()
		return nil, err
	}
	for _, v := range list.VPS {
		a.ids = append(a.ids, v.ID)
	}
	if len(a.ids) != 50 {
		srv.Close()
		return nil, fmt.Errorf("the bench account has %d VPSes, want 50", len(a.ids))
	}
	return a, nil
}

func (a *account) close() { a.srv.Close() }

// detailSpec is a daily-backed-up VPS with 20 runs in its history (two failed).
func detailSpec() hostuptest.VPSSpec {
	spec := hostuptest.VPSSpec{
		ID: "vps_benchdetail", Name: "shop-db-primary", Hostname: "shop-db-primary.example.net", IP: "203.0.113.200",
		CPUCores: 4, MemoryGB: 8, StorageGB: 160, TotalBackupLimit: 7, AutoDeleteOldest: true,
		Schedule: &hostuptest.ScheduleSpec{Name: "Nightly backup", Frequency: hostup.FrequencyDaily, Hour: 2, RetentionCount: 7, Since: 365 * day},
	}
	for i := range 20 {
		status := "completed"
		if i == 3 || i == 11 {
			status = "failed"
		}
		age := time.Duration(i)*day + 10*time.Hour
		spec.History = append(spec.History, hostuptest.HistorySpec{Type: "scheduled", Status: status, Note: "Nightly backup", Age: age})
		if len(spec.Backups) < 7 && status == "completed" {
			spec.Backups = append(spec.Backups, hostuptest.BackupSpec{Type: "scheduled", Note: "Nightly backup", Age: age - 7*time.Minute})
		}
	}
	return spec
}

// startServer spawns the built binary against the account and initializes it.
func startServer(bin, apiURL string) (*mcpProc, error) {
	p, err := spawn("hostup-mcp", []string{bin, "--api-url", apiURL}, childEnv("HOSTUP_API_KEY="+hostuptest.FleetAPIKey), "")
	if err != nil {
		return nil, err
	}
	if err := p.handshake(); err != nil {
		p.close(time.Second)
		return nil, err
	}
	return p, nil
}

// createBackup queues a manual backup as an assistant does: when the server asks
// for the user's confirmation (a full quota makes HostUp delete the oldest
// backup), it calls again with the confirm_token. plan is that first answer.
func createBackup(p *mcpProc, vps, note string) (plan *toolResult, done toolResult, err error) {
	args := map[string]any{"vps_id": vps, "note": note}
	res, err := p.callTool("create_backup", args)
	if err != nil {
		return nil, res, err
	}
	var out struct {
		Outcome      string `json:"outcome"`
		ConfirmToken string `json:"confirm_token"`
	}
	_ = json.Unmarshal(res.StructuredContent, &out)
	if out.Outcome == "confirmation_required" && out.ConfirmToken != "" {
		first := res
		plan = &first
		args["confirm_token"] = out.ConfirmToken
		if res, err = p.callTool("create_backup", args); err != nil {
			return plan, res, err
		}
	}
	if res.IsError || jobID(res) == "" {
		return plan, res, fmt.Errorf("create_backup queued no job: %s", res.text())
	}
	return plan, res, nil
}

func jobID(res toolResult) string {
	var out struct {
		Job struct {
			ID string `json:"id"`
		} `json:"job"`
	}
	_ = json.Unmarshal(res.StructuredContent, &out)
	return out.Job.ID
}
