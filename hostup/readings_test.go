package hostup

// Readings of answers HostUp's docs allow but do not show: each must read as
// what HostUp meant, or fail naming what it sent, never as a wrong value.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestWholeNumbersAreRewrittenOnlyOutsideStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"n":3.0}`, `{"n":3}`},
		{`{"n":-2.000,"m":3e0,"k":300e-2,"j":1.5e1}`, `{"n":-2,"m":3,"k":3,"j":15}`},
		{`[3.0, 4.00 ,5]`, `[3, 4 ,5]`},
		{`{"n":3.5,"m":1e-3}`, `{"n":3.5,"m":1e-3}`},
		{`{"s":"3.0","t":"a\"3.0","u":"\\","v":2.0}`, `{"s":"3.0","t":"a\"3.0","u":"\\","v":2}`},
		{`{"huge":1e400,"long":1e39}`, `{"huge":1e400,"long":1000000000000000000000000000000000000000}`},
		{`{"n":7}`, `{"n":7}`},
		{`{"n":-0.0,"m":12.40,"k":100.000}`, `{"n":0,"m":12.40,"k":100}`},
	}
	for _, tt := range tests {
		if got := string(wholeNumbers([]byte(tt.in))); got != tt.want {
			t.Errorf("wholeNumbers(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestIntegersWrittenAsFractionsReadAsIntegers(t *testing.T) {
	tests := []struct {
		name, body string
		read       func(c *Client) (string, error)
		want       string
	}{
		{"v2 schedules, settings and limits", `{"schedules":[{"id":"bks_1","frequency":"daily","retentionCount":3.0,"enabled":true}],
			"settings":{"totalBackupLimit":5.0,"manualBackupsActive":1.0,"scheduledBackupsActive":2.0,"availableScheduledSlots":2.0,"autoDeleteOldest":true},
			"history":[],"limits":{"maxSchedules":1.0,"totalBackups":5.0,"maxRetention":5.0,"currentSchedules":1.0,"manualBackupsActive":1.0,"scheduledBackupsActive":2.0,"availableScheduledSlots":2.0}}`,
			func(c *Client) (string, error) {
				bs, err := c.GetBackupSchedules(context.Background(), "vps_1")
				if err != nil {
					return "", err
				}
				return join(bs.Schedules[0].RetentionCount, bs.Settings.TotalBackupLimit, bs.Limits.MaxRetention, bs.Limits.AvailableScheduledSlots), nil
			}, "3 5 5 2"},
		{"v2 quota", `{"backups":[],"quotaInfo":{"used":2.0,"limit":5.0,"remaining":3.0},"actions":{}}`,
			func(c *Client) (string, error) {
				b, err := c.ListBackups(context.Background(), "vps_1")
				if err != nil {
					return "", err
				}
				return join(b.QuotaInfo.Used, *b.QuotaInfo.Limit, *b.QuotaInfo.Remaining), nil
			}, "2 5 3"},
		{"v1 schedule, ids and settings", v1OK(`{"success":true,"schedules":[{"id":2464.0,"schedule_type":"daily","hour":5.0,"minute":30.0,"retention_count":3.0,"day_of_week":null}],
			"settings":{"max_total_backups":7.0,"available_scheduled_slots":0.0},"history":[{"id":136070.0,"size":"214748366059","status":"active"}],"limits":{"maxRetention":7.0}}`),
			func(c *Client) (string, error) {
				s, err := c.GetVMBackupSchedules(context.Background(), "10000")
				if err != nil {
					return "", err
				}
				sc := s.Schedules[0]
				return join(sc.ID, sc.Hour, sc.Minute, sc.RetentionCount, s.Settings.MaxTotalBackups, s.History[0].ID, s.Limits.MaxRetention), nil
			}, "2464 5 30 3 7 136070 7"},
		{"v1 backups with sizes and times", v1OK(`[{"volid":"v","vmid":10000.0,"size":2.147483648e9,"ctime":1770681600.0,"scheduleId":null}]`),
			func(c *Client) (string, error) {
				l, err := c.ListVMBackups(context.Background(), "10000")
				if err != nil {
					return "", err
				}
				return join(l.Backups[0].VMID, l.Backups[0].Size, l.Backups[0].Ctime), nil
			}, "10000 2147483648 1770681600"},
		{"v2 snapshot schedule", `{"schedule":{"enabled":true,"intervalHours":6.0,"retentionDays":1.0},"limits":{"totalSnapshots":3.0},"available":true,"reason":null,"actions":{"canEnable":{"allowed":true,"reason":null}}}`,
			func(c *Client) (string, error) {
				s, err := c.GetSnapshotSchedule(context.Background(), "vps_1")
				if err != nil {
					return "", err
				}
				return join(s.Schedule.IntervalHours, *s.Schedule.RetentionDays, s.Limits.TotalSnapshots), nil
			}, "6 1 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, tt.body) })
			got, err := tt.read(c)
			if err != nil || got != tt.want {
				t.Fatalf("read %q, err %v; want %q", got, err, tt.want)
			}
		})
	}
}

// join shows values as one line, for comparing several at once.
func join(vals ...any) string { return strings.TrimSpace(fmt.Sprintln(vals...)) }

func TestAnAnswerThatDoesNotFitNamesTheFieldAndTheValue(t *testing.T) {
	long := strings.Repeat("x", 200)
	tests := []struct {
		name, body            string
		read                  func(c *Client) error
		field, value, wantFor string
	}{
		{"a fraction where a count goes", `{"schedules":[{"id":"bks_1","retentionCount":3.5}]}`,
			func(c *Client) error { _, err := c.GetBackupSchedules(context.Background(), "vps_1"); return err },
			"schedules.retentionCount", "3.5", "a whole number"},
		{"a text where a count goes", `{"schedules":[],"limits":{"maxRetention":"seven"}}`,
			func(c *Client) error { _, err := c.GetBackupSchedules(context.Background(), "vps_1"); return err },
			"limits.maxRetention", `"seven"`, "a whole number"},
		{"an object where a list goes", `{"schedules":{"id":"bks_1"}}`,
			func(c *Client) error { _, err := c.GetBackupSchedules(context.Background(), "vps_1"); return err },
			"schedules", `{"id":"bks_1"}`, "a list"},
		{"a long text is cut short", `{"schedules":[],"settings":{"autoDeleteOldest":"` + long + `"}}`,
			func(c *Client) error { _, err := c.GetBackupSchedules(context.Background(), "vps_1"); return err },
			"settings.autoDeleteOldest", `"` + long[:maxDecodeValue-1] + "…", "true or false"},
		{"v1 hour as a fraction", v1OK(`{"schedules":[{"id":1,"hour":5.5}]}`),
			func(c *Client) error { _, err := c.GetVMBackupSchedules(context.Background(), "10000"); return err },
			"schedules.hour", "5.5", "a whole number"},
		{"v1 id as true", v1OK(`{"schedules":[{"id":true}]}`),
			func(c *Client) error { _, err := c.GetVMBackupSchedules(context.Background(), "10000"); return err },
			"schedules.id", "true", "a whole number"},
		{"a VPS list item of another type", `{"data":[{"id":"vps_1","name":7}]}`,
			func(c *Client) error { _, err := c.ListVPS(context.Background(), ListVPSParams{}); return err },
			"data.name", "7", "a text"},
		{"an HTML page", `<html>maintenance</html>`,
			func(c *Client) error { _, err := c.ListBackups(context.Background(), "vps_1"); return err },
			"", "<html>maintenance</html>", "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, tt.body) })
			err := tt.read(c)
			e, ok := errors.AsType[*DecodeError](err)
			if !ok {
				t.Fatalf("err = %v (%T), want a DecodeError", err, err)
			}
			if e.Field != tt.field || e.Value != tt.value || e.Want != tt.wantFor || e.Method != http.MethodGet || e.Path == "" {
				t.Errorf("DecodeError{Field %q, Value %q, Want %q, %s %s}, want field %q, value %q, want %q", e.Field, e.Value, e.Want, e.Method, e.Path, tt.field, tt.value, tt.wantFor)
			}
			if errors.Is(err, ErrOutcomeUnknown) {
				t.Error("a GET's unreadable answer is no unknown outcome")
			}
		})
	}
}

