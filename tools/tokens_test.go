package tools

import (
	"context"
	"slices"
	"testing"
	"time"
)

// A fleet's token carries a row per VPS that changes, so a row costs bytes in
// every plan a model reads: 16 bytes of digests, 22 once encoded, and a token
// gives back exactly the rows it was issued for.
func TestATokenCarriesEachRowIn22Bytes(t *testing.T) {
	c := NewConfirmer([]byte("secret"))
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	rows := make([]binding, 1000)
	for i := range rows {
		var err error
		if rows[i].Plan, err = digestOf(i); err != nil {
			t.Fatal(err)
		}
		if rows[i].Basis, err = digestOf(-i); err != nil {
			t.Fatal(err)
		}
	}
	one, _, err := c.Issue(context.Background(), purposeConfirm, "apply_backup_policy", "key", rows[:1], "shown", now)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := c.Issue(context.Background(), purposeConfirm, "apply_backup_policy", "key", rows, "shown", now)
	if err != nil {
		t.Fatal(err)
	}
	if per := float64(len(all)-len(one)) / 999; per > 22 {
		t.Errorf("a token grows by %.1f bytes a row, want at most 22 (%d bytes for 1,000 rows)", per, len(all))
	}
	g, err := c.Check(all, purposeConfirm, "apply_backup_policy", "key", now)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.rows, rows) || g.shown != "shown" {
		t.Errorf("the token gave back %d rows (equal: %v), shown %q", len(g.rows), slices.Equal(g.rows, rows), g.shown)
	}
}
