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
//     and -Reset (ISO), under a fixed one-second window (SetRateLimit) or a token
//     bucket (SetTokenBucket), and injected faults (Fault): latency, any status,
//     raw bodies such as HTML pages or malformed JSON, dropped connections.
//
// # Variants: the other answers HostUp's documentation allows
//
// SetVariants switches the simulator to answers the docs leave open, one switch
// per point, each naming the hostup-api.md line it plays: the schedule-exists
// gate with a code or other wording (English or Swedish), times "HH:MM:SS" or
// null, a null daySpecifier, a schedule status null or "unknown", history
// oldest first, canDelete closed while there is no schedule, a disabled
// schedule listed first, settings null,
// no limits.maxRetention, a null createdAt, the VPS list under another member,
// without hasMore, with its paging under pagination, meta or links, or with no
// paging at all, one VPS wrapped in data, the snapshot schedule's fields under
// other names, failed jobs that say completed with result.success false, v1
// failure words other than "failed", 429s without Retry-After or
// X-RateLimit-Reset, GET /api/jobs taking one header only or answering 404
// to the first polls of a new job, ids with "-" and "_",
// a PATCH below the stored backups accepted, whole numbers written as
// fractions (3.0), and v1 refusals answered 200 with data.success false. The zero Variants is the default described here.
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
// # The v1 routes (numeric vmids)
//
// GET and POST /api/vm/{vmid}/backup-schedules, GET /api/vm/{vmid}/backups and
// DELETE /api/vm/{vmid}/backups/{volid} serve the same state as v2: every VPS has a
// vmid (VPSSpec.VMID, else assigned from 10000 up in the order VPSes are added; the
// sandbox's are 10000-10005 for vps_sandbox01-06; Simulator.VMID looks one up), and a
// schedule, backup or run created through one API is seen, changed and deleted
// through the other.
//
//   - Auth: v1 routes read the key from X-API-Key only (a client sending Bearer to a
//     v1 path is caught); GET /api/jobs takes either header, since v1 pages show
//     X-API-Key and v2's pollUrl points there; v2 routes take Bearer only. Same keys,
//     accounts and scopes as v2 (v1's scopes are undocumented, so v2's apply).
//   - Success bodies use the v1 envelope {success, timestamp, requestId (a UUID),
//     data}. Errors on /api/vm/… are v1 bodies {error (status title), message, code
//     (upper case; invalid_request becomes VALIDATION_ERROR), timestamp, requestId,
//     details[{field, message, code}], retryAfter (ISO)}, the rate limit and
//     injected faults included: they are written in one place (writeResponse).
//     GET /api/jobs keeps its RFC 7807 errors for v2's pollUrl callers.
//   - POST shares v2's rules (putSchedule): one schedule per VM, the same
//     schedule_type updates it, another is refused with 409 BACKUP_SCHEDULE_EXISTS, a
//     closed canCreate override (pending order) refuses with 409; retention_count
//     1..max_total_backups, hour 0-23, minute 0-59, day_of_week 0-6 required for
//     weekly, day_of_month 1-31 for monthly. A day field of another type is ignored,
//     as v1's page says, where v2 refuses it. v1 answers 200 for create and update
//     (message "… created/updated successfully"). notes is optional (the page calls
//     it an optional label) and is the schedule's name on both APIs.
//   - Minutes: v1 sets them; v2 shows them in time "HH:MM"; a v2 POST (which has no
//     minute) sets minute 0.
//   - Numeric ids: schedules, settings rows and history records get v1 ids from one
//     counter starting at 2000; client_id is per account (30000 up), account_id per
//     VPS (20000 up).
//   - v1 history is one record per backup, newest first: each v2 run with the backup
//     it stored, plus stored backups no run records. status is pending while the job
//     runs, active while the backup exists, deleted (with deleted_at) once removed by
//     DELETE or autoDeleteOldest, and the run's own word ("failed") with
//     error_message after a failure. A seeded completed run with no seeded backup
//     shows as deleted at the VPS's creation time. job_id is the simulator's job id
//     (pollable) for backups made in the simulation, backup-{vmid}-{ms} otherwise.
//   - Sizes: v1 history's size is a string of bytes and /backups' a number; both
//     come from BackupSpec.SizeBytes (an int64, so above 2^53 is exact) or from
//     SizeGB at 2^30 bytes per GB. volids are
//     pbs-offsite-10g:backup/vm/{vmid}/{ISO time}, unique per VM; DELETE takes the
//     volid escaped into one segment (an unescaped one names no route: 404).
//
// # Restores and snapshot schedules (restore.go, snapshot_schedules.go)
//
//   - POST /api/v2/vps/{id}/backups/{backupId}/actions/restore (scope backup:vm):
//     HostUp's page could not be read, so the simulator follows its other actions:
//     an empty or {} body, gate canRestore (closed with no backup, and while any
//     job runs: backup_in_progress, or restore_in_progress for a restore), 404
//     not_found for a backup the VPS does not have, 202 with the operation
//     envelope, and a job that ends "Restore completed." (Simulator.Restored lists
//     what was restored). A running restore also closes canCreateBackup.
//     VPSSpec.RunningBackup seeds a backup job of any length.
//   - GET/POST/DELETE /api/v2/vps/{id}/snapshot-schedules: one schedule per VPS;
//     limits.totalSnapshots is VPSSpec.SnapshotSlots (SetSnapshotSlots buys more),
//     available is slots > 0 with a reason when not; actions.canEnable is closed
//     without slots or by an override (GateCanEnable). POST {enabled, intervalHours}
//     (both required; the interval floored and clamped into 4-24) answers 200 with
//     the GET's shape, and is refused with 409 snapshots_unavailable without slots
//     or with the closed gate's 409. DELETE answers 204, 404 without a schedule.
//     The schedule's fields are v1's in camelCase (enabled, intervalHours,
//     retentionDays 1, lastRun, nextRun, createdAt, updatedAt): HostUp does not
//     document v2's. Snapshots run every intervalHours from the last save.
//   - v1 GET/POST /api/vm/{vmid}/snapshot-schedules: data{success, schedule|null,
//     limits{totalSnapshots}} and data{success, schedule, message "Snapshot schedule
//     saved"}, schedule id a string, on the same state and rules.
//
// # Not reproduced
//
// Any v1 endpoint not listed above, snapshots themselves, restores from another
// VPS or to PAYG, /details and /status,
// the include parameter, schedules actually running as time passes (history only
// grows with manual backups), a purchased-capacity ceiling on maxTotalBackups,
// per-key rate limits, and any check of serviceStatus or powerState.
package hostuptest