func TestADecodeErrorNeverQuotesTheKey(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"schedules":[],"limits":{"maxRetention":"`+testKey+`"}}`)
	})
	_, err := c.GetBackupSchedules(context.Background(), "vps_1")
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Fatalf("err = %v", err)
	}
}

func TestVPSListPagingIsReadWhereverThePageKeepsIt(t *testing.T) {
	tests := []struct {
		name, body string
		more       bool
		silent     bool
	}{
		{"under pagination", `{"data":[{"id":"vps_1"}],"pagination":{"hasMore":true,"nextCursor":"c2"}}`, true, false},
		{"under meta", `{"data":[{"id":"vps_1"}],"meta":{"hasMore":true,"nextCursor":"c2"}}`, true, false},
		{"under links", `{"data":[{"id":"vps_1"}],"links":{"nextCursor":"c2"}}`, true, false},
		{"in snake_case", `{"data":[{"id":"vps_1"}],"pagination":{"has_more":true,"next_cursor":"c2"}}`, true, false},
		{"the last page under pagination", `{"data":[{"id":"vps_1"}],"pagination":{"hasMore":false,"nextCursor":null}}`, false, false},
		{"a null cursor is a sign", `{"data":[{"id":"vps_1"}],"nextCursor":null}`, false, false},
		{"no sign at all", `{"data":[{"id":"vps_1"}]}`, false, true},
		{"the top wins", `{"data":[{"id":"vps_1"}],"hasMore":false,"meta":{"hasMore":true,"nextCursor":"c2"}}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodeVPSPage([]byte(tt.body), "")
			if err != nil || p.more() != tt.more || p.silent() != tt.silent {
				t.Fatalf("more %v, silent %v, err %v; want more %v, silent %v", p.more(), p.silent(), err, tt.more, tt.silent)
			}
			if tt.more && p.next() != "c2" {
				t.Errorf("next cursor %q, want c2", p.next())
			}
		})
	}
}

