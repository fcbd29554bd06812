// Package callcmd is hostup-mcp's call command: it runs one tool through the
// real MCP server, in-process, as a client would, and prints the result.
//
// On the command line the person at the terminal is the user: --yes is their
// confirmation of a destructive change, and a change confirmed by typing (a
// restore: the VPS's name) takes what they typed, in the arguments or at the
// terminal's prompt. A model with a shell could run the command too; the
// confirmation is the command line's, as any --yes is.
package callcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/tools"
)

// Exit codes of call, as the README and --help document them.
const (
	ExitDone                 = 0 // the tool succeeded
	ExitFailed               = 1 // the tool failed or refused
	ExitUsage                = 2 // the command line was wrong
	ExitConfirmationRequired = 3 // a destructive change waits for --yes; nothing was changed
	ExitNotShown             = 4 // a change was sent, but the state read back does not show it
)

// Options are the settings of one call.
type Options struct {
	Version  string // the program's, sent as the client's
	ReadOnly bool   // the server lists only the read-only tools
	JSON     bool   // print the structured result
	Yes      bool   // the person confirms a destructive change
	// Terminal is set when the input is a terminal a person types at: a name
	// to type is then asked for there.
	Terminal bool
}

// Run runs the tool named by positional[0] with the JSON arguments in
// positional[1], if any, and returns one of the exit codes above.
func Run(ctx context.Context, srv *server.MCPServer, o Options, positional []string, stdin io.Reader, stdout, stderr io.Writer) int {
	req, err := parseCall(positional)
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
		return ExitUsage
	}
	c, err := connect(ctx, srv, o.Version, nil)
	var listed *mcp.ListToolsResult
	if err == nil {
		defer c.Close()
		listed, err = c.ListTools(ctx, mcp.ListToolsRequest{})
	}
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: starting the in-process client: %v\n", err)
		return ExitFailed
	}
	tool, names := findTool(listed.Tools, req.name)
	if tool == nil {
		hint := ""
		if o.ReadOnly {
			hint = " (read-only mode hides the write tools)"
		}
		fmt.Fprintf(stderr, "hostup-mcp: no tool named %q%s; the tools are %s\n", req.name, hint, strings.Join(names, ", "))
		return ExitUsage
	}
	if _, typed := tool.InputSchema.Properties[typedArg]; typed && req.args["dry_run"] != true {
		return runTyped(ctx, srv, o, req.name, req.args, stdin, stdout, stderr)
	}
	return runConfirmedByYes(ctx, c, o, req, stdout, stderr)
}

// callRequest is the tool the command line calls, and its arguments.
type callRequest struct {
	name string
	args map[string]any
	raw  string // the arguments as typed; "" when there are none
}

func parseCall(positional []string) (callRequest, error) {
	if len(positional) == 0 || len(positional) > 2 {
		return callRequest{}, errors.New("usage: hostup-mcp call TOOL ['{\"arg\":…}'] [--json] [--yes] [--sandbox]; hostup-mcp tools lists the tools")
	}
	req := callRequest{name: positional[0]}
	if len(positional) == 2 {
		req.raw = positional[1]
		if err := json.Unmarshal([]byte(req.raw), &req.args); err != nil || req.args == nil {
			return callRequest{}, fmt.Errorf("the arguments of call must be one JSON object in single quotes, e.g. '{\"vps_id\":\"vps_sandbox02\"}', not %s", req.raw)
		}
	}
	return req, nil
}

// sent is what goes to the server: the arguments as typed, not re-encoded
// from args, since the server must see what a client would send, duplicate
// names included, to refuse them.
func (r callRequest) sent() any {
	if r.raw != "" {
		return json.RawMessage(r.raw)
	}
	return r.args
}

// runConfirmedByYes calls the tool. A change that waits for the user's
// confirmation is applied with --yes, the person's confirmation, and
// otherwise shown with how to confirm it.
func runConfirmedByYes(ctx context.Context, c *client.Client, o Options, req callRequest, stdout, stderr io.Writer) int {
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: req.name, Arguments: req.sent()}})
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: %s: %v\n", req.name, err)
		return ExitFailed
	}
	text := ResultText(res)
	token := pendingConfirmToken(res)
	if token != "" {
		// The result tells the model to call again with the token; at a terminal
		// that token is useless (it dies with this process), so its lines go.
		text = withoutLinesContaining(text, token)
	}
	if token != "" && o.Yes {
		// The person typing --yes is the one confirming: show the plan they
		// agreed to, then apply exactly that plan with its token.
		fmt.Fprintln(stderr, planText(res, text))
		confirmed := map[string]any{"confirm_token": token}
		for k, v := range req.args {
			confirmed[k] = v
		}
		if res, err = c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: req.name, Arguments: confirmed}}); err != nil {
			fmt.Fprintf(stderr, "hostup-mcp: %s: %v\n", req.name, err)
			return ExitFailed
		}
		text, token = ResultText(res), pendingConfirmToken(res)
	}
	if res.IsError {
		if _, typed := req.args["confirm_token"]; typed && strings.HasSuffix(failureCode(res), "_confirm_token") {
			text += "\nOn the command line: a confirm_token only works inside the server that issued it, and call starts a new one on every run. Run the same command without confirm_token and with --yes to confirm the change yourself."
		}
		fmt.Fprintln(stderr, text)
		return ExitFailed
	}
	code := verdictCode(res)
	if token != "" {
		code = ExitConfirmationRequired
		text += "\nNothing was changed. To apply this change from the command line, run the same command again with --yes."
	}
	return write(res, text, code, o, stdout, stderr)
}

