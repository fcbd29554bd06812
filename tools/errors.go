package tools

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/hostup"
)

// inputError is bad input caught before anything was sent to HostUp.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func badInput(format string, a ...any) error { return &inputError{msg: fmt.Sprintf(format, a...)} }

// Refusal is a mutation refused locally: HostUp's own gates or limits say it would
// fail, so no mutating request was sent. It says why and what the user can do.
type Refusal struct {
	Reason string // what is in the way, in HostUp's words where it gave some
	Code   string // HostUp's gate code (e.g. pending_order) or ours
	Fix    string // what the user can do about it
}

func (r *Refusal) Error() string {
	var b strings.Builder
	b.WriteString("Refused: nothing was sent to HostUp. ")
	b.WriteString(strings.TrimSuffix(r.Reason, "."))
	b.WriteString(".")
	if r.Code != "" {
		fmt.Fprintf(&b, " (code %s)", r.Code)
	}
	if r.Fix != "" {
		b.WriteString("\nWhat you can do: ")
		b.WriteString(r.Fix)
	}
	return b.String()
}

// changeFailed is a failed change whose message is already worded for the user
// (what was done, what was undone, what state the VPS is in).
type changeFailed struct{ msg string }

func (e *changeFailed) Error() string { return e.msg }

// inputRequired carries an elicitation request back through the handler's error
// path; newTool returns its result unchanged.
type inputRequired struct{ result *mcp.CallToolResult }

func (e *inputRequired) Error() string { return "input required" }

// errorResult turns any failure into an isError tool result a person can act on.
// It never includes a stack trace or the API key (the hostup package keeps the key
// out of its errors; nothing here adds it).
func (d *Deps) errorResult(tool string, err error) *mcp.CallToolResult {
	text := describeError(err)
	d.logger().Info("tool call failed", "tool", tool, "error", text)
	if d.Sandbox {
		text = sandboxPrefix + text
	}
	return mcp.NewToolResultError(text)
}

func describeError(err error) string {
	var (
		failed  *changeFailed
		refusal *Refusal
		input   *inputError
		badID   *hostup.InvalidIDError
		apiErr  *hostup.APIError
		dnsErr  *net.DNSError
		jobAuth *hostup.JobAuthError
		decode  *hostup.DecodeError
	)
	switch {
	case errors.As(err, &failed):
		return failed.msg
	case errors.As(err, &refusal):
		return refusal.Error()
	case errors.As(err, &input):
		return "Invalid input, nothing was sent to HostUp: " + input.msg
	case errors.As(err, &badID):
		// The hostup package's message starts with its Go prefix; the user wants the rest.
		return "Invalid input, nothing was sent to HostUp: " + strings.TrimPrefix(badID.Error(), "hostup: ")
	case errors.As(err, &jobAuth):
		return "HostUp refused to show the job with this API key, both with X-API-Key (as its jobs page documents) and with Authorization: Bearer: " +
			firstLine(describeError(jobAuth.APIKey)) + "\nThe key itself works (it created the backup); HostUp's job endpoint does not take it. What you can do: follow the backup with list_backups or list_backup_schedules instead."
	case errors.As(err, &apiErr):
		return describeAPIError(apiErr)
	case errors.As(err, &decode): // kind: hostup_answer_unreadable
		// HostUp did answer, and asking again gets the same answer: no retry.
		where, value := cmp.Or(decode.Field, "the answer"), "nothing"
		if decode.Value != "" {
			value = quoted(decode.Value)
		}
		return fmt.Sprintf("HostUp sent an answer that could not be read (%s %s): %s is %s where %s was expected. Nothing was decided from it.\nWhat you can do: report the field and the value to HostUp support; asking again gets the same answer.",
			decode.Method, decode.Path, where, value, decode.Want)
	case errors.Is(err, context.DeadlineExceeded):
		return "HostUp did not answer in time. Reads are safe to retry; for a change, read the state first (list_backup_schedules or list_backups) to see whether it happened."
	case errors.Is(err, context.Canceled):
		return "The call was cancelled before it finished."
	case errors.Is(err, hostup.ErrOutcomeUnknown):
		// Not "could not be reached": the request got there, only the answer is missing.
		return "The request reached HostUp but its answer was lost: " + lostAnswerCause(err) + "."
	case errors.Is(err, hostup.ErrNoAPIKey):
		return "No HostUp API key is configured, so nothing was sent to HostUp.\nWhat you can do: set HOSTUP_API_KEY (or --api-key-file), or over HTTP send your key as Authorization: Bearer <HostUp API key>; to try without an account, start the server with --sandbox."
	case errors.As(err, &dnsErr):
		// Nothing reached HostUp, and HostUp is not the cause: the name or the
		// network on this side is.
		return fmt.Sprintf("The host name %s could not be resolved (%s), so nothing was sent to HostUp.\nWhat you can do: check this computer's network connection and DNS; if the name is wrong, correct HOSTUP_API_URL (--api-url).", dnsErr.Name, dnsErr.Err)
	default:
		// A dropped connection, a network error or an answer that is not what the
		// API documents: the model needs to know that HostUp is the cause and that
		// a read may simply be tried again.
		return "HostUp could not be reached or sent an answer that could not be read: " +
			strings.TrimPrefix(err.Error(), "hostup: ") +
			".\nWhat you can do: try again in a moment (reads are safe to retry); if it keeps failing, HostUp may be down or under maintenance."
	}
}