func TestAFullVPSPageWithoutPagingMakesTheListsCompletenessUnknown(t *testing.T) {
	tests := []struct {
		name        string
		items       int
		paging      string
		wantUnknown bool
	}{
		{"a full page, no sign", 2, ``, true},
		{"a short page, no sign", 1, ``, false},
		{"a full page saying it is the last", 2, `,"hasMore":false`, false},
		{"a full page with a null cursor", 2, `,"nextCursor":null`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
				items := make([]string, tt.items)
				for i := range items {
					items[i] = fmt.Sprintf(`{"id":"vps_%d"}`, i)
				}
				writeJSON(w, 200, `{"data":[`+strings.Join(items, ",")+`]`+tt.paging+`}`)
			})
			list, err := c.ListVPS(context.Background(), ListVPSParams{PageSize: 2})
			if err != nil || len(list.VPS) != tt.items || list.Truncated || list.CompletenessUnknown != tt.wantUnknown || len(rec.requests()) != 1 {
				t.Fatalf("%d VPS, truncated %v, unknown %v after %d requests, err %v; want %d, unknown %v, one request",
					len(list.VPS), list.Truncated, list.CompletenessUnknown, len(rec.requests()), err, tt.items, tt.wantUnknown)
			}
		})
	}
}

func TestOneVPSIsReadBareOrWrappedAndKeepsTheIDAskedFor(t *testing.T) {
	tests := []struct {
		name, body string
		wantName   string
		wantField  string // a DecodeError's field; "" for none
	}{
		{"bare, as documented", `{"id":"vps_1","name":"web"}`, "web", ""},
		{"wrapped in data, as the list's items", `{"data":{"id":"vps_1","name":"web"}}`, "web", ""},
		{"without an id", `{"name":"web"}`, "web", ""},
		{"wrapped without an id", `{"data":{"name":"web"}}`, "web", ""},
		{"another VPS", `{"id":"vps_2","name":"db"}`, "", "id"},
		{"another VPS, wrapped", `{"data":{"id":"vps_2","name":"db"}}`, "", "data.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, tt.body) })
			v, err := c.GetVPS(context.Background(), "vps_1")
			if tt.wantField != "" {
				e, ok := errors.AsType[*DecodeError](err)
				if !ok || e.Field != tt.wantField || e.Value != "vps_2" {
					t.Fatalf("vps %+v, err %v; want a DecodeError naming %s and vps_2", v, err, tt.wantField)
				}
				return
			}
			if err != nil || v.ID != "vps_1" || v.Name != tt.wantName {
				t.Fatalf("vps %+v, err %v; want vps_1 named %q", v, err, tt.wantName)
			}
		})
	}
}

func TestSnapshotScheduleFieldsHostUpDidNotGiveAreUnread(t *testing.T) {
	tests := []struct {
		name, body string
		enabled    bool
		hours      int
		unread     string
	}{
		{"v2 names", `{"enabled":true,"intervalHours":6}`, true, 6, ""},
		{"v1 names", `{"enabled":false,"interval_hours":12.0}`, false, 12, ""},
		{"other names", `{"active":true,"everyHours":6}`, false, 0, "schedule.enabled schedule.intervalHours"},
		{"null and a text", `{"enabled":null,"intervalHours":"6"}`, false, 0, "schedule.enabled schedule.intervalHours"},
		{"only the interval missing", `{"enabled":true}`, true, 0, "schedule.intervalHours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s SnapshotSchedule
			if err := json.Unmarshal([]byte(tt.body), &s); err != nil {
				t.Fatal(err)
			}
			if s.Enabled != tt.enabled || s.IntervalHours != tt.hours || strings.Join(s.Unread, " ") != tt.unread {
				t.Errorf("enabled %v, every %d h, unread %v; want %v, %d, %q", s.Enabled, s.IntervalHours, s.Unread, tt.enabled, tt.hours, tt.unread)
			}
		})
	}
}
