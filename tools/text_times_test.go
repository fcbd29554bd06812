package tools_test

import (
	"regexp"
	"testing"
	"time"
)

// With a display zone set, the text shows HostUp's UTC timestamps in it, as it
// already shows schedule times; the structured result keeps HostUp's values.
func TestTextShowsTimestampsInTheDisplayZone(t *testing.T) {
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	e := sandboxEnv(t, withDisplay(stockholm))
	rawUTC := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d`)
	for _, tool := range []string{"list_backup_schedules", "list_backups"} {
		text := e.ok(tool, map[string]any{"vps_id": "vps_sandbox02"}, nil)
		if raw := rawUTC.FindString(text); raw != "" {
			t.Errorf("%s: text shows the raw UTC timestamp %s:\n%s", tool, raw, text)
		}
		if !regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d CET`).MatchString(text) {
			t.Errorf("%s: text shows no time in the display zone (CET):\n%s", tool, text)
		}
	}
	var out struct {
		Schedules []struct {
			LastRun string `json:"last_run"`
		} `json:"schedules"`
	}
	e.ok("list_backup_schedules", map[string]any{"vps_id": "vps_sandbox02"}, &out)
	if len(out.Schedules) == 0 || !rawUTC.MatchString(out.Schedules[0].LastRun) {
		t.Errorf("structured last_run is not HostUp's UTC timestamp: %+v", out.Schedules)
	}
}
