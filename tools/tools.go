// Package tools holds the MCP tools of hostup-mcp: one tool per file (input struct,
// output struct, definition, handler), plus what they share: schemas, results,
// error mapping, and the safety path every mutation goes through.
//
// The package knows MCP; it never builds a URL (that is package hostup's job).
package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
	"github.com/hostup/hostup-mcp/internal/confirmpage"
	"github.com/hostup/hostup-mcp/internal/coord"
	"github.com/hostup/hostup-mcp/tools/ui"
)

// Deps is what the tools need from the outside world. main builds one per process.
type Deps struct {
	Client  *hostup.Client
	Display *time.Location // the zone results show local times in; UTC when nil
	Sandbox bool           // every result then says it comes from the simulator
	Logger  *slog.Logger

	// Confirm signs confirmation tokens; see confirm.go.
	Confirm *Confirmer
	// ElicitationOnly accepts confirmations only through the client's dialog:
	// no confirm_token is issued or accepted.
	ElicitationOnly bool
	// RestoreByToken lets a confirm_token confirm a restore, with the typed VPS
	// name as an argument (--restore-confirm token). The model passes both and
	// sees the name, so it could confirm alone: off by default, when only the
	// user confirms a restore, in the client's dialog or on a confirmation page.
	RestoreByToken bool
	// ConfirmPages serves one-time confirmation pages to clients that can open
	// one (URL-mode elicitation) but show no dialog; nil when the user's browser
	// may not be on this server's computer, and then there is no page.
	ConfirmPages *confirmpage.Pages
	// Now is the clock for token expiry and "last run" ages; time.Now when nil.
	Now func() time.Time
	// JobPoll and JobWait bound create_backup's wait for its job.
	JobPoll, JobWait time.Duration
	// Observer hears each call's outcome, for metrics (observe.go); nil hears nothing.
	Observer Observer
	// Leases serializes the changes of one VPS across replicas (mutation.go);
	// nil when this process is the only one.
	Leases Leases
	// SharedTasks records the MCP tasks this process runs, and reads those
	// other replicas run (tasks_shared.go); nil when this process is the only
	// one.
	SharedTasks coord.Tasks

	locks vpsLocks
	tasks taskRegistry // the tasks our tools started (tasks.go)
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deps) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (d *Deps) display() *time.Location {
	if d.Display != nil {
		return d.Display
	}
	return time.UTC
}

// hints are the four MCP tool annotations. Every tool sets all four on purpose:
// mcp-go's defaults (destructive and open-world true) would otherwise leak in.
type hints struct {
	readOnly, destructive, idempotent, openWorld bool
}

var (
	readOnlyHints = hints{readOnly: true, destructive: false, idempotent: true, openWorld: true}
	// Setting a schedule or settings to the same values twice changes nothing more,
	// but some values make HostUp delete backups (and then need confirmation).
	setterHints = hints{readOnly: false, destructive: true, idempotent: true, openWorld: true}
	// Deleting the same thing twice fails the second time.
	deleterHints = hints{readOnly: false, destructive: true, idempotent: false, openWorld: true}
	// Each call adds one more backup. Destructive: when the quota is full and
	// auto_delete_oldest is on, HostUp makes room by deleting the oldest backup
	// (the plan then names it and asks for confirmation), and a client that
	// trusts the hint must not run such a call unasked.
	creatorHints = hints{readOnly: false, destructive: true, idempotent: false, openWorld: true}
)

// Common is embedded in every tool's output.
type Common struct {
	// True when the result comes from the built-in sandbox (a simulated HostUp
	// account): nothing in it is real.
	Sandbox bool `json:"sandbox,omitempty"`
	// Error is set, alone, in a failed result (isError): the output schema
	// lets a result carry either its tool's fields or this.
	Error *ToolError `json:"error,omitempty"`
}

func (c *Common) markSandbox() { c.Sandbox = true }

// sandboxPrefix starts the text of every sandbox result, so a person reading the
// conversation can never mistake simulated servers for real ones.
const sandboxPrefix = "[SANDBOX: simulated HostUp account, nothing here is real]\n"

// handler is the shape every tool implements: validated input in, structured
// output and a short human text out. Errors become isError results (errors.go).
type handler[In, Out any] func(ctx context.Context, call *Call, in In) (Out, string, error)

// Call is what a handler may need of the MCP request beyond its arguments.
type Call struct {
	Request mcp.CallToolRequest
	deps    *Deps
	task    *taskRun // set when the call runs as an MCP task (tasks.go)
}

