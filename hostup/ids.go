package hostup

import (
	"fmt"
	"net/url"
	"regexp"
)

// IDKind names the kind of HostUp id a path segment must be.
type IDKind string

// The id kinds that appear in the paths this client calls.
const (
	KindVPS      IDKind = "vps"
	KindSchedule IDKind = "backup schedule"
	KindBackup   IDKind = "backup"
	KindJob      IDKind = "job"
)

// idRules are deliberately narrow: an id that passes cannot contain "/", "." or "%",
// so it can never point the request at another URL, even before escaping.
var idRules = map[IDKind]struct {
	pattern *regexp.Regexp
	source  string // where a valid id comes from, for the error message
}{
	KindVPS:      {regexp.MustCompile(`^vps_[A-Za-z0-9]{1,64}$`), "list_vps"},
	KindSchedule: {regexp.MustCompile(`^bks_[A-Za-z0-9]{1,64}$`), "list_backup_schedules (schedules[].id)"},
	KindBackup:   {regexp.MustCompile(`^bkp_[A-Za-z0-9]{1,64}$`), "list_backups (backups[].id)"},
	KindJob:      {regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`), "create_backup (its jobId)"},
}

// InvalidIDError is returned, before any request is sent, for an id that does not have
// the shape of its kind.
type InvalidIDError struct {
	Kind IDKind
	ID   string
}

func (e *InvalidIDError) Error() string {
	id := e.ID
	if len(id) > 80 {
		id = id[:80] + "…"
	}
	if rule, ok := idRules[e.Kind]; ok {
		return fmt.Sprintf("hostup: %q is not a valid %s id: use an id exactly as returned by %s, never a guessed or constructed one", id, e.Kind, rule.source)
	}
	return fmt.Sprintf("hostup: %q is not a valid %s id", id, e.Kind)
}

// ValidateID checks that id has the shape HostUp gives ids of this kind.
func ValidateID(kind IDKind, id string) error {
	rule, ok := idRules[kind]
	if !ok || !rule.pattern.MatchString(id) {
		return &InvalidIDError{Kind: kind, ID: id}
	}
	return nil
}

// segment validates id and escapes it for use as one path segment. Escaping is a no-op
// for valid ids; it is kept so that a future loosening of a pattern cannot open a hole.
func segment(kind IDKind, id string) (string, error) {
	if err := ValidateID(kind, id); err != nil {
		return "", err
	}
	return url.PathEscape(id), nil
}
