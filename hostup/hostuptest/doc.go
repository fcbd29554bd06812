// Package hostuptest is an in-memory simulator of the HostUp API's VPS backup
// endpoints, in the spirit of net/http/httptest: tests and the --sandbox mode
// run against it instead of cloud.hostup.se.
//
//	sim := hostuptest.Sandbox()
//	srv := sim.Start()
//	defer srv.Close()
//	// point a client at srv.URL with key hostuptest.SandboxAPIKey
//	...
//	if len(sim.Mutations()) != 0 { t.Fatal("a refused change still reached HostUp") }
//
// # Reproduced (shared/hostup-api.md)
//
//   - Routes: GET /api/v2/vps (limit 1–100, opaque cursor, name exact and
//     case-insensitive, primaryIp; {data, hasMore, nextCursor}),
//     GET /api/v2/vps/{id}, GET/POST/PATCH /api/v2/vps/{id}/backup-schedules,
//     DELETE …/backup-schedules/{scheduleId} (204), GET/POST
//     /api/v2/vps/{id}/backups (POST: 202 operation envelope), DELETE
//     …/backups/{backupId} (204), GET /api/jobs/{jobId} (v1 envelope).
//   - Auth with Authorization: Bearer; scopes read:vm (GETs), write:vm
//     (schedule changes) and backup:vm (backup create and delete); 401
//     unauthorized, 403 forbidden, 404 vps_not_found for another account's VPS,
//     404 not_found for unknown schedules, backups, jobs and paths, 405 for a
//     known path with another method.
//   - Errors are RFC 7807 (application/problem+json) with code, instance,
//     requestId req_… and timestamp; 400 invalid_request lists errors[] with
//     pointer, detail and code; 400 invalid_cursor.
//   - One schedule per VPS. POST with the existing schedule's frequency updates it
//     (200); a first schedule is created with 201. actions.canCreate is closed
//     with HostUp's reason while a schedule exists.
//   - Schedule body rules: frequency enum, hour 0–23, dayOfWeek 0–6 required for
//     weekly only, dayOfMonth 1–31 required for monthly only, daily takes neither,
//     retentionCount ≥ 1 and ≤ limits.maxRetention, enabled required, unknown
//     fields refused.
//   - Settings and limits as in §10: maxRetention = totalBackupLimit,
//     availableScheduledSlots = total − manual − scheduled (never below 0),
//     maxSchedules 1. Schedule times are UTC; nextRun follows the clock; lastRun
//     and status come from the newest scheduled run in the history, which is
//     listed newest first (at most 50 entries).
//   - Gates: overrides set with VPSSpec.ClosedGates or SetGate win; otherwise they
//     follow the state (schedule exists, quota full without autoDeleteOldest, a
//     backup job in flight, nothing to restore). A mutation behind a closed gate
//     is refused with 409 and changes nothing: a pending_order gate answers
//     pending_orders, as HostUp's error catalogue names it.
//   - Backup jobs: queued, then in_progress with rising progress, then completed
//     (the backup appears, and with autoDeleteOldest the oldest goes) or failed
//     (VPSSpec.FailBackups, SetFailBackups), over simulated time (WithClock,
//     ManualClock, Advance, WithJobTiming).
//   - 429 rate_limit_exceeded with Retry-After and X-RateLimit-Limit, -Remaining
//     and -Reset (ISO), and injected faults (Fault): latency, any status, raw
//     bodies such as HTML pages or malformed JSON, dropped connections.
//
// # Simulator choices where HostUp's documentation is silent
//
//   - POST with another frequency while a schedule exists: 409
//     backup_schedule_exists (HostUp documents neither replacement nor refusal;
//     refusing is the reading that can never lose a schedule).
//   - The POST schedule response is {"schedule": {…}}.
//   - Codes backup_quota_full, backup_in_progress (gates and their 409s) and
//     backup_limit_below_usage (PATCH lowering the limit below the stored backups
//     with autoDeleteOldest off); other closed gates answer vps_not_ready.
//   - GET /api/jobs/{jobId} answers the v1 shape with state waiting, active,
//     completed or failed, plus failedReason.
//   - DELETE of a backup is not gated; actions.canRestoreFromAnotherVps is omitted.
//
// # Not reproduced
//
// v1 endpoints, the X-API-Key header, snapshots, restores, /details and /status,
// the include parameter, schedules actually running as time passes (history only
// grows with manual backups), a purchased-capacity ceiling on maxTotalBackups,
// per-key rate limits, and any check of serviceStatus or powerState.
package hostuptest