// newTool turns a typed handler into an mcp-go tool with generated schemas.
func newTool[In, Out any](d *Deps, name, title, description string, h hints, run handler[In, Out]) server.ServerTool {
	schemas := schemasOf[In, Out](name)
	validator := newInputValidator(name, schemas.Input)
	results := newOutputValidator(name, schemas.Output)
	tool := mcp.Tool{
		Name:            name,
		Description:     description,
		RawInputSchema:  schemas.Input,
		RawOutputSchema: schemas.Output,
		Annotations: mcp.ToolAnnotation{
			Title:           title,
			ReadOnlyHint:    &h.readOnly,
			DestructiveHint: &h.destructive,
			IdempotentHint:  &h.idempotent,
			OpenWorldHint:   &h.openWorld,
		},
	}
	return server.ServerTool{Tool: tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := time.Now()
		var in In
		if err := decodeArguments(req, validator, &in); err != nil {
			d.observeCall(name, nil, err, start)
			return d.errorResult(name, err), nil
		}
		ctx, task, stop := d.taskContext(ctx, req)
		defer stop()
		call := &Call{Request: req, deps: d, task: task}
		out, text, err := run(ctx, call, in)
		d.observeCall(name, &out, err, start)
		if err != nil {
			if r, ok := err.(*inputRequired); ok {
				return r.result, nil
			}
			return d.errorResult(name, err), nil
		}
		if d.Sandbox {
			if m, ok := any(&out).(interface{ markSandbox() }); ok {
				m.markSandbox()
			}
			text = sandboxPrefix + text
		}
		// Encoded once, here: the check reads these bytes, and the answer
		// carries them as they are.
		structured, err := json.Marshal(out)
		if err == nil {
			err = results.check(structured)
		}
		if err != nil {
			return d.errorResult(name, &invalidResult{err: err}), nil
		}
		return &mcp.CallToolResult{
			Content:           []mcp.Content{mcp.NewTextContent(text)},
			StructuredContent: json.RawMessage(structured),
		}, nil
	}}
}

// decodeArguments validates against the tool's input schema, then decodes strictly:
// a client that skips validation must not get unknown fields silently ignored.
func decodeArguments(req mcp.CallToolRequest, v *inputValidator, target any) error {
	raw := req.Params.RawArguments
	if len(raw) == 0 {
		var err error
		if req.Params.Arguments == nil {
			raw = []byte("{}")
		} else if raw, err = json.Marshal(req.Params.Arguments); err != nil {
			return &inputError{msg: "the arguments are not a JSON object"}
		}
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		raw = []byte("{}") // a tool without required arguments may be called with none
	}
	if err := v.check(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return &inputError{msg: fmt.Sprintf("the arguments do not fit this tool: %s", plainJSONError(err))}
	}
	return nil
}

// ServerOptions are the process-wide settings of the MCP server.
type ServerOptions struct {
	Name, Version string
	ReadOnly      bool
	Toolsets      []Toolset // only these areas (see registry.go); empty: all
	Instructions  string
}

// NewServer builds the MCP server with the tools the options select (see
// Visible). main, the `call` subcommand and the tests all use it, so they
// exercise the very server a client talks to.
func NewServer(d *Deps, o ServerOptions, extra ...server.ServerOption) *server.MCPServer {
	hooks := &server.Hooks{}
	d.taskHooks(hooks)
	d.observeUnknownTools(hooks)
	opts := append([]server.ServerOption{
		server.WithToolCapabilities(false),
		server.WithTaskCapabilities(true, true, true),
		server.WithHooks(hooks),
		// Arguments and results are checked against the tool's schemas in
		// newTool (validate.go, validate_output.go): for readable messages, and
		// on the result's bytes rather than a copy decoded again.
		server.WithRecovery(),
		server.WithInstructions(o.Instructions),
		server.WithExtensions(ui.Extension()),
	}, extra...)
	s := server.NewMCPServer(o.Name, o.Version, opts...)
	listed := Visible(d, Selection{ReadOnly: o.ReadOnly, Toolsets: o.Toolsets})
	s.AddTools(listed...)
	if slices.ContainsFunc(listed, ui.Linked) {
		// The view's buttons call list_backup_schedules and upsert_backup_schedule:
		// where those are not listed (read-only mode, or toolsets without
		// schedules) the page must not offer them.
		lists := func(name string) bool {
			return slices.ContainsFunc(listed, func(t server.ServerTool) bool { return t.Tool.Name == name })
		}
		ui.Register(s, ui.Offer{ReadOnly: o.ReadOnly, Details: lists("list_backup_schedules"), Plan: lists("upsert_backup_schedule")})
	}
	return s
}
