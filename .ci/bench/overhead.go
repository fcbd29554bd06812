package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// ---------------------------------------------------- 2. per-call overhead

// overheadProbe times one request of each kind row 2 compares: a tool call
// through the server, the same HostUp request sent directly, and a ping.
type overheadProbe struct {
	p        *mcpProc
	hc       *http.Client
	url      string // the HostUp endpoint list_backup_schedules reads
	detailID string
}

// direct sends the GET list_backup_schedules sends, without the server.
func (o *overheadProbe) direct() (time.Duration, error) {
	start := time.Now()
	req, err := http.NewRequest(http.MethodGet, o.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+hostuptest.FleetAPIKey)
	req.Header.Set("Accept", "application/json")
	resp, err := o.hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("direct GET: status %d", resp.StatusCode)
	}
	return d, err
}

// ping is the floor of any request over stdio: JSON-RPC framing, two pipe
// hops and mcp-go's dispatch, no tool and no HostUp request.
func (o *overheadProbe) ping() (time.Duration, error) {
	o.p.nextID++
	id := o.p.nextID
	line := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"ping"}`+"\n", id)
	start := time.Now()
	if err := o.p.write(line); err != nil {
		return 0, err
	}
	_, _, at, err := o.p.readResponse(id)
	return at.Sub(start), err
}

// viaServer calls list_backup_schedules over stdio.
func (o *overheadProbe) viaServer() (time.Duration, error) {
	o.p.nextID++
	id := o.p.nextID
	line := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_backup_schedules","arguments":{"vps_id":%q}}}`+"\n", id, o.detailID)
	start := time.Now()
	if err := o.p.write(line); err != nil {
		return 0, err
	}
	msg, _, at, err := o.p.readResponse(id)
	if err != nil {
		return 0, err
	}
	if bytes.Contains(msg.Result, []byte(`"isError":true`)) {
		return 0, fmt.Errorf("list_backup_schedules failed: %.300s", msg.Result)
	}
	return at.Sub(start), nil
}

// overheadTimes are the times of the calls row 2 compares, and the server's
// CPU time they took.
type overheadTimes struct {
	viaMCP, viaHTTP, pings []time.Duration
	cpu                    time.Duration
}

// sample times n of each kind, interleaved, so all see the same machine.
func (o *overheadProbe) sample(n int) (overheadTimes, error) {
	var t overheadTimes
	cpuBefore, err := o.p.cpuTime()
	if err != nil {
		return t, err
	}
	for range n {
		d, err := o.direct()
		if err != nil {
			return t, err
		}
		t.viaHTTP = append(t.viaHTTP, d)
		if d, err = o.viaServer(); err != nil {
			return t, err
		}
		t.viaMCP = append(t.viaMCP, d)
		if d, err = o.ping(); err != nil {
			return t, err
		}
		t.pings = append(t.pings, d)
	}
	cpuAfter, err := o.p.cpuTime()
	t.cpu = cpuAfter - cpuBefore
	return t, err
}

func benchOverhead(s settings, bin string, a *account) ([]row, string, error) {
	p, err := startServer(bin, a.srv.URL)
	if err != nil {
		return nil, "", err
	}
	defer p.close(3 * time.Second)
	o := &overheadProbe{
		p: p, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
		url: a.srv.URL + "/api/v2/vps/" + a.detailID + "/backup-schedules", detailID: a.detailID,
	}
	logf("per-call overhead: %d calls each way (after a warm-up)", s.calls)
	for range min(100, s.calls) {
		if _, err := o.direct(); err != nil {
			return nil, "", err
		}
		if _, err := o.viaServer(); err != nil {
			return nil, "", err
		}
	}
	t, err := o.sample(s.calls)
	if err != nil {
		return nil, "", err
	}
	return []row{t.row(s.calls)}, t.detail(s.calls, a.srv.URL), nil
}

func (t overheadTimes) row(calls int) row {
	mcpMed, httpMed := median(t.viaMCP), median(t.viaHTTP)
	overhead := mcpMed - httpMed
	return row{
		num:       "2",
		figure:    fmt.Sprintf("per-call overhead: list_backup_schedules over stdio (%d calls)", calls),
		measured:  fmt.Sprintf("+%s median, +%s p99", ms(overhead), ms(percentile(t.viaMCP, 99)-percentile(t.viaHTTP, 99))),
		reference: fmt.Sprintf("direct GET: %s median, %s p99", ms(httpMed), ms(percentile(t.viaHTTP, 99))),
		goal:      "overhead ≤ " + ms(goalOverhead) + " median",
		judged:    true, pass: overhead <= goalOverhead,
	}
}

func (t overheadTimes) detail(calls int, simURL string) string {
	mcpP99, httpP99 := percentile(t.viaMCP, 99), percentile(t.viaHTTP, 99)
	return fmt.Sprintf("2. per-call overhead, %d calls each, interleaved; simulator on %s (one process: the bench)\n"+
		"   tools/call over stdio: median %s  p90 %s  p99 %s  max %s\n"+
		"   direct HTTP GET:       median %s  p90 %s  p99 %s  max %s\n"+
		"   ping over stdio:       median %s  p90 %s  p99 %s  max %s (the floor of any request: framing, pipes, mcp-go's dispatch)\n"+
		"   overhead = tools/call − GET: median %s, p99 %s (JSON-RPC framing, pipes, schema validation in and out, result shaping)\n"+
		"   server CPU (user+sys, /proc/PID/stat) per tools/call+ping pair: %s\n",
		calls, simURL,
		ms(median(t.viaMCP)), ms(percentile(t.viaMCP, 90)), ms(mcpP99), ms(slices.Max(t.viaMCP)),
		ms(median(t.viaHTTP)), ms(percentile(t.viaHTTP, 90)), ms(httpP99), ms(slices.Max(t.viaHTTP)),
		ms(median(t.pings)), ms(percentile(t.pings, 90)), ms(percentile(t.pings, 99)), ms(slices.Max(t.pings)),
		ms(median(t.viaMCP)-median(t.viaHTTP)), ms(mcpP99-httpP99), ms(t.cpu/time.Duration(calls)))
}
