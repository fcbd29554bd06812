package ui_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/tools"
	"github.com/hostup/hostup-mcp/tools/ui"
)

// connect starts the real server (no HostUp calls are made here) and returns an
// in-process client and what the server answered to initialize.
func connect(t *testing.T, readOnly bool) (*client.Client, *mcp.InitializeResult) {
	t.Helper()
	srv := tools.NewServer(&tools.Deps{}, tools.ServerOptions{Name: "hostup-mcp", Version: "test", ReadOnly: readOnly})
	c, err := client.NewInProcessClient(srv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	init, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: mcp.LATEST_PROTOCOL_VERSION,
		ClientInfo:      mcp.Implementation{Name: "ui-test", Version: "1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c, init
}

func TestServerDeclaresTheUIExtension(t *testing.T) {
	_, init := connect(t, false)
	b, _ := json.Marshal(init.Capabilities.Extensions[ui.ExtensionID])
	if string(b) != `{"mimeTypes":["text/html;profile=mcp-app"]}` {
		t.Errorf("initialize declares %s as %s; want the MCP Apps MIME type", ui.ExtensionID, b)
	}
}

// Clients that know nothing of MCP Apps must see the tools as before: the only
// addition to tools/list is _meta on the linked tools, and it holds only the link.
// (execution, the task support of a tool, is checked by the tasks tests.)
func TestToolsListGrowsOnlyByTheLinks(t *testing.T) {
	c, _ := connect(t, false)
	res, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var linked []string
	for _, tool := range res.Tools {
		b, _ := json.Marshal(tool)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			t.Fatal(err)
		}
		meta, has := fields["_meta"]
		delete(fields, "_meta")
		// execution is the task support of the tools that have it (tasks.go).
		delete(fields, "execution")
		if keys := slices.Sorted(maps.Keys(fields)); !slices.Equal(keys, []string{"annotations", "description", "inputSchema", "name", "outputSchema"}) {
			t.Errorf("%s lists %v", tool.Name, keys)
		}
		if !has {
			continue
		}
		linked = append(linked, tool.Name)
		want := `{"ui":{"resourceUri":"ui://hostup-mcp/coverage.html"},"ui/resourceUri":"ui://hostup-mcp/coverage.html"}`
		if string(meta) != want {
			t.Errorf("%s has _meta %s; want only the link %s", tool.Name, meta, want)
		}
	}
	slices.Sort(linked)
	if !slices.Equal(linked, []string{"apply_backup_policy", "audit_backup_coverage", "list_backup_schedules"}) {
		t.Errorf("tools linked to the view: %v; want apply_backup_policy, audit_backup_coverage and list_backup_schedules", linked)
	}
}

func readView(t *testing.T, c *client.Client) mcp.TextResourceContents {
	t.Helper()
	res, err := c.ReadResource(context.Background(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: ui.CoverageURI}})
	if err != nil {
		t.Fatalf("resources/read %s: %v", ui.CoverageURI, err)
	}
	if len(res.Contents) != 1 {
		t.Fatalf("resources/read returned %d contents; want 1", len(res.Contents))
	}
	text, ok := res.Contents[0].(mcp.TextResourceContents)
	if !ok {
		t.Fatalf("resources/read returned %T; want text", res.Contents[0])
	}
	return text
}

func TestTheViewIsOneSmallHTMLFileThatLoadsNothing(t *testing.T) {
	c, _ := connect(t, false)
	list, err := c.ListResources(context.Background(), mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Resources) != 1 || list.Resources[0].URI != ui.CoverageURI || list.Resources[0].MIMEType != ui.MIMEType {
		t.Errorf("resources/list: %+v; want the view with MIME type %s", list.Resources, ui.MIMEType)
	}
	v := readView(t, c)
	if v.MIMEType != ui.MIMEType || v.URI != ui.CoverageURI {
		t.Errorf("read %s as %s", v.URI, v.MIMEType)
	}
	if n := len(v.Text); n > 300*1024 || n < 10*1024 {
		t.Errorf("the view is %d bytes; want a real page of at most 300 KB", n)
	}
	if !strings.HasPrefix(v.Text, `<!doctype html><html lang="en">`) {
		t.Errorf("the view starts %q", v.Text[:min(80, len(v.Text))])
	}
	// No external script, style or image: the host's default CSP allows none.
	for _, ref := range []string{"<script src", "<link", "@import", "<img", "<iframe"} {
		if strings.Contains(v.Text, ref) {
			t.Errorf("the view contains %q: it must be self-contained", ref)
		}
	}
	if _, hasCSP := v.Meta["ui"].(map[string]any)["csp"]; hasCSP {
		t.Error("the view asks for CSP domains; it needs none")
	}
}

func TestReadOnlyModeServesTheViewMarkedReadOnly(t *testing.T) {
	c, _ := connect(t, true)
	v := readView(t, c)
	// Details (list_backup_schedules) are listed; planning (upsert) is not.
	if !strings.HasPrefix(v.Text, `<!doctype html><html lang="en" data-read-only data-no-plan>`) {
		t.Errorf("read-only view starts %q; want the data-read-only and data-no-plan markers the page hides its dry-run actions on", v.Text[:80])
	}
	if strings.TrimPrefix(v.Text, `<!doctype html><html lang="en" data-read-only data-no-plan>`) != strings.TrimPrefix(ui.CoverageHTML(ui.Offer{Details: true, Plan: true}), `<!doctype html><html lang="en">`) {
		t.Error("read-only view differs from the normal one by more than its marker")
	}
}