// write writes the result, its text or (with --json) its structured content,
// and returns code.
func write(res *mcp.CallToolResult, text string, code int, o Options, stdout, stderr io.Writer) int {
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res.StructuredContent); err != nil {
			fmt.Fprintf(stderr, "hostup-mcp: %v\n", err)
			return ExitFailed
		}
		return code
	}
	fmt.Fprintln(stdout, text)
	return code
}

// connect starts an in-process client of srv; dialog, when not nil, answers
// the server's confirmation dialogs, and the client declares it can show them.
func connect(ctx context.Context, srv *server.MCPServer, version string, dialog client.ElicitationHandler) (*client.Client, error) {
	var opts []client.ClientOption
	if dialog != nil {
		opts = append(opts, client.WithElicitationHandler(dialog))
	}
	c, err := client.NewInProcessClientWithOptions(srv, opts...)
	if err != nil {
		return nil, err
	}
	init := mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcp.Implementation{Name: "hostup-mcp call", Version: version},
	}}
	if dialog != nil {
		init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{Form: &struct{}{}}
	}
	if err = c.Start(ctx); err == nil {
		_, err = c.Initialize(ctx, init)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// planText is the plan of a write tool's result, from its structured content
// (the output schema's plan), without the text's instructions to a model. A
// result with no single plan (apply_backup_policy has a row per VPS) shows text,
// its text with the token's lines already taken out.
func planText(res *mcp.CallToolResult, text string) string {
	if plan := planOf(res); plan != "" {
		return "Applying with --yes. " + plan
	}
	return "Applying with --yes:\n" + strings.Replace(text, "Needs the user's confirmation, nothing was sent yet. ", "", 1)
}

// planOf renders the plan in a result's structured content: its summary, values
// before and after, what it deletes, its warnings; "" when it has none.
func planOf(res *mcp.CallToolResult) string {
	var out struct {
		Plan tools.Plan `json:"plan"`
	}
	if b, err := json.Marshal(res.StructuredContent); err == nil {
		_ = json.Unmarshal(b, &out)
	}
	if out.Plan.Summary == "" {
		return ""
	}
	return "Plan: " + out.Plan.Text()
}

// failureCode is the code a failed result carries in its structuredContent
// (tools.ToolError), "" when it carries none.
func failureCode(res *mcp.CallToolResult) string {
	var out struct {
		Error *tools.ToolError `json:"error"`
	}
	if b, err := json.Marshal(res.StructuredContent); err == nil && json.Unmarshal(b, &out) == nil && out.Error != nil {
		return out.Error.Code
	}
	return ""
}

// verdictCode is the exit code of a successful result from its verdict, so a
// script never takes for done what HostUp does not show: ExitNotShown when a
// change was sent and the state read back does not show it (for the tool, or
// any row of the fleet), ExitFailed when a fleet row failed or was not
// touched, else ExitDone.
func verdictCode(res *mcp.CallToolResult) int {
	var out struct {
		Outcome string `json:"outcome"`
		Rows    []struct {
			Outcome string `json:"outcome"`
		} `json:"rows"`
	}
	if b, err := json.Marshal(res.StructuredContent); err == nil {
		_ = json.Unmarshal(b, &out)
	}
	outcomes := []string{out.Outcome}
	for _, r := range out.Rows {
		outcomes = append(outcomes, r.Outcome)
	}
	code := ExitDone
	for _, outcome := range outcomes {
		switch outcome {
		case "failed", "changed_since_plan":
			return ExitFailed
		case "accepted_not_visible", "outcome_unknown":
			code = ExitNotShown
		}
	}
	return code
}

func withoutLinesContaining(text, s string) string {
	var kept []string
	for line := range strings.Lines(text) {
		if !strings.Contains(line, s) {
			kept = append(kept, strings.TrimSuffix(line, "\n"))
		}
	}
	return strings.Join(kept, "\n")
}

// pendingConfirmToken returns the confirm_token of a result that waits for the
// user's confirmation, or "".
func pendingConfirmToken(res *mcp.CallToolResult) string {
	m, ok := res.StructuredContent.(map[string]any)
	if !ok || m["outcome"] != "confirmation_required" {
		return ""
	}
	token, _ := m["confirm_token"].(string)
	return token
}

func findTool(tools []mcp.Tool, name string) (*mcp.Tool, []string) {
	names := make([]string, 0, len(tools))
	for i := range tools {
		if tools[i].Name == name {
			return &tools[i], nil
		}
		names = append(names, tools[i].Name)
	}
	return nil, names
}

// ResultText is a result's text content, its parts joined by line breaks.
func ResultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, content := range res.Content {
		if t, ok := content.(mcp.TextContent); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}
