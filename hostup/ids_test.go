package hostup

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestValidateID(t *testing.T) {
	tests := []struct {
		kind  IDKind
		id    string
		valid bool
	}{
		{KindVPS, "vps_01hxa3b4c5d6e7f8g9h0j1k2m3", true},
		{KindVPS, "vps_", false},
		{KindVPS, "vps_01hx-a3_b4", true}, // opaque ids may carry "-" and "_" (issue 19)
		{KindVPS, "vps_a.b", false},
		{KindVPS, "bkp_01hxa3", false},
		{KindVPS, "10000", false},
		{KindVPS, "vps_" + strings.Repeat("a", 65), false},
		{KindSchedule, "bks_01hxa3b4c5d6e7f8g9h0j1k2m3", true},
		{KindSchedule, "vps_01hxa3", false},
		{KindBackup, "bkp_01hxa3b4c5d6e7f8g9h0j1k2m3", true},
		{KindBackup, "pbs-offsite-10g:backup/vm/1871/2026-02-10T00:00:00.000Z", false},
		{KindJob, "job_01hxa3b4c5d6e7f8g9h0j1k2m3", true},
		{KindJob, "backup-17910-1769734006476", true},
		{KindJob, "-leading-dash", false},
		{KindJob, strings.Repeat("j", 129), false},
		{IDKind("snapshot"), "before-upgrade", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+" "+tt.id, func(t *testing.T) {
			err := ValidateID(tt.kind, tt.id)
			if (err == nil) != tt.valid {
				t.Errorf("ValidateID = %v, want valid=%v", err, tt.valid)
			}
		})
	}
}

var hostileIDs = []string{
	"", "../x", "a/b", "%2F", "vps_1/../../admin", "vps_1%2F..", "vps_1\x00", "vps_ü", "vps_1?x=1", "vps_1#f",
	" vps_1", "vps_1\n", "vps_1;", "..", ".", "vps_1/", "vps_\u202e1",
}

func TestHostileIDsNeverReachTheServer(t *testing.T) {
	calls := map[string]func(c *Client, id string) error{
		"GetVPS": func(c *Client, id string) error { _, err := c.GetVPS(context.Background(), id); return err },
		"GetBackupSchedules": func(c *Client, id string) error {
			_, err := c.GetBackupSchedules(context.Background(), id)
			return err
		},
		"UpsertBackupSchedule": func(c *Client, id string) error {
			_, err := c.UpsertBackupSchedule(context.Background(), id, ScheduleRequest{Frequency: FrequencyDaily, RetentionCount: 1})
			return err
		},
		"UpdateBackupSettings": func(c *Client, id string) error {
			_, err := c.UpdateBackupSettings(context.Background(), id, SettingsRequest{MaxTotalBackups: new(3)})
			return err
		},
		"DeleteBackupSchedule vps": func(c *Client, id string) error {
			_, err := c.DeleteBackupSchedule(context.Background(), id, "bks_1")
			return err
		},
		"DeleteBackupSchedule schedule": func(c *Client, id string) error {
			_, err := c.DeleteBackupSchedule(context.Background(), "vps_1", id)
			return err
		},
		"ListBackups": func(c *Client, id string) error { _, err := c.ListBackups(context.Background(), id); return err },
		"CreateBackup": func(c *Client, id string) error {
			_, err := c.CreateBackup(context.Background(), id, CreateBackupRequest{})
			return err
		},
		"DeleteBackup vps": func(c *Client, id string) error {
			_, err := c.DeleteBackup(context.Background(), id, "bkp_1")
			return err
		},
		"DeleteBackup backup": func(c *Client, id string) error {
			_, err := c.DeleteBackup(context.Background(), "vps_1", id)
			return err
		},
		"GetJob": func(c *Client, id string) error { _, err := c.GetJob(context.Background(), id); return err },
	}
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	for name, fn := range calls {
		for _, id := range hostileIDs {
			err := fn(c, id)
			if _, ok := errors.AsType[*InvalidIDError](err); !ok {
				t.Errorf("%s(%q) = %v, want *InvalidIDError", name, id, err)
			}
		}
	}
	if reqs := rec.requests(); len(reqs) != 0 {
		t.Errorf("%d requests reached the server, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}

func TestInvalidIDErrorSaysWhereValidIDsComeFrom(t *testing.T) {
	tests := []struct {
		kind IDKind
		want string
	}{
		{KindVPS, "list_vps"},
		{KindSchedule, "list_backup_schedules"},
		{KindBackup, "list_backups"},
		{KindJob, "create_backup"},
	}
	for _, tt := range tests {
		msg := ValidateID(tt.kind, "../x\x00").Error()
		if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\x00") {
			t.Errorf("%s: %q should name %s and quote the id safely", tt.kind, msg, tt.want)
		}
	}
}
