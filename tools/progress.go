package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// progress sends an MCP progress notification when the client asked for them (by
// giving the call a progress token); otherwise it does nothing. A failed send only
// loses a progress line, never the call, so its error is dropped.
func (c *Call) progress(ctx context.Context, done, total float64, message string) {
	meta := c.Request.Params.Meta
	if meta == nil || meta.ProgressToken == nil {
		return
	}
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return
	}
	params := map[string]any{"progressToken": meta.ProgressToken, "progress": done, "message": message}
	if total > 0 {
		params["total"] = total
	}
	_ = srv.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), params)
}
