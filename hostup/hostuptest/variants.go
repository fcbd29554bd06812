package hostuptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Variants make the simulator give answers HostUp's documentation allows but the
// default simulator does not give: where shared/hostup-api.md marks a point
// UNKNOWN or inferred, or §10 reads an example one way, the real HostUp may
// answer otherwise, and the product must still do the right thing.
// Every switch names the hostup-api.md line it plays. The zero value is the
// default simulator.
type Variants struct {
	// ScheduleExistsCode gives canCreate's closure while a schedule exists this
	// code. §0, gate object: "code | string|null, opt | … The only documented
	// example is pending_order"; §10: "While a schedule exists, actions.canCreate
	// is closed with the reason …" (the seed's example has no code).
	ScheduleExistsCode string
	// ScheduleExistsReason words that closure otherwise, e.g. "Only one backup
	// schedule is allowed per VPS." or in Swedish. §10 quotes one example's
	// wording; nothing says it is fixed.
	ScheduleExistsReason string
	// ScheduleTime writes schedules[].time as "seconds" ("02:00:00") or "null".
	// §2: "schedules[].time | string|null, req | "HH:MM", e.g. 02:00".
	ScheduleTime string
	// NullDaySpecifier writes schedules[].daySpecifier as null for every schedule.
	// §2: "schedules[].daySpecifier | string|null, req | … (inferred)".
	NullDaySpecifier bool
	// DisabledScheduleFirst lists a disabled schedule of another frequency before
	// the VPS's active one. §2: "Only one schedule can be active per VPS", which
	// does not say only one is listed.
	DisabledScheduleFirst bool
	// ScheduleStatus writes schedules[].status as this word, or as null for
	// "null". Seed 003: "schedules[].status (string,null, required) Example:
	// null. Allowed values: completed, running, queued, failed, cancelled,
	// unknown, ".
	ScheduleStatus string
	// HistoryOldestFirst lists history[] oldest first. Seed 003 says "recent
	// schedule history" and states no order (v1's page says most recent first).
	HistoryOldestFirst bool
	// NoScheduleCannotDelete closes actions.canDelete with "There is no
	// schedule to delete." while the VPS has no schedule. Seed 003:
	// "actions.canDelete (object, required)", a gate that, as the backups
	// page says of its own, includes the state's checks (the simulator closes
	// canRestore with "There is no backup to restore." the same way).
	NoScheduleCannotDelete bool
	// NullSettings writes settings as null. Seed 003: "settings (object,
	// required) Example: null".
	NullSettings bool
	// NoMaxRetention leaves limits.maxRetention out. §10: "limits.maxRetention
	// equals the total backup limit" is a reading of one example.
	NoMaxRetention bool
	// NullCreatedAt writes the newest backup's createdAt as null. §3:
	// "backups[].createdAt | string|null, req".
	NullCreatedAt bool
	// ListKey puts the VPS list under this member instead of data. §0: "List
	// envelope: {data: [...], hasMore, nextCursor} … That it applies to /vps is
	// (inferred)."
	ListKey string
	// NoHasMore leaves hasMore out of VPS list pages and keeps nextCursor (null
	// on the last page). Same line of §0.
	NoHasMore bool
	// PagingMember puts the VPS list's hasMore and nextCursor under this
	// member ("pagination", "meta" or "links") instead of at the top. Same
	// line of §0: the envelope is inferred from another endpoint.
	PagingMember string
	// NoPagingSignal leaves hasMore and nextCursor out of every VPS list page:
	// nothing says whether another page follows. Same line of §0.
	NoPagingSignal bool
	// WrappedVPS answers GET /api/v2/vps/{id} with {data: {…}}, as the list
	// serves its items. §0: "Success body | The resource JSON itself, with no
	// envelope"; §1: the list's data[] is "the same canonical item shape as
	// GET /api/v2/vps/{id}".
	WrappedVPS bool
	// SnapshotScheduleNames writes the v2 snapshot schedule's enabled as active
	// and intervalHours as everyHours. §4, GET snapshot-schedules: "schedule |
	// object|null, req | … Inner fields UNKNOWN".
	SnapshotScheduleNames bool
	// V1RefusalsSucceed answers a refused v1 change (a POST or DELETE under
	// /api/vm/) with 200 and data {success: false, message} instead of its
	// 4xx. §0: v1's success body is {success: true, …, data} and "data often
	// has its own success and message".
	V1RefusalsSucceed bool
	// JobsNotFoundPolls answers the first this many polls of an unfinished job
	// with 404, as a queue that has not registered the job yet would. §0: the
	// 202's operation says "Poll pollUrl (§6)"; §6: "Polling interval and rate
	// guidance: none found".
	JobsNotFoundPolls int
	// FailedJobsSayCompleted answers a failed backup job with state and status
	// completed, isCompleted true and result.success false. §6: "state | raw
	// state. Values not enumerated" and "result | {success, type, …}".
	FailedJobsSayCompleted bool
	// V1FailureStatus is the v1 history status of a failed backup instead of
	// "failed". §5: "status | enum | active|deleted|pending. The page notes that
	// other values may indicate failures."
	V1FailureStatus string
	// RateLimitHints is "none", "reset-only" or "retry-after-only": which of
	// Retry-After and X-RateLimit-Reset a 429 carries. §7: "Prefer Retry-After,
	// and fall back to X-RateLimit-Reset" (neither is promised on every 429).
	RateLimitHints string
	// JobsAuth is "api-key" or "bearer": the one header GET /api/jobs/{id}
	// accepts. §6: "Documented under the v1 domain-services pages, with the
	// X-API-Key header"; §0: v2 takes Bearer and its pollUrl points there.
	JobsAuth string
	// IDSeparators makes new ids carry "-" and "_" after their prefix
	// (vps_sim-000001_a). §0: "Opaque public IDs".
	IDSeparators bool
	// LimitBelowUsageAccepted lets a PATCH set maxTotalBackups below the backups
	// stored with autoDeleteOldest off, keeping them. §2, PATCH: the page names
	// no such refusal (backup_limit_below_usage is the simulator's own, doc.go).
	LimitBelowUsageAccepted bool
	// KeepsScheduleTime answers a POST that updates a schedule as usual (200)
	// but keeps the schedule's stored time. §2: "Success status code: UNKNOWN"
	// and "Response body: UNKNOWN": a 2xx says nothing of what HostUp made of
	// the request.
	KeepsScheduleTime bool
	// QueuedScheduleWrites answers POST and DELETE of a backup schedule 202
	// with the operation envelope, and makes the change when its job ends. §2:
	// the POST's status UNKNOWN, the DELETE's "probably 204 (inferred)"; §0:
	// v2's actions answer 202 with that envelope.
	QueuedScheduleWrites bool
	// SecondEnabledSchedule lists, first, a second enabled schedule of the
	// VPS's schedule's frequency, which a POST never updates. §2: "Only one
	// schedule can be active per VPS" and "the old one is replaced or
	// deactivated (inferred)" do not say what HostUp lists.
	SecondEnabledSchedule bool
	// FractionalIntegers writes every whole number of a successful answer, v2's
	// and v1's, with a fraction: retentionCount 3.0, v1 id 2464.0. Seed 003:
	// "schedules[].retentionCount (integer, required)", seed 000: "data.
	// schedules[].hour integer"; JSON Schema's integer allows 3.0, and PHP,
	// which serves HostUp's v1, writes it.
	FractionalIntegers bool
}

