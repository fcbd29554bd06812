package hostuptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/hostup/hostup-mcp/hostup"
)

// body reads a JSON object field by field so that every problem becomes one
// errors[] entry with a JSON pointer, as HostUp reports them.
type body struct {
	raw     map[string]json.RawMessage
	errs    []fieldError
	notJSON bool // nothing more to check
}

// parseBody accepts a JSON object with only the known fields; an empty body is
// an empty object when emptyOK.
func parseBody(data []byte, emptyOK bool, known ...string) *body {
	b := &body{raw: map[string]json.RawMessage{}}
	if len(bytes.TrimSpace(data)) == 0 {
		if !emptyOK {
			b.notObject()
		}
		return b
	}
	if err := json.Unmarshal(data, &b.raw); err != nil || b.raw == nil {
		b.raw = map[string]json.RawMessage{}
		b.notObject()
		return b
	}
	var unknown []string
	for name := range b.raw {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	for _, name := range unknown {
		b.fail("/"+name, fmt.Sprintf("`%s` is not a known field.", name), "unknown_field")
	}
	return b
}

func (b *body) notObject() {
	b.notJSON = true
	b.fail("", "The request body must be a JSON object.", "invalid_json")
}

func (b *body) fail(pointer, detail, code string) {
	b.errs = append(b.errs, fieldError{Pointer: pointer, Detail: detail, Code: code})
}

// has reports whether the field was sent; null counts as not sent.
func (b *body) has(name string) bool {
	raw, ok := b.raw[name]
	return ok && string(raw) != "null"
}

func (b *body) missing(name string) {
	b.fail("/"+name, fmt.Sprintf("`%s` is required.", name), "missing_required")
}

// integer reads an integral number in [lo, hi]; ok is false when absent or invalid.
func (b *body) integer(name string, lo, hi int) (int, bool) {
	if !b.has(name) {
		return 0, false
	}
	var f float64
	if err := json.Unmarshal(b.raw[name], &f); err != nil || f != math.Trunc(f) {
		b.fail("/"+name, fmt.Sprintf("`%s` must be an integer.", name), "invalid_type")
		return 0, false
	}
	if f < float64(lo) || f > float64(hi) {
		b.fail("/"+name, fmt.Sprintf("`%s` must be between %d and %d.", name, lo, hi), "out_of_range")
		return 0, false
	}
	return int(f), true
}

func (b *body) boolean(name string) (bool, bool) {
	if !b.has(name) {
		return false, false
	}
	var v bool
	if err := json.Unmarshal(b.raw[name], &v); err != nil {
		b.fail("/"+name, fmt.Sprintf("`%s` must be a boolean.", name), "invalid_type")
		return false, false
	}
	return v, true
}

func (b *body) text(name string, maxLen int) (string, bool) {
	if !b.has(name) {
		return "", false
	}
	var v string
	if err := json.Unmarshal(b.raw[name], &v); err != nil {
		b.fail("/"+name, fmt.Sprintf("`%s` must be a string.", name), "invalid_type")
		return "", false
	}
	if len(v) > maxLen {
		b.fail("/"+name, fmt.Sprintf("`%s` must be at most %d characters.", name, maxLen), "out_of_range")
		return "", false
	}
	return v, true
}

// notAllowed refuses a field the frequency forbids (hostup-api.md §2: weekly sends
// dayOfWeek only, monthly dayOfMonth only, daily neither).
func (b *body) notAllowed(name, frequency string) {
	if b.has(name) {
		b.fail("/"+name, fmt.Sprintf("`%s` must not be sent when `frequency` is %s.", name, frequency), "not_allowed")
	}
}

// scheduleInput is a validated POST /backup-schedules body of either API version.
// v2 has no minute: its schedules run on the hour (minute 0), also when a v2 POST
// updates a schedule that v1 had set to another minute.
type scheduleInput struct {
	frequency         string
	hour, minute, day int
	retention         int
	enabled           bool
	name              string
	hasName           bool
}

func validateSchedule(data []byte, maxRetention int) (scheduleInput, []fieldError) {
	b := parseBody(data, false, "frequency", "hour", "dayOfWeek", "dayOfMonth", "retentionCount", "enabled", "name")
	var in scheduleInput
	if b.notJSON {
		return in, b.errs
	}
	freqOK := false
	if !b.has("frequency") {
		b.missing("frequency")
	} else if err := json.Unmarshal(b.raw["frequency"], &in.frequency); err != nil ||
		!slices.Contains([]string{hostup.FrequencyDaily, hostup.FrequencyWeekly, hostup.FrequencyMonthly}, in.frequency) {
		b.fail("/frequency", "`frequency` must be one of daily, weekly, monthly.", "invalid_value")
	} else {
		freqOK = true
	}

	var hourOK bool
	if in.hour, hourOK = b.integer("hour", 0, 23); !hourOK && !b.has("hour") {
		b.missing("hour")
	}

	if freqOK {
		switch in.frequency {
		case hostup.FrequencyWeekly:
			in.day = b.requiredDay("dayOfWeek", 0, 6)
			b.notAllowed("dayOfMonth", in.frequency)
		case hostup.FrequencyMonthly:
			in.day = b.requiredDay("dayOfMonth", 1, 31)
			b.notAllowed("dayOfWeek", in.frequency)
		default:
			b.notAllowed("dayOfWeek", in.frequency)
			b.notAllowed("dayOfMonth", in.frequency)
		}
	}

	if !b.has("retentionCount") {
		b.missing("retentionCount")
	} else if n, ok := b.integer("retentionCount", 1, math.MaxInt32); ok {
		in.retention = n
		if n > maxRetention {
			b.fail("/retentionCount",
				fmt.Sprintf("`retentionCount` may not exceed the backup limit of %d (limits.maxRetention).", maxRetention),
				"out_of_range")
		}
	}

	var enabledOK bool
	if in.enabled, enabledOK = b.boolean("enabled"); !enabledOK && !b.has("enabled") {
		b.missing("enabled")
	}
	in.name, in.hasName = b.text("name", 100)
	return in, b.errs
}

func (b *body) requiredDay(name string, lo, hi int) int {
	if !b.has(name) {
		b.missing(name)
		return 0
	}
	day, _ := b.integer(name, lo, hi)
	return day
}

// settingsInput is a validated PATCH /backup-schedules body; nil means unchanged.
type settingsInput struct {
	maxTotal   *int
	autoDelete *bool
}

func validateSettings(data []byte) (settingsInput, []fieldError) {
	b := parseBody(data, false, "maxTotalBackups", "autoDeleteOldest")
	var in settingsInput
	if n, ok := b.integer("maxTotalBackups", 1, math.MaxInt32); ok {
		in.maxTotal = &n
	}
	if v, ok := b.boolean("autoDeleteOldest"); ok {
		in.autoDelete = &v
	}
	if len(b.errs) == 0 && in.maxTotal == nil && in.autoDelete == nil {
		b.fail("", "Send at least one of `maxTotalBackups` and `autoDeleteOldest`.", "missing_required")
	}
	return in, b.errs
}

// validateBackup checks the optional POST /backups body.
func validateBackup(data []byte) (note string, errs []fieldError) {
	b := parseBody(data, true, "note")
	note, _ = b.text("note", 255)
	return note, b.errs
}
