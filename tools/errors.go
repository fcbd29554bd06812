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

// invalidResult is a result that does not fit its tool's output schema: a bug
// here, found after the call did its work, so a change may have been made.
type invalidResult struct{ err error }

func (e *invalidResult) Error() string { return e.err.Error() }

// inputRequired carries an elicitation request back through the handler's error
// path; newTool returns its result unchanged.
type inputRequired struct{ result *mcp.CallToolResult }

func (e *inputRequired) Error() string { return "input required" }

// ToolError is a failure as a program reads it: in a failed result's
// structuredContent beside the text, in the fleet's failed and skipped rows and
// in the metrics, with the same codes everywhere. Nothing needs to parse the
// text.
type ToolError struct {
	// Kind is what failed, in a few fixed words.
	Kind string `json:"kind" jsonschema:"enum=invalid_input,enum=refused,enum=hostup_error,enum=outcome_unknown,enum=change_failed,enum=unreachable,enum=unreadable_answer,enum=cancelled,enum=not_configured,enum=internal"`
	// Code names the failure: a refusal's code (HostUp's gate code, or ours),
	// HostUp's error code (http_STATUS when it gave none), or ours.
	Code string `json:"code"`
	// Fix is what the user can do, when there is something to say.
	Fix string `json:"fix,omitempty"`
	// Retryable says whether the same call may succeed if simply made again
	// later, with nothing else done first.
	Retryable bool `json:"retryable"`
}

// Error kinds.
const (
	kindInvalidInput     = "invalid_input"     // the arguments; nothing was sent
	kindRefused          = "refused"           // refused here; nothing was sent
	kindHostUp           = "hostup_error"      // HostUp answered with an error
	kindOutcomeUnknown   = "outcome_unknown"   // a change was sent and its answer lost
	kindChangeFailed     = "change_failed"     // a change failed; the text says what state it left
	kindUnreachable      = "unreachable"       // HostUp could not be reached, or did not answer in time
	kindUnreadableAnswer = "unreadable_answer" // HostUp answered something that could not be read
	kindCancelled        = "cancelled"         // the caller cancelled the call
	kindNotConfigured    = "not_configured"    // no HostUp API key
	kindInternal         = "internal"          // a bug in hostup-mcp
)

// retryableRefusals are the refusals of a passing condition: the same call may
// go through in a moment.
var retryableRefusals = map[string]bool{"vps_lease_unavailable": true, "confirm_record_unavailable": true}

// errorResult turns any failure into an isError tool result a person can act
// on, and a program too: the text, and the failure classified in
// structuredContent. It never includes a stack trace or the API key (the hostup
// package keeps the key out of its errors; nothing here adds it).
func (d *Deps) errorResult(tool string, err error) *mcp.CallToolResult {
	text := describeError(err)
	d.logger().Info("tool call failed", "tool", tool, "error", text)
	failure := classifyError(err)
	out := Common{Error: &failure}
	if d.Sandbox {
		text = sandboxPrefix + text
		out.markSandbox()
	}
	res := mcp.NewToolResultError(text)
	res.StructuredContent = out
	return res
}

// describeError is the failure in words a person can act on.
func describeError(err error) string {
	text, _ := explain(err)
	return text
}

// classifyError is the failure as a program reads it: its kind, code, fix, and
// whether the same call may simply be made again.
func classifyError(err error) ToolError {
	_, failure := explain(err)
	return failure
}

// explain reads a failure once, for a person and for a program: one place
// decides what each kind of error means. The families are asked in order:
// what this server decided, then what HostUp answered, then the absence of an
// answer, since an error HostUp answered can also mean that a change's outcome
// is unknown, and HostUp's own words say more.
func explain(err error) (string, ToolError) {
	for _, family := range []func(error) (string, ToolError, bool){explainOurs, explainAnswer, explainNoAnswer} {
		if text, failure, ok := family(err); ok {
			return text, failure
		}
	}
	// A dropped connection, a network error or an answer that is not what the
	// API documents: the model needs to know that HostUp is the cause and that
	// a read may simply be tried again.
	return "HostUp could not be reached or sent an answer that could not be read: " +
			strings.TrimPrefix(err.Error(), "hostup: ") +
			".\nWhat you can do: try again in a moment (reads are safe to retry); if it keeps failing, HostUp may be down or under maintenance.",
		ToolError{Kind: kindUnreachable, Code: "hostup_unreachable", Retryable: true}
}

// explainOurs reads what this server decided: a change that failed on the
// way, a refusal, and input it would not send.
func explainOurs(err error) (string, ToolError, bool) {
	var (
		failed  *changeFailed
		refusal *Refusal
		input   *inputError
		badID   *hostup.InvalidIDError
		result  *invalidResult
	)
	const invalid = "Invalid input, nothing was sent to HostUp: "
	switch {
	case errors.As(err, &failed):
		return failed.msg, ToolError{Kind: kindChangeFailed, Code: "change_failed"}, true
	case errors.As(err, &refusal):
		code := refusal.Code
		if code == "" {
			code = "refused"
		}
		kind := kindRefused
		if code == "unhashable_plan" {
			kind = kindInternal
		}
		return refusal.Error(), ToolError{Kind: kind, Code: code, Fix: refusal.Fix, Retryable: retryableRefusals[code]}, true
	case errors.As(err, &input):
		return invalid + input.msg, ToolError{Kind: kindInvalidInput, Code: "invalid_arguments"}, true
	case errors.As(err, &result):
		fix := "read the VPS's state (list_backup_schedules, list_backups) before calling again: a change the call made stays made. Report this as a bug in hostup-mcp."
		return "The call ran, but hostup-mcp built a result that does not fit the tool's output schema, so it is not shown (" + result.Error() + ").\nWhat you can do: " + fix,
			ToolError{Kind: kindInternal, Code: "invalid_result", Fix: fix}, true
	case errors.As(err, &badID):
		// The hostup package's message starts with its Go prefix; the user wants the rest.
		return invalid + strings.TrimPrefix(badID.Error(), "hostup: "), ToolError{Kind: kindInvalidInput, Code: "invalid_arguments"}, true
	}
	return "", ToolError{}, false
}

