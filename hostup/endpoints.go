package hostup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const (
	defaultPageSize = 100
	maxPageSize     = 100
	defaultMaxItems = 1000
)

// ListVPSParams filter and bound ListVPS.
type ListVPSParams struct {
	Name      string // exact display name, case-insensitive
	PrimaryIP string // exact primary IP: how an IP becomes a vps_ id
	PageSize  int    // 1-100; 0 or out of range means 100
	MaxItems  int    // stop after this many; 0 means 1000
}

// VPSList is the account's VPSes. Truncated is set when more existed than MaxItems or
// when HostUp's cursors could not be followed to the end. CompletenessUnknown is
// set when the last page read was full and said nothing of a next one (no
// hasMore, no nextCursor, at its top or under pagination, meta or links): the
// VPSes listed are HostUp's, but whether they are all of them is not known.
type VPSList struct {
	VPS                 []VPS
	Truncated           bool
	CompletenessUnknown bool
}

// ListVPS calls GET /api/v2/vps, following nextCursor across pages.
func (c *Client) ListVPS(ctx context.Context, p ListVPSParams) (*VPSList, error) {
	pageSize := p.PageSize
	if pageSize <= 0 || pageSize > maxPageSize {
		pageSize = defaultPageSize
	}
	maxItems := p.MaxItems
	if maxItems <= 0 {
		maxItems = defaultMaxItems
	}
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	if p.Name != "" {
		q.Set("name", p.Name)
	}
	if p.PrimaryIP != "" {
		q.Set("primaryIp", p.PrimaryIP)
	}
	// HostUp may serve fewer items a page than limit asks, so the number of pages
	// is not bounded by pageSize. The loop ends anyway: every page it goes on
	// from added at least one VPS not seen before (an empty page, or one that
	// only repeats VPSes, stops it), so maxItems pages at most reach maxItems;
	// and a cursor is followed once.
	list := &VPSList{VPS: []VPS{}}
	seen := map[string]bool{}
	listed := map[string]bool{}
	for pages := 1; ; pages++ {
		body, err := c.do(ctx, http.MethodGet, vpsListPath, q, nil)
		if err != nil {
			return nil, err
		}
		page, err := decodeVPSPage(body, c.keyFor(ctx).value())
		if err != nil {
			return nil, err
		}
		added := list.add(page.Data, listed)
		next := page.next()
		if list.endsWith(page, pageSize, maxItems) {
			return list, nil
		}
		if next == "" || seen[next] || added == 0 {
			// A missing or repeated cursor, or a page that claims more but
			// brought no VPS not seen before, would loop on; what we have is
			// still true.
			c.log.WarnContext(ctx, "hostup: stopped following VPS list cursors", "pages", pages, "repeated", seen[next], "nothing_new", added == 0)
			list.Truncated = true
			return list, nil
		}
		seen[next] = true
		q.Set("cursor", next)
	}
}

// add appends the VPSes not listed before, and says how many it added.
func (l *VPSList) add(vpses []VPS, listed map[string]bool) int {
	added := 0
	for _, v := range vpses {
		if v.ID != "" && listed[v.ID] {
			continue // a VPS listed twice is one VPS
		}
		listed[v.ID] = true
		l.VPS = append(l.VPS, v)
		added++
	}
	return added
}

// endsWith says whether page, just added, ends the list: past maxItems (the
// list is cut there), the last page, or maxItems reached exactly.
func (l *VPSList) endsWith(page vpsPage, pageSize, maxItems int) bool {
	switch {
	case len(l.VPS) > maxItems:
		l.VPS, l.Truncated = l.VPS[:maxItems], true
	case !page.more():
		// A full page that says nothing of a next one may be the last or
		// not: the list is what HostUp gave, its completeness unknown.
		l.CompletenessUnknown = page.silent() && len(page.Data) >= pageSize
	case len(l.VPS) == maxItems:
		l.Truncated = true
	default:
		return false
	}
	return true
}

// decodeVPSPage reads one page of the VPS list. The envelope {data, hasMore,
// nextCursor} is inferred from another endpoint (hostup-api.md §0), so the items
// are taken from data, else from the one member that holds a list, else from a
// bare list; a page in which no list can be found is an error, never "no VPS".
// key is redacted from what the error quotes.
func decodeVPSPage(body []byte, key string) (vpsPage, error) {
	const path = vpsListPath
	var page vpsPage
	var bare []VPS
	if json.Unmarshal(body, &bare) == nil && bare != nil {
		page.Data = bare
		return page, nil
	}
	top := object(body)
	if top == nil {
		e := newDecodeError(http.MethodGet, path, body, errors.New("the VPS list is neither a JSON object nor a list"), "", key)
		e.Want = "an object holding the list of VPSes"
		return page, e
	}
	name := "data"
	items, ok := top[name]
	if !ok {
		var lists []string
		for member, raw := range top {
			if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
				lists = append(lists, member)
			}
		}
		if len(lists) != 1 {
			e := newDecodeError(http.MethodGet, path, body, fmt.Errorf("the VPS list has no data member and %d members holding a list", len(lists)), "", key)
			e.Value = cutValue("{"+strings.Join(slices.Sorted(maps.Keys(top)), ", ")+"}", key)
			e.Want = "an object with the list of VPSes under data"
			return page, e
		}
		name = lists[0]
		items = top[name]
	}
	if err := json.Unmarshal(items, &page.Data); err != nil {
		return page, newDecodeError(http.MethodGet, path, items, err, name, key)
	}
	if page.Data == nil && string(bytes.TrimSpace(items)) != "[]" {
		e := newDecodeError(http.MethodGet, path, items, errors.New("the VPS list's data is not a list"), name, key)
		e.Want = "a list"
		return page, e
	}
	page.readPaging(top)
	return page, nil
}

