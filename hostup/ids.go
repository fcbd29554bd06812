package hostup

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// IDKind names the kind of HostUp id a path segment must be.
type IDKind string

// The id kinds that appear in the paths this client calls.
const (
	KindVPS      IDKind = "vps"
	KindSchedule IDKind = "backup schedule"
	KindBackup   IDKind = "backup"
	KindJob      IDKind = "job"
	// KindVMID is v1's numeric vmid, e.g. "10000": digits only, no leading zero, at
	// most MaxVMID.
	KindVMID IDKind = "vmid"
	// KindVolid is a v1 backup's Proxmox volid, e.g.
	// "pbs-offsite-10g:backup/vm/10877/2026-02-10T00:00:00.000Z".
	KindVolid IDKind = "backup volid"
)

// MaxVMID is the largest vmid accepted: 2^53-1, the largest integer that survives a
// round trip through a JSON number in JavaScript (HostUp's own stack) or a float64.
const MaxVMID = 1<<53 - 1

// idRules are deliberately narrow: an id that passes cannot contain "/", "." or "%",
// so it can never point the request at another URL, even before escaping. Lengths
// are checked apart from the patterns: a counted repetition such as {1,400} makes
// the regexp package build hundreds of states, at every start-up.
var idRules = map[IDKind]struct {
	pattern *regexp.Regexp
	maxLen  int               // bytes, the prefix included
	source  string            // where a valid id comes from, for the error message
	check   func(string) bool // a rule a pattern cannot say; nil when none
}{
	KindVPS:      {regexp.MustCompile(`^vps_[A-Za-z0-9_-]+$`), 4 + 64, "list_vps", nil},
	KindSchedule: {regexp.MustCompile(`^bks_[A-Za-z0-9_-]+$`), 4 + 64, "list_backup_schedules (schedules[].id)", nil},
	KindBackup:   {regexp.MustCompile(`^bkp_[A-Za-z0-9_-]+$`), 4 + 64, "list_backups (backups[].id)", nil},
	KindJob:      {regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`), 128, "create_backup (its jobId)", nil},
	// No leading zero: "010000" and "10000" would name the same VM, and ids must be
	// used exactly as HostUp shows them.
	KindVMID: {regexp.MustCompile(`^[1-9][0-9]*$`), 16, "HostUp (the VM's numeric vmid, e.g. 10000)", withinMaxVMID},
	// storage ":" path, as Proxmox writes volids: a storage name of at most 64 and
	// a path of at most 400 characters. The volid is escaped into one path segment,
	// so "/" is harmless; a ".." segment is still refused because proxies may
	// normalize it after decoding.
	KindVolid: {regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*:[A-Za-z0-9_.:/+=-]+$`), 64 + 1 + 400,
		"list_backup_schedules (history[].volid) or list_backups", volidParts},
}

func withinMaxVMID(id string) bool {
	n, err := strconv.ParseUint(id, 10, 64)
	return err == nil && n <= MaxVMID
}

// volidParts bounds the storage name to 64 and the path to 400 characters, and
// refuses dot segments.
func volidParts(id string) bool {
	storage, path, _ := strings.Cut(id, ":")
	return len(storage) <= 64 && len(path) <= 400 && noDotSegments(id)
}

// noDotSegments refuses "." and ".." between any two separators, ":" included, since
// the part after the storage name is a path of its own.
func noDotSegments(id string) bool {
	for _, seg := range strings.FieldsFunc(id, func(r rune) bool { return r == '/' || r == ':' }) {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
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
		id = strings.ToValidUTF8(id[:80], "") + "…" // never half a character
	}
	if rule, ok := idRules[e.Kind]; ok {
		return fmt.Sprintf("hostup: %q is not a valid %s id: use an id exactly as returned by %s, never a guessed or constructed one", id, e.Kind, rule.source)
	}
	return fmt.Sprintf("hostup: %q is not a valid %s id", id, e.Kind)
}

// ValidateID checks that id has the shape HostUp gives ids of this kind.
func ValidateID(kind IDKind, id string) error {
	rule, ok := idRules[kind]
	if !ok || len(id) > rule.maxLen || !rule.pattern.MatchString(id) || (rule.check != nil && !rule.check(id)) {
		return &InvalidIDError{Kind: kind, ID: id}
	}
	return nil
}

// segment validates id and escapes it for use as one path segment. Escaping is a no-op
// for valid ids of every kind but KindVolid (whose "/" and ":" it escapes); it is kept
// for all so that a future loosening of a pattern cannot open a hole.
func segment(kind IDKind, id string) (string, error) {
	if err := ValidateID(kind, id); err != nil {
		return "", err
	}
	escaped := url.PathEscape(id)
	if kind == KindVolid {
		// PathEscape leaves ":" alone (it is legal in a segment); escaping it too keeps
		// a volid from ever reading as a scheme or port to a proxy. HostUp decodes it.
		escaped = strings.ReplaceAll(escaped, ":", "%3A")
	}
	return escaped, nil
}
