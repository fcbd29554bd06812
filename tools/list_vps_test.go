package tools_test

import (
	"net/http"
	"testing"

	"github.com/hostup/hostup-mcp/hostup/hostuptest"
	"github.com/hostup/hostup-mcp/tools"
)

// TestListVPSMatchesTheIDByPrefixOnly: a query matches part of the name,
// hostname or IP, but only the start of an id, so "01" finds web-01 and not
// every VPS whose id happens to contain 01.
func TestListVPSMatchesTheIDByPrefixOnly(t *testing.T) {
	sim := newSim()
	for _, v := range []hostuptest.VPSSpec{
		{ID: "vps_a01x", Name: "alpha", IP: "192.0.2.10"},
		{ID: "vps_b02x", Name: "beta-01", IP: "192.0.2.20"},
		{ID: "vps_c03x", Name: "gamma", IP: "198.51.100.7"},
	} {
		sim.AddVPS(testAccount, v)
	}
	e := newEnv(t, sim)
	cases := []struct {
		query string
		want  []string
	}{
		{"01", []string{"vps_b02x"}},                   // the name beta-01, not the id vps_a01x
		{"vps_a0", []string{"vps_a01x"}},               // the start of an id
		{"VPS_C", []string{"vps_c03x"}},                // case-insensitive
		{"a01x", nil},                                  // the middle of an id only
		{"192.0.2.", []string{"vps_a01x", "vps_b02x"}}, // part of an IP
	}
	for _, c := range cases {
		var out tools.ListVPSOutput
		e.ok("list_vps", map[string]any{"query": c.query}, &out)
		var got []string
		for _, v := range out.VPS {
			got = append(got, v.ID)
		}
		if len(got) != len(c.want) || out.Total != len(c.want) {
			t.Errorf("query %q: got %v, want %v", c.query, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("query %q: got %v, want %v", c.query, got, c.want)
			}
		}
	}
}

// TestListVPSTruncatedSaysHowToFindTheRest: past what one call reads, the text
// says how to reach a VPS, and that way works: HostUp's exact name and IP
// filters look beyond the list.
func TestListVPSTruncatedSaysHowToFindTheRest(t *testing.T) {
	sim := hostuptest.Fleet(1000, 7)
	sim.AddVPS("fleet", hostuptest.VPSSpec{ID: "vps_late1", Name: "late-web", IP: "100.64.9.9"})
	e := newEnv(t, sim, withKey(hostuptest.FleetAPIKey))

	var out tools.ListVPSOutput
	text := e.ok("list_vps", map[string]any{}, &out)
	if out.Completeness != "truncated" || out.Total != 1000 || out.LeftOut != 900 || len(out.VPS) != 100 {
		t.Fatalf("completeness %q, total %d, left out %d, shown %d", out.Completeness, out.Total, out.LeftOut, len(out.VPS))
	}
	contains(t, text, "… and 900 more not shown: call list_vps again with a higher limit (up to 500) or a query",
		"more VPSes than one call reads", "call list_vps with query set to its exact name or primary IP")

	text = e.ok("list_vps", map[string]any{"limit": 500}, &out)
	contains(t, text, "… and 500 more not shown: call list_vps again with a query that narrows the list.")

	for _, query := range []string{"late-web", "LATE-WEB", "100.64.9.9"} {
		e.ok("list_vps", map[string]any{"query": query}, &out)
		if len(out.VPS) != 1 || out.VPS[0].ID != "vps_late1" {
			t.Errorf("query %q: got %+v, want vps_late1 found beyond the first 1000", query, out.VPS)
		}
	}
	// A substring is no exact name: beyond the list, it cannot be found, and the
	// text says what was looked up rather than suggest doing it again.
	text = e.ok("list_vps", map[string]any{"query": "late-w"}, &out)
	if len(out.VPS) != 0 {
		t.Errorf("query late-w: got %+v", out.VPS)
	}
	contains(t, text, `only a VPS whose exact name or primary IP is "late-w" can be found, and HostUp was asked for it`)
	lacks(t, text, "call list_vps with query set")

	// Without truncation the exact filters are never asked.
	small := newSim()
	small.AddVPS(testAccount, hostuptest.VPSSpec{Name: "web"})
	e = newEnv(t, small)
	e.ok("list_vps", map[string]any{"query": "web"}, &out)
	for _, r := range small.Requests() {
		if r.Method == http.MethodGet && r.Query != "limit=100" {
			t.Errorf("GET %s?%s: only the plain list is needed when it is complete", r.Path, r.Query)
		}
	}
}
