// Package ui is hostup-mcp's MCP App (SEP-1865, the io.modelcontextprotocol/ui
// extension): one self-contained HTML view of backup coverage that hosts such as
// Claude Desktop render beside the results of the tools linked to it.
//
// The view is built from src/ into coverage.html by .ci/ui/build.mjs (esbuild and
// the official @modelcontextprotocol/ext-apps client, pinned in .ci/ui). The
// built file is committed, and CI checks that it matches its sources, so `go
// build` needs no Node. The view talks only to its host: it renders the linked
// tools' structuredContent and asks the host to call tools; it never reaches
// HostUp and never holds a key.
package ui

import (
	"context"
	_ "embed"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

const (
	// ExtensionID names the MCP Apps extension in the server's capabilities.
	ExtensionID = "io.modelcontextprotocol/ui"
	// MIMEType is the one content type MCP Apps defines for an HTML view.
	MIMEType = "text/html;profile=mcp-app"
	// CoverageURI is the view of backup coverage, schedules and fleet plans.
	CoverageURI = "ui://hostup-mcp/coverage.html"
)

//go:embed coverage.html
var coverageHTML string

// htmlOpen starts the built file; the read-only marker is added right after it.
const htmlOpen = `<!doctype html><html lang="en"`

// Extension declares the MCP Apps extension, for server.WithExtensions.
func Extension() map[string]any {
	return map[string]any{ExtensionID: map[string]any{"mimeTypes": []string{MIMEType}}}
}

// Link points a tool at the coverage view: hosts that render MCP Apps show its
// results there; every other client sees the tool exactly as before. The
// deprecated flat key is set too, as the official server helper does, for hosts
// that still read only that one.
func Link(t server.ServerTool) server.ServerTool {
	meta := map[string]any{}
	if t.Tool.Meta != nil {
		for k, v := range t.Tool.Meta.AdditionalFields {
			meta[k] = v
		}
	}
	meta["ui"] = map[string]any{"resourceUri": CoverageURI}
	meta["ui/resourceUri"] = CoverageURI
	t.Tool.Meta = &mcp.Meta{AdditionalFields: meta}
	return t
}

// Linked reports whether Link pointed t at the coverage view.
func Linked(t server.ServerTool) bool {
	return t.Tool.Meta != nil && t.Tool.Meta.AdditionalFields["ui/resourceUri"] == CoverageURI
}

// Offer is what the view may offer, from the tools the server lists: the page
// never shows a button for a tool the client cannot call.
type Offer struct {
	ReadOnly bool // read-only mode: the page says so
	Details  bool // list_backup_schedules is listed: a VPS's details can be shown
	Plan     bool // upsert_backup_schedule is listed: a schedule can be planned
}

// Register adds the view as a resource, told what it may offer.
func Register(s *server.MCPServer, o Offer) {
	html := CoverageHTML(o)
	s.AddResource(
		mcp.NewResource(CoverageURI, "backup_coverage",
			mcp.WithResourceDescription("Backup coverage of the audited VPSes, a VPS's schedule, runs and quota, and fleet plans, as an interactive view (MCP Apps)."),
			mcp.WithMIMEType(MIMEType)),
		func(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{
				URI:      CoverageURI,
				MIMEType: MIMEType,
				Text:     html,
				// No csp: the page loads nothing, so the host's most restrictive
				// default (no network at all) fits it.
				Meta: map[string]any{"ui": map[string]any{"prefersBorder": true}},
			}}, nil
		})
}

// CoverageHTML is the page as served: the built file, with a marker on its html
// element for each thing it must not offer.
func CoverageHTML(o Offer) string {
	var marks string
	if o.ReadOnly {
		marks += " data-read-only"
	}
	if !o.Details {
		marks += " data-no-details"
	}
	if !o.Plan {
		marks += " data-no-plan"
	}
	return htmlOpen + marks + strings.TrimPrefix(coverageHTML, htmlOpen)
}