// explainAnswer reads an answer HostUp gave: an error it sent, or one that
// could not be read.
func explainAnswer(err error) (string, ToolError, bool) {
	var (
		jobAuth *hostup.JobAuthError
		apiErr  *hostup.APIError
		decode  *hostup.DecodeError
	)
	switch {
	case errors.As(err, &jobAuth):
		fix := "follow the backup with list_backups or list_backup_schedules instead."
		return "HostUp refused to show the job with this API key, both with X-API-Key (as its jobs page documents) and with Authorization: Bearer: " +
				firstLine(describeError(jobAuth.APIKey)) + "\nThe key itself works (it created the backup); HostUp's job endpoint does not take it. What you can do: " + fix,
			ToolError{Kind: kindHostUp, Code: "job_auth_refused", Fix: fix}, true
	case errors.As(err, &apiErr):
		return describeAPIError(apiErr), apiFailure(err, apiErr), true
	case errors.As(err, &decode):
		// HostUp did answer, and asking again gets the same answer: no retry.
		where, value := cmp.Or(decode.Field, "the answer"), "nothing"
		if decode.Value != "" {
			value = quoted(decode.Value)
		}
		fix := "report the field and the value to HostUp support; asking again gets the same answer."
		return fmt.Sprintf("HostUp sent an answer that could not be read (%s %s): %s is %s where %s was expected. Nothing was decided from it.\nWhat you can do: %s",
				decode.Method, decode.Path, where, value, decode.Want, fix),
			ToolError{Kind: kindUnreadableAnswer, Code: "unreadable_answer", Fix: fix}, true
	}
	return "", ToolError{}, false
}

// apiFailure classifies an error HostUp answered with (apiErr, within err).
func apiFailure(err error, apiErr *hostup.APIError) ToolError {
	code := apiErr.Code
	switch {
	case code != "":
	case apiErr.Status < 300:
		code = "hostup_refused" // v1's 200 whose data says success: false
	default:
		code = fmt.Sprintf("http_%d", apiErr.Status)
	}
	failure := ToolError{Kind: kindHostUp, Code: code, Fix: apiErrorHint(apiErr)}
	switch apiErr.Status {
	case 429, 502, 503, 504:
		failure.Retryable = true
	}
	if errors.Is(err, hostup.ErrOutcomeUnknown) {
		// A change HostUp failed on its side: it may have happened.
		failure.Kind, failure.Retryable = kindOutcomeUnknown, false
	}
	return failure
}

// explainNoAnswer reads a call that got no answer from HostUp: out of time,
// cancelled, an answer lost on the way, no key to send, or a name that did not
// resolve.
func explainNoAnswer(err error) (string, ToolError, bool) {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "HostUp did not answer in time. Reads are safe to retry; for a change, read the state first (list_backup_schedules or list_backups) to see whether it happened.",
			ToolError{Kind: kindUnreachable, Code: "timeout", Retryable: true}, true
	case errors.Is(err, context.Canceled):
		return "The call was cancelled before it finished.", ToolError{Kind: kindCancelled, Code: "cancelled"}, true
	case errors.Is(err, hostup.ErrOutcomeUnknown):
		// Not "could not be reached": the request got there, only the answer is missing.
		return "The request reached HostUp but its answer was lost: " + lostAnswerCause(err) + ".",
			ToolError{Kind: kindOutcomeUnknown, Code: "outcome_unknown", Fix: "read the state (list_backup_schedules or list_backups) to see whether the change happened before sending it again."}, true
	case errors.Is(err, hostup.ErrNoAPIKey):
		fix := "set HOSTUP_API_KEY (or --api-key-file), or over HTTP send your key as Authorization: Bearer <HostUp API key>; to try without an account, start the server with --sandbox."
		return "No HostUp API key is configured, so nothing was sent to HostUp.\nWhat you can do: " + fix, ToolError{Kind: kindNotConfigured, Code: "no_api_key", Fix: fix}, true
	case errors.As(err, &dnsErr):
		// Nothing reached HostUp, and HostUp is not the cause: the name or the
		// network on this side is.
		fix := "check this computer's network connection and DNS; if the name is wrong, correct HOSTUP_API_URL (--api-url)."
		return fmt.Sprintf("The host name %s could not be resolved (%s), so nothing was sent to HostUp.\nWhat you can do: %s", dnsErr.Name, dnsErr.Err, fix),
			ToolError{Kind: kindUnreachable, Code: "dns_error", Fix: fix, Retryable: true}, true
	}
	return "", ToolError{}, false
}

func describeAPIError(e *hostup.APIError) string {
	var b strings.Builder
	head, title := fmt.Sprintf("HostUp answered %d", e.Status), e.Title
	if e.Status < 300 {
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