// SetVariants switches the simulator to v. Ids are made when VPSes, schedules
// and backups are added, so set IDSeparators before adding them.
func (s *Simulator) SetVariants(v Variants) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.variants = v
}

// scheduleExistsGate is canCreate's closure while a schedule exists.
func (s *Simulator) scheduleExistsGate() (reason, code string) {
	return orDefaultString(s.variants.ScheduleExistsReason, reasonScheduleExists), s.variants.ScheduleExistsCode
}

// reshapeSchedules rewrites a v2 schedules body of v as the variants say; callers
// hold s.mu.
func (s *Simulator) reshapeSchedules(v *vps, body any) any {
	vr := s.variants
	if vr.ScheduleTime == "" && !vr.NullDaySpecifier && !vr.DisabledScheduleFirst && !vr.NullSettings && !vr.NoMaxRetention &&
		vr.ScheduleStatus == "" && !vr.HistoryOldestFirst && !vr.SecondEnabledSchedule {
		return body
	}
	m := asMap(body)
	schedules, _ := m["schedules"].([]any)
	for _, raw := range schedules {
		vr.reshapeSchedule(raw.(map[string]any))
	}
	s.listOtherSchedules(v, m, schedules)
	if history, _ := m["history"].([]any); vr.HistoryOldestFirst {
		slices.Reverse(history)
	}
	if vr.NullSettings {
		m["settings"] = nil
	}
	if vr.NoMaxRetention {
		if limits, ok := m["limits"].(map[string]any); ok {
			delete(limits, "maxRetention")
		}
	}
	return m
}

// reshapeSchedule writes one listed schedule's status, time and day as the
// variants say.
func (vr Variants) reshapeSchedule(sc map[string]any) {
	switch vr.ScheduleStatus {
	case "":
	case "null":
		sc["status"] = nil
	default:
		sc["status"] = vr.ScheduleStatus
	}
	switch vr.ScheduleTime {
	case "seconds":
		if t, ok := sc["time"].(string); ok {
			sc["time"] = t + ":00"
		}
	case "null":
		sc["time"] = nil
	}
	if vr.NullDaySpecifier {
		sc["daySpecifier"] = nil
	}
}

