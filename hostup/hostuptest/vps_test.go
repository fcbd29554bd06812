package hostuptest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/hostup/hostup-mcp/hostup"
)

func TestListVPSFollowsCursorsToTheEnd(t *testing.T) {
	e := newEnv(t)
	var want []string
	for range 45 {
		want = append(want, e.sim.AddVPS("acme", VPSSpec{}))
	}
	e.sim.AddVPS("other", VPSSpec{})

	var got []string
	path := "/api/v2/vps?limit=20"
	for pages := 0; ; pages++ {
		var page hostup.VPSPage
		e.want(http.StatusOK, "GET", path, keyAcme, "", &page)
		for _, v := range page.Data {
			got = append(got, v.ID)
		}
		if !page.HasMore {
			if page.NextCursor != nil || pages != 2 || len(page.Data) != 5 {
				t.Errorf("last page: %d items, cursor %v, after %d pages", len(page.Data), page.NextCursor, pages)
			}
			break
		}
		path = "/api/v2/vps?limit=20&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d VPSes, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("item %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestListVPSServesNoMoreThanTheMaxPageSize(t *testing.T) {
	e := newEnv(t)
	for range 12 {
		e.sim.AddVPS("acme", VPSSpec{})
	}
	e.sim.SetMaxPageSize(5)
	var page hostup.VPSPage
	e.want(http.StatusOK, "GET", "/api/v2/vps?limit=100", keyAcme, "", &page)
	if len(page.Data) != 5 || !page.HasMore || page.NextCursor == nil {
		t.Fatalf("first page: %d items, hasMore %v, cursor %v; want 5 with a cursor", len(page.Data), page.HasMore, page.NextCursor)
	}
}

func TestListVPSRefusesBadCursorsAndLimits(t *testing.T) {
	e := newEnv(t)
	e.sim.AddVPS("acme", VPSSpec{})
	theirs := e.sim.AddVPS("other", VPSSpec{})
	cases := []struct{ name, query, code string }{
		{"garbage cursor", "cursor=%21%21%21", "invalid_cursor"},
		{"empty cursor", "cursor=", "invalid_cursor"},
		{"well-formed but foreign", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte("offset:10")), "invalid_cursor"},
		{"another account's VPS", "cursor=" + encodeCursor(theirs), "invalid_cursor"},
		{"limit 0", "limit=0", "invalid_request"},
		{"limit 101", "limit=101", "invalid_request"},
		{"limit not a number", "limit=ten", "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.wantProblem(http.StatusBadRequest, tc.code, "GET", "/api/v2/vps?"+tc.query, keyAcme, "")
		})
	}
}

func TestListVPSFilters(t *testing.T) {
	e := newEnv(t)
	web := e.sim.AddVPS("acme", VPSSpec{Name: "web-01", IP: "192.0.2.10"})
	db := e.sim.AddVPS("acme", VPSSpec{Name: "db-01", IP: "192.0.2.20"})
	e.sim.AddVPS("acme", VPSSpec{Name: "web-01-old"})
	cases := []struct {
		query string
		want  []string
	}{
		{"name=WEB-01", []string{web}},
		{"primaryIp=192.0.2.20", []string{db}},
		{"name=web-01&primaryIp=192.0.2.20", nil},
		{"name=web", nil},
	}
	for _, tc := range cases {
		var page hostup.VPSPage
		e.want(http.StatusOK, "GET", "/api/v2/vps?"+tc.query, keyAcme, "", &page)
		var got []string
		for _, v := range page.Data {
			got = append(got, v.ID)
		}
		if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
			t.Errorf("%s: got %v, want %v", tc.query, got, tc.want)
		}
	}
}

func TestGetVPS(t *testing.T) {
	e := newEnv(t)
	id := e.sim.AddVPS("acme", VPSSpec{Name: "web-01", Hostname: "web-01.example.com", IP: "192.0.2.10"})
	var v hostup.VPS
	e.want(http.StatusOK, "GET", "/api/v2/vps/"+id, keyAcme, "", &v)
	if v.ID != id || v.Name != "web-01" || deref(v.Hostname) != "web-01.example.com" || deref(v.PrimaryIP) != "192.0.2.10" ||
		v.ServiceStatus != "active" || deref(v.PowerState) != "running" || v.Billing == nil || v.Resources == nil {
		t.Errorf("vps = %+v", v)
	}
}
