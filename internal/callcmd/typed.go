package callcmd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/tools"
)

// typedArg is the argument that carries a typed confirmation (restore_backup:
// the VPS's name as the user typed it). A tool that takes it is confirmed by
// typing, which by default only the user's dialog can do: the token path, which
// call uses for other changes, is closed to it.
const typedArg = "confirm_vps_name"

// runTyped runs a change the user confirms by typing. Without --yes it shows
// the plan and how to confirm it. With --yes it takes the typed text from the
// arguments, or asks for it at the terminal, checks it against the plan before
// it says anything is applied, and then answers the server's confirmation
// dialog with it, as the user would in a client's dialog.
func runTyped(ctx context.Context, srv *server.MCPServer, o Options, name string, args map[string]any, stdin io.Reader, stdout, stderr io.Writer) int {
	dialog := &terminalDialog{}
	c, err := connect(ctx, srv, o.Version, dialog)
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: starting the in-process client: %v\n", err)
		return ExitFailed
	}
	defer c.Close()

	p, code := planTyped(ctx, c, name, args, stderr)
	if p.dry == nil {
		return code
	}
	if !o.Yes {
		text := fmt.Sprintf("%s\nNothing was changed. To apply this change from the command line, run the same command again with --yes: it asks you to type %s (%s), or takes it from the arguments as %q.", ResultText(p.dry), p.what, p.quoted(), typedArg)
		return write(p.dry, text, ExitConfirmationRequired, o, stdout, stderr)
	}
	typed, _ := args[typedArg].(string)
	if typed == "" && o.Terminal {
		if typed = p.prompt(stdin, stderr); strings.TrimSpace(typed) == "" {
			fmt.Fprintln(stderr, "Nothing was typed, so nothing was changed.")
			return ExitConfirmationRequired
		}
	}
	switch {
	case strings.TrimSpace(typed) == "":
		text := fmt.Sprintf("%s\nNothing was changed: this change is confirmed by typing %s (%s), and the input is not a terminal to ask for it at. Type it into the arguments as %q and run the command again with --yes.", ResultText(p.dry), p.what, p.quoted(), typedArg)
		return write(p.dry, text, ExitConfirmationRequired, o, stdout, stderr)
	case !tools.TypedMatches(typed, p.want):
		fmt.Fprintf(stderr, "Nothing was changed: the text typed (%s) is not %s (%s).\n", strconv.Quote(typed), p.what, p.quoted())
		return ExitFailed
	}

	fmt.Fprintln(stderr, "Applying with --yes, confirmed by typing "+p.what+". "+planOf(p.dry))
	dialog.typed = typed
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: %s: %v\n", name, err)
		return ExitFailed
	}
	if res.IsError {
		fmt.Fprintln(stderr, ResultText(res))
		return ExitFailed
	}
	return write(res, ResultText(res), ExitDone, o, stdout, stderr)
}

// typedPlan is the plan of a change confirmed by typing, and what to type.
type typedPlan struct {
	dry  *mcp.CallToolResult // the dry run's result
	want string              // the text to type
	what string              // what that text is, in words
}

// planTyped makes the plan with a dry run: it sends nothing, and says what to
// type. When there is no plan (dry is nil), code is the exit code, and why
// was written to stderr.
func planTyped(ctx context.Context, c *client.Client, name string, args map[string]any, stderr io.Writer) (p typedPlan, code int) {
	dryArgs := map[string]any{"dry_run": true}
	for k, v := range args {
		if k != "dry_run" {
			dryArgs[k] = v
		}
	}
	dry, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: dryArgs}})
	if err != nil {
		fmt.Fprintf(stderr, "hostup-mcp: %s: %v\n", name, err)
		return typedPlan{}, ExitFailed
	}
	if dry.IsError {
		fmt.Fprintln(stderr, ResultText(dry))
		return typedPlan{}, ExitFailed
	}
	var planned struct {
		VPSID string `json:"vps_id"`
		Want  string `json:"type_to_confirm"`
	}
	if b, err := json.Marshal(dry.StructuredContent); err == nil {
		_ = json.Unmarshal(b, &planned)
	}
	p = typedPlan{dry: dry, want: planned.Want, what: "the VPS's name"}
	if planned.Want == planned.VPSID {
		p.what = "the VPS's id"
	}
	return p, ExitDone
}

func (p typedPlan) quoted() string { return strconv.Quote(p.want) }

// prompt shows the plan and asks the person at the terminal to type the text.
func (p typedPlan) prompt(stdin io.Reader, stderr io.Writer) string {
	fmt.Fprintln(stderr, planOf(p.dry))
	fmt.Fprintf(stderr, "To go ahead, type %s (%s); to stop, press Enter: ", p.what, p.quoted())
	return readLine(stdin)
}

// readLine reads one line the person typed; "" at the end of the input.
func readLine(r io.Reader) string {
	line, _ := bufio.NewReader(r).ReadString('\n')
	return strings.TrimRight(line, "\r\n")
}

// terminalDialog answers the server's confirmation dialog for the person at
// the terminal: with the text they typed in every text field the dialog asks
// for. Until they typed one (a dry run never asks), it declines.
type terminalDialog struct{ typed string }

func (d *terminalDialog) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	schema, _ := req.Params.RequestedSchema.(map[string]any)
	props, _ := schema["properties"].(map[string]any)
	content := map[string]any{}
	for field, p := range props {
		if def, _ := p.(map[string]any); def["type"] == "string" {
			content[field] = d.typed
		}
	}
	if d.typed == "" || len(content) == 0 {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: content}}, nil
}