// pagingMembers are where a page may say whether another follows: at the top,
// as the envelope HostUp's docs infer, or in a member of its own, as many APIs
// put it. The first that names a signal gives it.
var pagingMembers = []string{"pagination", "meta", "links"}

// readPaging reads hasMore and nextCursor, in camelCase or snake_case, at the
// top of the page or under one of pagingMembers.
func (p *vpsPage) readPaging(top map[string]json.RawMessage) {
	places := []map[string]json.RawMessage{top}
	for _, m := range pagingMembers {
		if obj := object(top[m]); obj != nil {
			places = append(places, obj)
		}
	}
	for _, obj := range places {
		for _, name := range []string{"hasMore", "has_more"} {
			if raw, ok := obj[name]; ok && string(raw) != "null" && !p.hasMoreGiven {
				p.hasMoreGiven = json.Unmarshal(raw, &p.HasMore) == nil
			}
		}
		for _, name := range []string{"nextCursor", "next_cursor"} {
			if raw, ok := obj[name]; ok && !p.cursorGiven {
				p.cursorGiven, p.NextCursor = true, optionalText(raw)
			}
		}
	}
}

// vpsPage is VPSPage plus whether HostUp said hasMore and nextCursor at all.
type vpsPage struct {
	VPSPage
	hasMoreGiven, cursorGiven bool
}

func (p vpsPage) next() string {
	if p.NextCursor == nil {
		return ""
	}
	return *p.NextCursor
}

// more says whether another page follows. hasMore decides when HostUp gave
// it; without it a cursor is the only sign of another page, and stopping
// there would hide VPSes.
func (p vpsPage) more() bool { return p.HasMore || (!p.hasMoreGiven && p.next() != "") }

// silent reports whether the page gave no sign at all of whether another
// follows: neither hasMore nor nextCursor, not even as null.
func (p vpsPage) silent() bool { return !p.hasMoreGiven && !p.cursorGiven }

// GetVPS calls GET /api/v2/vps/{id}. HostUp documents the VPS itself as the
// body; the list serves the same items under data, and one VPS wrapped so is
// read too. The VPS's id is the one asked for: an answer that names another
// is a DecodeError, never that VPS's name under this id.
func (c *Client) GetVPS(ctx context.Context, vpsID string) (*VPS, error) {
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return nil, err
	}
	path := VPSPath(id)
	body, err := c.do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	raw, prefix := json.RawMessage(body), ""
	if top := object(body); top != nil && top["id"] == nil && object(top["data"]) != nil {
		raw, prefix = top["data"], "data"
	}
	var v VPS
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, newDecodeError(http.MethodGet, path, raw, err, prefix, c.keyFor(ctx).value())
	}
	if v.ID != "" && v.ID != vpsID {
		return nil, &DecodeError{Method: http.MethodGet, Path: path, Field: strings.Trim(prefix+".id", "."), Value: cutValue(v.ID, c.keyFor(ctx).value()),
			Want: "the id asked for, " + vpsID, Err: errors.New("the answer describes another VPS")}
	}
	v.ID = vpsID
	return &v, nil
}

// GetBackupSchedules calls GET /api/v2/vps/{id}/backup-schedules: schedules, settings,
// history, limits and gates in one read.
func (c *Client) GetBackupSchedules(ctx context.Context, vpsID string) (*BackupSchedules, error) {
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return nil, err
	}
	// Decoded straight into the wire form: through BackupSchedules'
	// UnmarshalJSON, encoding/json would check the whole body once more.
	// The wire form reads itself (decodeFast) when it can.
	var w backupSchedulesWire
	if err := c.getJSON(ctx, BackupSchedulesPath(id), nil, &w); err != nil {
		return nil, err
	}
	s := w.schedules()
	return &s, nil
}

// UpsertBackupSchedule calls POST /api/v2/vps/{id}/backup-schedules, which creates a
// schedule or updates the one with the same frequency. HostUp documents neither the
// status nor the body (hostup-api.md §2), so the answer says only what HostUp
// accepted; callers read the schedules back to know what it made of it.
func (c *Client) UpsertBackupSchedule(ctx context.Context, vpsID string, req ScheduleRequest) (Answer, error) {
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return Answer{}, err
	}
	a, _, err := c.write(ctx, http.MethodPost, BackupSchedulesPath(id), req)
	return a, err
}

