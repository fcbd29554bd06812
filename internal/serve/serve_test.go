package serve

import (
	"log/slog"
	"testing"

	"github.com/hostup/hostup-mcp/internal/config"
)

// The restore setting reaches the tools: only "token" lets a token confirm one.
func TestRestoreConfirmSettingReachesTheTools(t *testing.T) {
	for env, want := range map[string]bool{"": false, "user": false, "token": true} {
		getenv := func(name string) string {
			if name == "HOSTUP_RESTORE_CONFIRM" {
				return env
			}
			return ""
		}
		cfg, _, err := config.Parse([]string{"--sandbox"}, getenv)
		if err != nil {
			t.Fatal(err)
		}
		deps, err := newDeps(cfg, "test", slog.New(slog.DiscardHandler), nil)
		if err != nil || deps.RestoreByToken != want {
			t.Errorf("HOSTUP_RESTORE_CONFIRM=%q: RestoreByToken %v, want %v (%v)", env, deps.RestoreByToken, want, err)
		}
	}
}
