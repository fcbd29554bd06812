package tools

import (
	"context"
	"errors"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/internal/confirmpage"
)

// A client that declares URL-mode elicitation but no form dialog can still let
// the user confirm: the server opens a one-time confirmation page and sends the
// client its address; the user reads the plan there and confirms (typing the
// VPS's name for a restore) or cancels. The client passes on only that they
// agreed to open the page, never what was typed there, so the model never
// sees the confirmation, which makes the page as good as the dialog, and better
// than a token. Pages are served where the user's browser and this server are
// on one computer (stdio: Deps.ConfirmPages); elsewhere there is no page.

// pageKey prefixes the page's id in a multi round-trip request's input key, so
// that the retry names the page its answer belongs to.
const pageKey = "confirm-page-"

// pageResponse finds the client's answer to a page's elicitation in a retried
// call, and the page's id.
func pageResponse(responses mcp.InputResponses) (string, *mcp.ElicitationResult) {
	for key := range responses {
		if id, ok := strings.CutPrefix(key, pageKey); ok {
			return id, server.ElicitationResponse(responses, key)
		}
	}
	return "", nil
}

// pageOwner binds a page to the caller's key, the tool and the plans it shows:
// its answer confirms those, and nothing else.
func pageOwner(tool, keyID string, rows []binding) (string, error) {
	return fingerprint([]any{"page", tool, keyID, rows})
}

// openPage publishes the confirmation page of c and returns the URL-mode
// elicitation that sends the client to it.
func (d *Deps) openPage(c confirmation, owner string) (mcp.ElicitationParams, error) {
	page := confirmpage.Page{Title: "Confirm: " + c.tool, Text: c.dialogText(), Owner: owner, TTL: confirmTTL}
	how := "confirm or cancel it there"
	if c.typed != nil {
		page.Label, page.Match = "Type "+c.typed.what, c.typed.matches
		how = "confirm it there by typing " + c.typed.what + ", or cancel"
	}
	id, url, err := d.ConfirmPages.Open(page)
	if err != nil {
		return mcp.ElicitationParams{}, err
	}
	return mcp.ElicitationParams{
		Mode:          mcp.ElicitationModeURL,
		ElicitationID: id,
		URL:           url,
		Message:       "A change needs your confirmation. Open this one-time page of hostup-mcp (it works once, for 10 minutes, on this computer) to see what it does, and " + how + ".",
	}, nil
}

// confirmOnPage asks the user on a confirmation page. A client on protocol
// 2026-07-28 or later gets the page's address in an *inputRequired error and
// calls again once the user agreed to open it; an older one is asked from
// here, and the call waits for the page's answer.
func (d *Deps) confirmOnPage(ctx context.Context, q question) (authorization, error) {
	owner, err := pageOwner(q.tool, q.keyID, q.rows)
	if err != nil {
		return authorization{}, err
	}
	ask, err := d.openPage(q.confirmation, owner)
	if err != nil {
		return authorization{}, err
	}
	if mcp.IsModernProtocol(server.RequestProtocolVersion(ctx)) {
		state, _, err := d.Confirm.Issue(ctx, purposeDialog, q.tool, q.keyID, q.rows, q.shown, q.now)
		if err != nil {
			return authorization{}, err
		}
		return authorization{}, &inputRequired{result: server.NewInputRequestBuilder(state).Elicit(pageKey+ask.ElicitationID, ask).ToolResult()}
	}
	srv := server.ServerFromContext(ctx)
	answer, err := srv.RequestElicitation(ctx, mcp.ElicitationRequest{Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)}, Params: ask})
	if err != nil {
		d.ConfirmPages.Forget(ask.ElicitationID)
		if ctx.Err() != nil {
			return authorization{}, ctx.Err()
		}
		return authorization{}, &Refusal{
			Reason: "The client could not open the confirmation page (" + quoteName(firstLine(err.Error())) + "), so nothing was changed",
			Code:   "confirmation_page_failed",
			Fix:    "call the tool again to get a new page, or confirm from an MCP client whose confirmation dialog works.",
		}
	}
	yes, err := d.pageAnswered(ctx, ask.ElicitationID, owner, answer)
	if err == nil {
		// The client may close what it showed for the page.
		_ = srv.SendElicitationComplete(ctx, server.ClientSessionFromContext(ctx), ask.ElicitationID)
	}
	switch {
	case err != nil:
		return authorization{}, err
	case yes:
		return authorization{grant: &grant{rows: q.rows}}, nil
	}
	return authorization{declined: true}, nil
}

// pageAnswered waits for the page's answer once the client reports the user
// agreed to open it: the client's "accept" only means they went there.
func (d *Deps) pageAnswered(ctx context.Context, id, owner string, r *mcp.ElicitationResult) (bool, error) {
	if d.ConfirmPages == nil {
		return false, &Refusal{Reason: "The answer names a confirmation page, and this server opens none", Code: "confirmation_page_unknown",
			Fix: "call the tool again without the answer."}
	}
	if r.Action != mcp.ElicitationResponseActionAccept {
		d.ConfirmPages.Forget(id)
		return false, nil
	}
	answer, err := d.ConfirmPages.Wait(ctx, id, owner)
	switch {
	case errors.Is(err, confirmpage.ErrExpired):
		return false, &Refusal{Reason: "The confirmation page was not answered within 10 minutes, so nothing was changed", Code: "confirmation_page_expired",
			Fix: "call the tool again: the user gets a new page."}
	case errors.Is(err, confirmpage.ErrUnknown):
		return false, &Refusal{Reason: "The answer names a confirmation page this server does not hold for this change (answered already, expired, or another change's)", Code: "confirmation_page_unknown",
			Fix: "call the tool again: the user gets a new page."}
	case err != nil:
		return false, err
	}
	return answer == confirmpage.Confirmed, nil
}