func describeAPIError(e *hostup.APIError) string {
	var b strings.Builder
	head, title := fmt.Sprintf("HostUp answered %d", e.Status), e.Title
	if e.Status < 300 { // kind: hostup_refused
		// v1's 2xx with success: false: HostUp's answer arrived and says no.
		head, title = fmt.Sprintf("HostUp refused the request (%d, success: false)", e.Status), ""
	}
	b.WriteString(head)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if title != "" {
		fmt.Fprintf(&b, " (%s)", title)
	}
	if e.Detail != "" {
		// HostUp's details are sentences with their own full stop.
		fmt.Fprintf(&b, ": %s", strings.TrimSuffix(strings.TrimSpace(e.Detail), "."))
	}
	b.WriteString(".")
	for _, f := range e.FieldErrors {
		fmt.Fprintf(&b, "\n- %s: %s", ourFieldNames.Replace(strings.TrimPrefix(f.Pointer, "/")), ourFieldNames.Replace(f.Detail))
	}
	if hint := apiErrorHint(e); hint != "" {
		b.WriteString("\nWhat you can do: ")
		b.WriteString(hint)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, "\nHostUp request id: %s", e.RequestID)
	}
	return b.String()
}

func apiErrorHint(e *hostup.APIError) string {
	switch {
	case e.Status == 429:
		wait := e.RetryAfter.Round(time.Second)
		if wait <= 0 {
			return "HostUp's rate limit was reached; retry in a minute."
		}
		return fmt.Sprintf("HostUp's rate limit was reached; retry after %s.", wait)
	case e.Status == 401:
		return "the API key was not accepted: check HOSTUP_API_KEY (or --api-key-file) and that the key is not expired."
	case e.Status == 403:
		return "the API key lacks a scope or does not own this VPS: create a key with read:vm, write:vm and backup:vm in HostUp's control panel."
	case e.Status == 404:
		return notFoundHint(e.Path)
	case strings.EqualFold(e.Code, "pending_orders"):
		// v2 names the code pending_orders, v1 PENDING_ORDERS.
		return "finish or cancel the VPS's pending order in HostUp's control panel, then try again."
	case e.Status == 409:
		return "the VPS is not in a state that allows this now; read its state again with list_backup_schedules or list_backups."
	case e.Status >= 500:
		return "HostUp had a problem on its side; retry later, and for a change read the state first to see whether it happened."
	}
	return ""
}

// notFoundHint says where the real id comes from, for the kind of id the path
// that HostUp did not find ends in.
func notFoundHint(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	v1 := len(segs) > 2 && segs[1] == "vm"
	switch {
	case len(segs) > 1 && segs[1] == "jobs":
		return "HostUp knows no job with this id: use the job id exactly as create_backup returned it (for a numeric vmid, a history entry's job_id in list_backup_schedules also names one)."
	case len(segs) > 5 && segs[len(segs)-2] == "backups", v1 && len(segs) > 4 && segs[3] == "backups":
		return "the backup (or its VPS) does not exist in this account: call list_backups with the same vps_id for the real backup ids."
	case len(segs) > 5 && segs[len(segs)-2] == "backup-schedules":
		return "the schedule (or its VPS) does not exist in this account: call list_backup_schedules with the same vps_id for the real schedule id."
	case len(segs) == 3 && segs[2] == "vps":
		// The list of VPSes itself is missing: no id is wrong, the address is.
		return "HostUp has no VPS list at the address called, so the API base URL is wrong: check HOSTUP_API_URL (--api-url); the default is " + hostup.DefaultBaseURL + ", without /api/v2."
	case v1:
		return "HostUp knows no VPS with this numeric vmid in this account: check the vmid with the user, or use the VPS's vps_… id from list_vps."
	}
	return "the VPS does not exist in this account: call list_vps for the real vps_… ids."
}

// plainJSONError rewrites encoding/json's messages into the argument names a model
// passed, without Go type names.
func plainJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("%q must be a %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown argument " + f
	}
	return strings.TrimPrefix(msg, "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "int32", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "list"
	case "struct", "map":
		return "object"
	}
	return goKind
}

// lostAnswerCause is the network failure behind an outcome-unknown error,
// without the hostup package's prefixes.
func lostAnswerCause(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		multi, ok := e.(interface{ Unwrap() []error })
		if !ok {
			continue
		}
		for _, inner := range multi.Unwrap() {
			if inner != hostup.ErrOutcomeUnknown {
				return strings.TrimPrefix(inner.Error(), "hostup: ")
			}
		}
	}
	return "no answer came back"
}