// listOtherSchedules puts in front of v's listed schedules the ones the
// variants add: a disabled one of another frequency, a second enabled one of
// the same; callers hold s.mu.
func (s *Simulator) listOtherSchedules(v *vps, m map[string]any, schedules []any) {
	vr := s.variants
	if vr.DisabledScheduleFirst && len(schedules) > 0 {
		active := schedules[0].(map[string]any)
		other := "monthly"
		if active["frequency"] == other {
			other = "daily"
		}
		old := map[string]any{
			"id": s.variantID("bks", "retired"), "name": "Old " + other + " backup", "frequency": other,
			"time": "05:00", "daySpecifier": nil, "retentionCount": 1, "enabled": false,
			"lastRun": nil, "nextRun": nil, "status": nil,
		}
		if other == "monthly" {
			old["daySpecifier"] = "1"
		}
		m["schedules"] = append([]any{old}, schedules...)
	}
	if vr.SecondEnabledSchedule && len(schedules) > 0 && !v.twinDeleted {
		if real := schedules[len(schedules)-1].(map[string]any); real["enabled"] == true {
			twin := map[string]any{
				"id": s.variantID("bks", "twin"), "name": "Twin backup", "frequency": real["frequency"],
				"time": "04:00", "daySpecifier": real["daySpecifier"], "retentionCount": 2, "enabled": true,
				"lastRun": nil, "nextRun": nil, "status": nil,
			}
			m["schedules"] = append([]any{twin}, m["schedules"].([]any)...)
		}
	}
}

// deleteTwin deletes the second schedule SecondEnabledSchedule lists, when id
// names it: HostUp deletes what it lists.
func (s *Simulator) deleteTwin(v *vps, id string) bool {
	if !s.variants.SecondEnabledSchedule || v.twinDeleted || v.schedule == nil || id != s.variantID("bks", "twin") {
		return false
	}
	v.twinDeleted = true
	return true
}

// reshapeSnapshotSchedules renames the v2 snapshot schedule's fields when asked.
func (s *Simulator) reshapeSnapshotSchedules(body any) any {
	if !s.variants.SnapshotScheduleNames {
		return body
	}
	m := asMap(body)
	if sc, ok := m["schedule"].(map[string]any); ok {
		sc["active"], sc["everyHours"] = sc["enabled"], sc["intervalHours"]
		delete(sc, "enabled")
		delete(sc, "intervalHours")
	}
	return m
}

// v1Refusal rewrites a refused v1 change as a 200 whose data says success:
// false, when asked.
func (s *Simulator) v1Refusal(r *http.Request, resp response) response {
	p, ok := resp.body.(*problemBody)
	if !s.variants.V1RefusalsSucceed || !ok || !isV1Path(r.URL.Path) || r.Method == http.MethodGet || resp.status < 400 || resp.status >= 500 {
		return resp
	}
	return v1OK(map[string]any{"success": false, "message": p.Detail})
}

// variantID is a fixed id of kind prefix in the simulator's id style.
func (s *Simulator) variantID(prefix, name string) string {
	if s.variants.IDSeparators {
		return fmt.Sprintf("%s_sim-%s_x", prefix, name)
	}
	return fmt.Sprintf("%s_sim%s", prefix, name)
}

// reshapeBackups writes the newest backup's createdAt as null when asked.
func (s *Simulator) reshapeBackups(body any) any {
	if !s.variants.NullCreatedAt {
		return body
	}
	m := asMap(body)
	if backups, _ := m["backups"].([]any); len(backups) > 0 {
		backups[0].(map[string]any)["createdAt"] = nil // the list is newest first
	}
	return m
}

// reshapeVPSPage writes the VPS list page under ListKey, without hasMore, with
// the paging members under PagingMember, or without them.
func (s *Simulator) reshapeVPSPage(body any) any {
	vr := s.variants
	if vr.ListKey == "" && !vr.NoHasMore && vr.PagingMember == "" && !vr.NoPagingSignal {
		return body
	}
	m := asMap(body)
	if vr.ListKey != "" {
		m[vr.ListKey] = m["data"]
		delete(m, "data")
	}
	if vr.NoHasMore {
		delete(m, "hasMore")
	}
	if vr.PagingMember != "" {
		paging := map[string]any{}
		for _, k := range []string{"hasMore", "nextCursor"} {
			if v, ok := m[k]; ok {
				paging[k] = v
				delete(m, k)
			}
		}
		m[vr.PagingMember] = paging
	}
	if vr.NoPagingSignal {
		delete(m, "hasMore")
		delete(m, "nextCursor")
	}
	return m
}

// asMap turns a response body into generic JSON, for the variants to edit.
func asMap(body any) map[string]any {
	data, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		panic(err)
	}
	return m
}

// fractionalIntegers rewrites every whole number of a JSON body as a fraction
// (3 as 3.0), strings untouched.
func fractionalIntegers(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return body
	}
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case json.Number:
			if !strings.ContainsAny(string(v), ".eE") {
				return json.Number(string(v) + ".0")
			}
		case map[string]any:
			for k, e := range v {
				v[k] = walk(e)
			}
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		}
		return v
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		return body
	}
	return out
}
