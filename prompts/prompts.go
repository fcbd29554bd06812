// Package prompts holds the MCP prompts: ready-made instructions that walk the
// model through hostup-mcp's tools along the safe path (list ids, read limits and
// gates, dry run, confirm, apply, read back).
package prompts

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// All returns every prompt with its handler.
func All() []server.ServerPrompt {
	return []server.ServerPrompt{setupBackups(), auditBackups(), explainBackupLimits()}
}

// Register adds every prompt to the server.
func Register(s *server.MCPServer) { s.AddPrompts(All()...) }

func setupBackups() server.ServerPrompt {
	p := mcp.NewPrompt("setup_backups",
		mcp.WithPromptDescription("Set up scheduled backups on one VPS or the whole account, safely: check limits and gates, propose, dry run, confirm, apply."),
		mcp.WithArgument("vps_id", mcp.ArgumentDescription("one VPS id from list_vps; omit for every VPS")),
		mcp.WithArgument("frequency", mcp.ArgumentDescription("daily, weekly or monthly (default daily)")),
		mcp.WithArgument("hour", mcp.ArgumentDescription("hour of day the backup starts, 0-23 (default 2)")),
		mcp.WithArgument("day", mcp.ArgumentDescription("weekly: day of week 0-6, 0 = Sunday; monthly: day of month 1-31 (default 0 for weekly, 1 for monthly)")),
		mcp.WithArgument("timezone", mcp.ArgumentDescription("IANA time zone of that hour, e.g. Europe/Stockholm (default UTC)")),
		mcp.WithArgument("retention", mcp.ArgumentDescription("how many backups to keep (default: the most the VPS allows, at most 7)")),
	)
	return server.ServerPrompt{Prompt: p, Handler: func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		a := req.Params.Arguments
		frequency, err := oneOf("frequency", get(a, "frequency", "daily"), "daily", "weekly", "monthly")
		if err != nil {
			return nil, err
		}
		hour, err := matching("hour", get(a, "hour", "2"), hourPattern, "a whole hour 0-23")
		if err != nil {
			return nil, err
		}
		when, err := dayArgument(frequency, get(a, "day", ""))
		if err != nil {
			return nil, err
		}
		keep, err := retentionChoice(get(a, "retention", ""))
		if err != nil {
			return nil, err
		}
		zone, err := matching("timezone", get(a, "timezone", "UTC"), zonePattern, "an IANA time zone such as Europe/Stockholm")
		if err != nil {
			return nil, err
		}
		id := get(a, "vps_id", "")
		if id == "" {
			text := fleetSetup(frequency, when, hour, zone, keep)
			return mcp.NewGetPromptResult("Set up scheduled backups safely", []mcp.PromptMessage{mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text))}), nil
		}
		if id, err = vpsID(id); err != nil {
			return nil, err
		}
		target := "the VPS " + id
		h, _ := strconv.Atoi(hour)
		hh := fmt.Sprintf("%02d:00", h)
		text := fmt.Sprintf(`Make sure %s has %s backups%s at %s (%s), keep %s. Follow these steps in order and skip none:

1. Call list_vps to get the VPS ids. Never guess an id.
2. For each VPS, call list_backup_schedules. Read limits.max_retention, limits.available_scheduled_slots, settings.auto_delete_oldest and the gates. If a gate is closed%s, do not try the change: tell the user what blocks it (HostUp's reason and code) and what they can do, for example raise the backup limit or finish a pending order.
3. Propose the change per VPS in a short table: current schedule -> new schedule. If a VPS has a schedule with another frequency, say that replacing it deletes the old schedule and needs replace_existing=true.
4. Call upsert_backup_schedule with dry_run=true for each VPS (frequency=%s, hour=%s, timezone=%s, retention_count=%s%s) and show the plans, with their warnings.
5. Ask the user to confirm. Only after a clear yes, call it again without dry_run. If the client shows the user a confirmation dialog, their answer there decides. If the result instead returns a confirm_token, show that plan and pass the token back only after the user agreed to it. Never invent a token.
6. Read back: report what HostUp now shows for each VPS (the schedules read back in the result), and anything that was refused and why.`,
			target, frequency, when.words, hh, zone, keep.words, keep.refusal, frequency, hour, zone, keep.argument, when.argument)
		return mcp.NewGetPromptResult("Set up scheduled backups safely", []mcp.PromptMessage{mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text))}), nil
	}}
}

