// Times: HostUp speaks UTC; the view shows the display zone, and names it.

const HOUR = 3600e3;
const DAY = 24 * HOUR;

export function parseTime(s) {
  if (typeof s !== "string" || s === "") return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t);
}

export function validZone(zone) {
  if (typeof zone !== "string" || zone === "") return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function formatter(locale, zone) {
  const loc = locale || undefined;
  const base = { timeZone: zone, hourCycle: "h23" };
  const fmt = (opts) => {
    try {
      return new Intl.DateTimeFormat(loc, { ...base, ...opts });
    } catch {
      return new Intl.DateTimeFormat("en-GB", { ...base, ...opts });
    }
  };
  // The zone is named once, in the view's header; the times leave it out.
  const full = fmt({ weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  const clock = fmt({ hour: "2-digit", minute: "2-digit" });
  return {
    zone,
    when: (d) => full.format(d),
    clock: (d) => clock.format(d),
  };
}

// ago is a short, rounded age: "5 min ago", "3 h ago", "4 days ago".
export function ago(d, now) {
  const ms = now - d;
  if (ms < 0) return "in " + span(-ms);
  return span(ms) + " ago";
}

function span(ms) {
  if (ms < HOUR) return Math.max(1, Math.round(ms / 60e3)) + " min";
  if (ms < 2 * DAY) return Math.round(ms / HOUR) + " h";
  return Math.round(ms / DAY) + " days";
}

// utcClock turns HostUp's "HH:MM" (UTC) into a Date on the given day, so that it
// can be shown in the display zone with that day's offset.
export function utcClock(hhmm, on) {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm || "");
  if (!m) return null;
  return new Date(Date.UTC(on.getUTCFullYear(), on.getUTCMonth(), on.getUTCDate(), +m[1], +m[2]));
}

// How long after its due time a run may start and still count as that run, and
// how long a due run may be late before the view calls it missing.
const MATCH_WINDOW = 3 * HOUR;

// dueTimes lists when an enabled schedule should have run, newest first, from
// now back to (not before) since.
export function dueTimes(schedule, since, now) {
  const at = utcClock(schedule.time_utc, now);
  if (!at || !schedule.enabled) return [];
  const out = [];
  const limit = 60;
  const push = (t) => {
    if (t <= now.getTime() - MATCH_WINDOW && t >= since - MATCH_WINDOW) out.push(t);
  };
  if (schedule.frequency === "daily") {
    for (let t = at.getTime(); t >= since - DAY && out.length < limit; t -= DAY) push(t);
  } else if (schedule.frequency === "weekly" && Number.isInteger(schedule.day_of_week)) {
    let t = at.getTime() - ((at.getUTCDay() - schedule.day_of_week + 7) % 7) * DAY;
    for (; t >= since - 7 * DAY && out.length < limit; t -= 7 * DAY) push(t);
  } else if (schedule.frequency === "monthly" && Number.isInteger(schedule.day_of_month)) {
    for (let i = 0; i < limit; i++) {
      const y = at.getUTCFullYear(), m = at.getUTCMonth() - i;
      const d = new Date(Date.UTC(y, m, schedule.day_of_month, at.getUTCHours(), at.getUTCMinutes()));
      if (d.getUTCDate() !== schedule.day_of_month) continue; // no 31st this month
      if (d.getTime() < since - 31 * DAY) break;
      push(d.getTime());
    }
  }
  return out.map((t) => new Date(t));
}

// timeline merges the runs HostUp reports with the runs the schedule says were
// due: a due time with no scheduled run near it is "missing". Only due times
// after the oldest scheduled run shown can be judged (older runs may just be
// beyond the history's limit), and none for a paused schedule.
export function timeline(schedule, history, now) {
  const runs = (history || [])
    .map((h) => ({ ...h, at: parseTime(h.created_at) }))
    .filter((h) => h.at);
  const scheduled = runs.filter((r) => !r.type || r.type === "scheduled");
  const items = runs.map((r) => ({
    at: r.at,
    kind: r.type === "manual" ? "manual" : "scheduled",
    status: normalStatus(r.status),
    word: r.status || "unknown",
    note: r.note || r.error_message || "",
  }));
  if (schedule && scheduled.length > 0) {
    const since = Math.min(...scheduled.map((r) => r.at.getTime()));
    const free = scheduled.map((r) => r.at.getTime());
    for (const due of dueTimes(schedule, since, now)) {
      const i = free.findIndex((t) => t !== null && Math.abs(t - due) <= MATCH_WINDOW);
      if (i >= 0) free[i] = null;
      else items.push({ at: due, kind: "scheduled", status: "missing", word: "missing", note: "due, no run reported" });
    }
  }
  items.sort((a, b) => b.at - a.at);
  return items;
}

function normalStatus(s) {
  switch (s) {
    case "completed":
    case "active":
    case "success":
    case "succeeded":
      return "completed";
    case "failed":
    case "cancelled":
    case "error":
      return "failed";
    case "queued":
    case "running":
    case "pending":
    case "in_progress":
      return "pending";
    case "deleted":
      return "completed";
    default:
      return s ? "failed" : "pending";
  }
}
