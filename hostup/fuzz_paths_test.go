package hostup_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/hostup/hostuptest"
)

// FuzzIDsInPaths: whatever ids a caller passes to whichever call, either the
// call is refused with an *InvalidIDError and nothing is sent, or exactly one
// request goes to a documented endpoint (hostuptest.Request.Documented), with a
// backup volid carried whole in one path segment.
func FuzzIDsInPaths(f *testing.F) {
	for i, id := range []string{"", "../x", "a/b", "%2F", "vps_1/../../admin", "vps_1%2F..", "vps_1\x00",
		"vps_ü", "vps_1?x=1", "vps_1#f", " vps_1", "vps_1\n", "..", "vps_\u202e1", "vps_1", "１0000", "10000"} {
		f.Add(uint8(i), id, "bks_1")
	}
	f.Add(uint8(9), "10000", "pbs:backup/vm/10000/2026-02-10T00:00:00.000Z")
	f.Add(uint8(9), "10000", "pbs:backup/../../admin")
	f.Add(uint8(9), "10000", "pbs:backup/vm/%2e%2e/x?y#z")
	f.Add(uint8(10), "backup-17910-1769734006476", "")

	sim := hostuptest.New()
	sim.AddKey("fuzz-key", "fuzz")
	c, err := hostup.New(hostup.Options{APIKey: "fuzz-key", HTTPClient: &http.Client{Transport: sim.Transport()}, MaxRetries: -1})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	calls := []func(a, b string) error{
		func(a, _ string) error { _, err := c.GetVPS(ctx, a); return err },
		func(a, _ string) error { _, err := c.GetBackupSchedules(ctx, a); return err },
		func(a, _ string) error {
			_, err := c.UpsertBackupSchedule(ctx, a, hostup.ScheduleRequest{Frequency: hostup.FrequencyDaily, RetentionCount: 1})
			return err
		},
		func(a, _ string) error {
			_, err := c.UpdateBackupSettings(ctx, a, hostup.SettingsRequest{MaxTotalBackups: new(3)})
			return err
		},
		func(a, b string) error { _, err := c.DeleteBackupSchedule(ctx, a, b); return err },
		func(a, _ string) error { _, err := c.ListBackups(ctx, a); return err },
		func(a, _ string) error { _, err := c.CreateBackup(ctx, a, hostup.CreateBackupRequest{}); return err },
		func(a, b string) error { _, err := c.DeleteBackup(ctx, a, b); return err },
		func(a, _ string) error { _, err := c.GetVMBackupSchedules(ctx, a); return err },
		func(a, b string) error { _, err := c.DeleteVMBackup(ctx, a, b); return err },
		func(a, _ string) error { _, err := c.GetJob(ctx, a); return err },
		func(a, _ string) error { _, err := c.ListVMBackups(ctx, a); return err },
	}
	f.Fuzz(func(t *testing.T, which uint8, id, second string) {
		sim.ResetLog()
		call := int(which) % len(calls)
		err := calls[call](id, second)
		sent := sim.Requests()
		if _, invalid := errors.AsType[*hostup.InvalidIDError](err); invalid {
			if len(sent) != 0 {
				t.Fatalf("an invalid id was refused, yet %d requests were sent: %v", len(sent), sent)
			}
			return
		}
		if len(sent) != 1 {
			t.Fatalf("%d requests sent for one call (error %v)", len(sent), err)
		}
		r := sent[0]
		if !r.Documented() {
			t.Fatalf("request to an undocumented endpoint: %s %s?%s for ids %q, %q", r.Method, r.Path, r.Query, id, second)
		}
		if call == 9 { // DeleteVMBackup: the volid is the last segment, whole
			last := r.Path[strings.LastIndex(r.Path, "/")+1:]
			if got, err := url.PathUnescape(last); err != nil || got != second {
				t.Fatalf("volid %q was sent as segment %q", second, last)
			}
		}
	})
}