// defaultRetention is the most backups setup_backups keeps unless told otherwise:
// a week of dailies. A VPS whose max_retention is lower gets its maximum, so
// following the prompt with its defaults never asks for what HostUp refuses.
const defaultRetention = 7

// retention is the prompt's retention in words, in the refusal it may meet, as
// upsert_backup_schedule's argument, as apply_backup_policy's arguments, and
// what the fleet's steps say of cap_retention: one thing, so that the prompt
// never both passes it and asks the user before adding it.
type retention struct{ words, refusal, argument, fleet, capping string }

func retentionChoice(v string) (retention, error) {
	if v == "" {
		return retention{
			words:    fmt.Sprintf("as many backups as each VPS allows, at most %d", defaultRetention),
			argument: fmt.Sprintf("the smaller of %d and that VPS's limits.max_retention", defaultRetention),
			// cap_retention gives a VPS whose limit is lower its maximum, and its
			// row says so: exactly "as many as each VPS allows, at most 7".
			fleet:   fmt.Sprintf("%d, cap_retention=true", defaultRetention),
			capping: "cap_retention=true is part of what was asked: a VPS whose max_retention is lower keeps its maximum, and its row says so",
		}, nil
	}
	n, err := matching("retention", v, retentionPattern, "a whole number of backups, at least 1")
	if err != nil {
		return retention{}, err
	}
	return retention{words: n, refusal: ", or " + n + " is above max_retention", argument: n, fleet: n,
		capping: "A VPS whose max_retention is below " + n + " is refused: add cap_retention=true only if the user agrees that such a VPS keeps its maximum instead"}, nil
}

// fleetSetup is setup_backups for more than one VPS: one apply_backup_policy
// plan, one confirmation, instead of a confirmation per VPS.
func fleetSetup(frequency string, when day, hour, zone string, keep retention) string {
	h, _ := strconv.Atoi(hour)
	return fmt.Sprintf(`Make sure every VPS of the account has %s backups%s at %02d:00 (%s), keep %s. Follow these steps in order and skip none:

1. Call list_vps to see the VPSes. Never guess an id.
2. Call apply_backup_policy with dry_run=true (frequency=%s, hour=%s, timezone=%s, retention_count=%s%s). It reads each VPS as list_backup_schedules does (limits.max_retention, free slots, gates) and plans every VPS: create, update, no_change, refused (HostUp's reason and code) or skipped (unreadable).
3. Show the user the totals and every row that is not no_change. For refused rows say what blocks them and what the user can do, for example raise the backup limit or finish a pending order. %s. Add replace_existing=true only if the user wants schedules of another frequency deleted and replaced; suggest spread_hours for many VPSes.
4. Ask the user to confirm the plan. Only after a clear yes, call apply_backup_policy again with the same arguments without dry_run. If the client shows the user a confirmation dialog, their answer there decides. If the result instead returns a confirm_token, show that plan and pass the token back only after the user agreed to it. Never invent a token.
5. Read back: report each changed VPS's outcome (applied, failed, outcome_unknown, changed_since_plan) as the result gives it, and what was refused and why.`,
		frequency, when.words, h, zone, keep.words, frequency, hour, zone, keep.fleet, when.argument, keep.capping)
}

var weekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

type day struct{ words, argument string }

// dayArgument checks day against the frequency: a weekday for weekly, a day of
// the month for monthly, nothing for daily (upsert_backup_schedule refuses the rest).
func dayArgument(frequency, v string) (day, error) {
	switch frequency {
	case "weekly":
		d, err := matching("day", get(map[string]string{"d": v}, "d", "0"), `^[0-6]$`, "a day of the week 0-6 (0 = Sunday) for weekly backups")
		if err != nil {
			return day{}, err
		}
		return day{" on " + weekdays[d[0]-'0'] + "s", ", day_of_week=" + d}, nil
	case "monthly":
		d, err := matching("day", get(map[string]string{"d": v}, "d", "1"), `^([1-9]|[12][0-9]|3[01])$`, "a day of the month 1-31 for monthly backups")
		if err != nil {
			return day{}, err
		}
		return day{" on day " + d + " of the month", ", day_of_month=" + d}, nil
	}
	if v != "" {
		return day{}, invalidArgument("day is only for weekly or monthly backups, not %s; leave it out", frequency)
	}
	return day{}, nil
}

