package hostup

import (
	"strings"
	"time"
)

// Attempt is one request sent to HostUp, as Options.OnAttempt hears of it: what a
// metrics exporter needs, and nothing that names an account, a VPS or a key.
type Attempt struct {
	Route    string // the path with every id replaced: /api/v2/vps/{id}/backup-schedules/{id}
	Method   string
	Status   int  // HostUp's status; 0 when no whole response came back
	Retry    bool // a second or later attempt of the same call
	Duration time.Duration
}

// routeWords are the fixed segments of HostUp's paths; any other segment is an
// id, so the set of routes stays as small as the set of endpoints.
var routeWords = map[string]bool{
	"api": true, "v2": true, "vps": true, "backup-schedules": true, "backups": true,
	"jobs": true, "vm": true, "snapshot-schedules": true, "actions": true, "restore": true,
}

// routeOf is path's template: its fixed segments kept, every other one {id}.
func routeOf(path string) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		if s != "" && !routeWords[s] {
			segments[i] = "{id}"
		}
	}
	return strings.Join(segments, "/")
}

// observe tells the OnAttempt hook, if any, about one attempt.
func (c *Client) observe(method, path string, status, attempt int, start time.Time) {
	if c.onAttempt == nil {
		return
	}
	c.onAttempt(Attempt{Route: routeOf(path), Method: method, Status: status, Retry: attempt > 1, Duration: time.Since(start)})
}