// UpdateBackupSettings calls PATCH /api/v2/vps/{id}/backup-schedules. Its answer's
// settings are not trusted: callers read the settings back.
func (c *Client) UpdateBackupSettings(ctx context.Context, vpsID string, req SettingsRequest) (Answer, error) {
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return Answer{}, err
	}
	if req.MaxTotalBackups == nil && req.AutoDeleteOldest == nil {
		return Answer{}, errors.New("hostup: a settings update must set maxTotalBackups, autoDeleteOldest or both")
	}
	a, _, err := c.write(ctx, http.MethodPatch, BackupSchedulesPath(id), req)
	return a, err
}

// DeleteBackupSchedule calls DELETE /api/v2/vps/{id}/backup-schedules/{scheduleId}.
func (c *Client) DeleteBackupSchedule(ctx context.Context, vpsID, scheduleID string) (Answer, error) {
	sid, err := segment(KindSchedule, scheduleID)
	if err != nil {
		return Answer{}, err
	}
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return Answer{}, err
	}
	a, _, err := c.write(ctx, http.MethodDelete, BackupSchedulePath(id, sid), nil)
	return a, err
}

// ListBackups calls GET /api/v2/vps/{id}/backups: backups, quota and gates.
func (c *Client) ListBackups(ctx context.Context, vpsID string) (*Backups, error) {
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return nil, err
	}
	var b Backups
	if err := c.getJSON(ctx, BackupsPath(id), nil, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// CreateBackup calls POST /api/v2/vps/{id}/backups. HostUp marks the 202 body's
// operation optional, so the answer's job may be nil on success.
func (c *Client) CreateBackup(ctx context.Context, vpsID string, req CreateBackupRequest) (Answer, error) {
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return Answer{}, err
	}
	// The body is optional; without a note none is sent, as HostUp's page allows.
	var body any
	if req.Note != nil {
		body = req
	}
	a, _, err := c.write(ctx, http.MethodPost, BackupsPath(id), body)
	return a, err
}

// decodeOperation accepts the documented {operation:{…}} and a bare operation.
func decodeOperation(body []byte) *Operation {
	var env OperationEnvelope
	if json.Unmarshal(body, &env) == nil && env.Operation != nil && env.Operation.JobID != "" {
		return env.Operation
	}
	var bare Operation
	if json.Unmarshal(body, &bare) == nil && bare.JobID != "" {
		return &bare
	}
	return nil
}

// DeleteBackup calls DELETE /api/v2/vps/{id}/backups/{backupId}.
func (c *Client) DeleteBackup(ctx context.Context, vpsID, backupID string) (Answer, error) {
	bid, err := segment(KindBackup, backupID)
	if err != nil {
		return Answer{}, err
	}
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return Answer{}, err
	}
	a, _, err := c.write(ctx, http.MethodDelete, BackupPath(id, bid), nil)
	return a, err
}

// GetJob calls GET /api/jobs/{jobId} (the operation's pollUrl) and normalizes whichever
// job shape HostUp returns.
func (c *Client) GetJob(ctx context.Context, jobID string) (*Job, error) {
	id, err := segment(KindJob, jobID)
	if err != nil {
		return nil, err
	}
	path := jobPath(id)
	// The jobs page is a v1 page and shows X-API-Key; the v2 operation's pollUrl
	// points to the same path, and v2 takes Bearer. Which one HostUp wants there
	// is not documented, so the documented header goes first and Bearer follows
	// only when HostUp answers 401: the key that just created the backup is good.
	// The header that worked is remembered, so a poll loop pays the 401 once.
	first, other := authAPIKey, authBearer
	if c.jobsWantBearer.Load() {
		first, other = authBearer, authAPIKey
	}
	resp, err := c.send(ctx, first, http.MethodGet, path, nil, nil)
	if hasStatus(err, http.StatusUnauthorized) {
		var otherErr error
		if resp, otherErr = c.send(ctx, other, http.MethodGet, path, nil, nil); otherErr != nil {
			if hasStatus(otherErr, http.StatusUnauthorized) {
				apiKeyErr, bearerErr := err, otherErr
				if first == authBearer {
					apiKeyErr, bearerErr = otherErr, err
				}
				return nil, &JobAuthError{Path: path, APIKey: apiKeyErr, Bearer: bearerErr}
			}
			return nil, otherErr
		}
		c.jobsWantBearer.Store(other == authBearer)
		err = nil
	}
	if err != nil {
		return nil, err
	}
	job, err := decodeJob(resp.body)
	if err != nil {
		e := newDecodeError(http.MethodGet, path, resp.body, err, "", c.keyFor(ctx).value())
		e.Want = "a JSON object"
		return nil, e
	}
	if job.ID == "" {
		job.ID = jobID
	}
	return job, nil
}

func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	body, err := c.do(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return err
	}
	if f, ok := out.(fastDecoder); ok && f.decodeFast(body) {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return newDecodeError(http.MethodGet, path, body, err, "", c.keyFor(ctx).value())
	}
	return nil
}

// fastDecoder is an answer type that reads itself, as encoding/json would,
// when it can (schedules_decode.go); when it cannot, it is left zero.
type fastDecoder interface{ decodeFast(body []byte) bool }