func auditBackups() server.ServerPrompt {
	p := mcp.NewPrompt("audit_backups",
		mcp.WithPromptDescription("Audit the backup coverage of every VPS and recommend fixes, without changing anything."),
	)
	return server.ServerPrompt{Prompt: p, Handler: func(context.Context, mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		text := `Audit the backups of all my HostUp VPSes. Do not change anything.

1. Call audit_backup_coverage once (it covers the whole account).
2. Summarise: how many VPSes are covered, and a short list of the ones with problems, worst first (no schedule, disabled, last run failed, retention 1, slots exhausted, changes blocked, could not be read).
3. For each problem recommend one concrete fix, naming the tool and arguments that would do it (for example upsert_backup_schedule with frequency daily, hour 2, and retention_count the most that VPS's limits.max_retention allows, at most 7), and check it against that VPS's limits with list_backup_schedules before recommending it.
4. End by asking which fixes I want applied; apply none on your own.`
		return mcp.NewGetPromptResult("Audit backup coverage", []mcp.PromptMessage{mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text))}), nil
	}}
}

func explainBackupLimits() server.ServerPrompt {
	p := mcp.NewPrompt("explain_backup_limits",
		mcp.WithPromptDescription("Explain one VPS's backup limits, slots, retention and gates in plain words."),
		mcp.WithArgument("vps_id", mcp.ArgumentDescription("the VPS id from list_vps (vps_…), or a numeric vmid"), mcp.RequiredArgument()),
	)
	return server.ServerPrompt{Prompt: p, Handler: func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		id, err := vpsID(get(req.Params.Arguments, "vps_id", ""))
		if err != nil {
			return nil, err
		}
		text := fmt.Sprintf(`Explain the backup limits of the VPS %s to me in plain words. Do not change anything.

1. Call list_backup_schedules with vps_id=%s, and list_backups with the same id.
2. Explain: how many backups the VPS may keep in all (total backup limit), how many are manual and how many scheduled now, how many backup slots are free for scheduled backups, the highest retention allowed, and what auto_delete_oldest means for the oldest backups.
3. If any gate is closed, say what blocks it (HostUp's reason and code) and what I can do about it.
4. Say what would happen at the next scheduled run with the current settings, and whether anything should change.`, id, id)
		return mcp.NewGetPromptResult("Explain backup limits", []mcp.PromptMessage{mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text))}), nil
	}}
}

var (
	hourPattern      = `^([0-9]|1[0-9]|2[0-3])$`
	retentionPattern = `^[1-9][0-9]{0,2}$`
	zonePattern      = `^[A-Za-z][A-Za-z0-9_+/-]{0,63}$`
)

// vpsID accepts what the tools accept, so a prompt never names an id they refuse.
func vpsID(id string) (string, error) {
	if id == "" {
		return "", invalidArgument("vps_id is required: a VPS id from list_vps, like vps_01hxa3b4c5d6e7f8g9h0j1k2m3")
	}
	if hostup.ValidateID(hostup.KindVPS, id) != nil && hostup.ValidateID(hostup.KindVMID, id) != nil {
		return "", invalidArgument("vps_id must be a VPS id from list_vps, like vps_01hxa3b4c5d6e7f8g9h0j1k2m3, or a numeric vmid, not %q", id)
	}
	return id, nil
}

// argumentError is a prompt argument that is missing or does not fit: the
// caller's mistake, JSON-RPC's invalid params (-32602). mcp-go answers every
// error of a prompt handler as an internal error (-32603), so the transport
// asks the prompt first and answers invalid params itself (see
// transport/promptargs.go); errors.Is(err, mcp.ErrInvalidParams) tells it.
type argumentError struct{ msg string }

func (e argumentError) Error() string        { return e.msg }
func (e argumentError) Is(target error) bool { return target == mcp.ErrInvalidParams }

func invalidArgument(format string, a ...any) error {
	return argumentError{fmt.Sprintf(format, a...)}
}

func get(args map[string]string, name, fallback string) string {
	if v := strings.TrimSpace(args[name]); v != "" {
		return v
	}
	return fallback
}

// Prompt arguments are free text typed by a person; anything that would end up in
// the instructions is checked so a prompt cannot be turned into other instructions.
func oneOf(name, v string, allowed ...string) (string, error) {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a, nil
		}
	}
	return "", invalidArgument("%s must be one of %s, not %q", name, strings.Join(allowed, ", "), v)
}

func matching(name, v, pattern, what string) (string, error) {
	if !regexp.MustCompile(pattern).MatchString(v) {
		return "", invalidArgument("%s must be %s, not %q", name, what, v)
	}
	return v, nil
}
