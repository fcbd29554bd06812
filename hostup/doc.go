// Package hostup is a typed client of HostUp's VPS backup API (v2, the v1 backup
// endpoints under /api/vm/{vmid}, and the job endpoint GET /api/jobs/{jobId}). It
// knows HTTP and HostUp and nothing of MCP.
//
// What it guarantees, so that callers need not:
//
//   - Ids are validated against HostUp's id shapes and escaped before they become a
//     path segment; an invalid id returns *InvalidIDError and sends nothing.
//   - Every non-2xx answer is an *APIError, whether HostUp sent RFC 7807, a v1 error
//     body, an HTML page or nothing.
//   - 429 is retried on every method, after Retry-After; GETs also retry 502/503/504 and
//     network errors with jittered backoff. POST, PATCH and DELETE are never repeated
//     after a failure HostUp may have acted on: their error wraps ErrOutcomeUnknown, and
//     the caller reads the state again.
//   - The API key appears in the Authorization header and nowhere else: not in errors,
//     logs, or the fmt and slog forms of Client and Options.
//   - Where HostUp's documentation leaves a response shape open, every plausible shape is
//     accepted, and a 2xx is never turned into an error because its body was unexpected.
//
// # The v1 API (numeric vmids)
//
// Users who know a server by its numeric vmid are served by the v1 endpoints:
// GetVMBackupSchedules, UpsertVMBackupSchedule, ListVMBackups and DeleteVMBackup.
// "VM" in a name marks the v1 form, as v1 itself says vm and vmid. Decisions:
//
//   - Same request path as v2 (retries, ErrOutcomeUnknown, error decoding, key
//     redaction, logging); only the header differs: X-API-Key on /api/vm/…, as every
//     v1 page shows, and Authorization: Bearer on v2. GetJob sends X-API-Key first
//     (the jobs page is a v1 page) and Bearer after a 401 (the path is also v2's
//     pollUrl), and remembers which one worked so that a poll loop pays the 401
//     once; the same endpoint serves v1 job ids (backup-17910-…), which KindJob
//     accepts.
//   - One helper unwraps v1's {success, timestamp, requestId, data}; the envelope's
//     fields land in each result's Meta. A body without the envelope is taken as bare
//     data. An explicit "success": false (at the top or in data) on a 2xx is an
//     *APIError; on POST and DELETE it also wraps ErrOutcomeUnknown, because HostUp
//     answered 2xx and whether anything was applied is unclear.
//   - v1 error bodies {error, message, code, details[{field, message, code}],
//     retryAfter} decode into the same *APIError as RFC 7807 (errors.go): details[]
//     become FieldErrors with the field name as Pointer, retryAfter (an ISO
//     timestamp) becomes RetryAfter when no Retry-After header is sent, and v1's
//     upper-case codes are kept as given.
//   - A vmid is a string validated as KindVMID: digits, no leading zero, 1 to MaxVMID
//     (2^53-1, exact in JavaScript and float64). A volid (KindVolid) is storage:path,
//     refused with a "." or ".." segment, and escaped into one path segment ("/" and
//     ":" included): HostUp's example sends it raw, which no router can tell apart
//     from more path.
//   - Models use the seed's exact snake_case names (seeds/000_… is right where other
//     documents differ). Fields whose JSON type differs between captures (ids,
//     day_of_week, day_of_month, sizes) are ExactInt: number or string in, the text
//     kept verbatim, a string out. Sizes never pass through a float, so a size above
//     2^53 stays exact end to end. Limits reuse ScheduleLimits, whose camelCase v1
//     shares. The seed's "_truncated" history item is a documentation artifact and
//     is not in testdata.
//   - Minute-level times: VMSchedule.Hour and Minute are UTC; Time() formats them.
//   - v1 has no action gates: callers derive refusals from Settings and Limits
//     (available_scheduled_slots, max_total_backups, maxRetention, maxSchedules).
//   - No v1 schedule DELETE, backup create or settings update: HostUp documents none;
//     use the v2 endpoints for those.
package hostup
