package main

import (
	"bytes"
	"fmt"
	"slices"
	"time"
)

// goalCallOverPing is row 2b's goal: what a tools/call costs the server beyond
// the JSON-RPC round trip every request pays.
const goalCallOverPing = 300 * time.Microsecond

// benchCallMinusPing times tools/call list_backup_schedules and a ping back to
// back in one stdio session, s.calls pairs, and takes each pair's difference:
// framing, pipes and mcp-go's dispatch cancel out, leaving the call's own work
// (arguments, the HostUp read, shaping, the result's check and encoding). A
// pair sees one moment of the machine, so a busy neighbour moves both of its
// halves; the median of the differences is the figure.
func benchCallMinusPing(s settings, bin string, a *account) (row, string, error) {
	p, err := startServer(bin, a.srv.URL)
	if err != nil {
		return row{}, "", err
	}
	defer p.close(3 * time.Second)
	timed := func(line string) (time.Duration, []byte, error) {
		p.nextID++
		id := p.nextID
		start := time.Now()
		if err := p.write(fmt.Appendf(nil, line, id)); err != nil {
			return 0, nil, err
		}
		_, raw, at, err := p.readResponse(id)
		return at.Sub(start), raw, err
	}
	call := `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_backup_schedules","arguments":{"vps_id":"` + a.detailID + `"}}}` + "\n"
	ping := `{"jsonrpc":"2.0","id":%d,"method":"ping"}` + "\n"
	pair := func() (c, pg time.Duration, err error) {
		c, raw, err := timed(call)
		if err == nil && bytes.Contains(raw, []byte(`"isError":true`)) {
			err = fmt.Errorf("list_backup_schedules failed: %.300s", raw)
		}
		if err != nil {
			return 0, 0, err
		}
		pg, _, err = timed(ping)
		return c, pg, err
	}
	logf("per-call overhead over ping: %d pairs (after a warm-up)", s.calls)
	for range min(100, s.calls) {
		if _, _, err := pair(); err != nil {
			return row{}, "", err
		}
	}
	var diffs, calls, pings []time.Duration
	for range s.calls {
		c, pg, err := pair()
		if err != nil {
			return row{}, "", err
		}
		diffs, calls, pings = append(diffs, c-pg), append(calls, c), append(pings, pg)
	}
	med := median(diffs)
	r := row{
		num:       "2b",
		figure:    fmt.Sprintf("per-call overhead: tools/call list_backup_schedules − ping, paired (%d pairs)", s.calls),
		measured:  fmt.Sprintf("+%s median, +%s p90", ms(med), ms(percentile(diffs, 90))),
		reference: fmt.Sprintf("ping: %s median", ms(median(pings))),
		goal:      "≤ " + ms(goalCallOverPing) + " median",
		judged:    true, pass: med <= goalCallOverPing,
	}
	detail := fmt.Sprintf("2b. tools/call − ping in one session, %d pairs, each call followed by a ping:\n"+
		"   tools/call: median %s  p90 %s;  ping: median %s  p90 %s;  difference per pair: median %s  p90 %s  min %s\n"+
		"   (the difference holds the HostUp read of the simulator on 127.0.0.1, which row 2's direct GET times alone)\n",
		s.calls, ms(median(calls)), ms(percentile(calls, 90)), ms(median(pings)), ms(percentile(pings, 90)),
		ms(med), ms(percentile(diffs, 90)), ms(slices.Min(diffs)))
	return r, detail, nil
}
