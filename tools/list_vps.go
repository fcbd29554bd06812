package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// ListVPSInput filters the account's VPSes.
type ListVPSInput struct {
	Query string `json:"query,omitempty" jsonschema:"maxLength=200" jsonschema_description:"Optional text to match (case-insensitive) in the name, hostname, id or primary IP."`
	Limit int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=500,default=100" jsonschema_description:"Most VPSes to return (default 100)."`
}

// VPSView is one VPS.
type VPSView struct {
	ID              string `json:"id" jsonschema_description:"The VPS id (vps_…) every other tool takes as vps_id."`
	Name            string `json:"name"`
	Hostname        string `json:"hostname,omitempty"`
	Status          string `json:"status" jsonschema_description:"HostUp service status, e.g. active or suspended."`
	PowerState      string `json:"power_state,omitempty"`
	PrimaryIP       string `json:"primary_ip,omitempty"`
	OperatingSystem string `json:"operating_system,omitempty"`
}

// ListVPSOutput is the account's VPSes.
type ListVPSOutput struct {
	Common
	VPS       []VPSView `json:"vps"`
	Total     int       `json:"total" jsonschema_description:"How many VPSes matched."`
	LeftOut   int       `json:"left_out" jsonschema_description:"How many matching VPSes are not in the list because of limit."`
	Truncated bool      `json:"truncated" jsonschema_description:"True when the account has more VPSes than this server reads in one call."`
}

func listVPS(d *Deps) server.ServerTool {
	return newTool(d, "list_vps", "List VPSes",
		"Lists the account's VPSes (id, name, hostname, status, primary IP). Call this first: it is the only source of vps_id values. Never guess or construct an id.",
		readOnlyHints,
		func(ctx context.Context, _ *Call, in ListVPSInput) (ListVPSOutput, string, error) {
			limit := in.Limit
			if limit == 0 {
				limit = 100
			}
			list, err := d.Client.ListVPS(ctx, hostup.ListVPSParams{})
			if err != nil {
				return ListVPSOutput{}, "", err
			}
			q := strings.ToLower(strings.TrimSpace(in.Query))
			matched := []VPSView{}
			for _, v := range list.VPS {
				view := vpsView(v)
				if q == "" || view.matches(q) {
					matched = append(matched, view)
				}
			}
			shown, left := capList(matched, limit)
			out := ListVPSOutput{VPS: shown, Total: len(matched), LeftOut: left, Truncated: list.Truncated}
			return out, out.text(in.Query), nil
		})
}

func vpsView(v hostup.VPS) VPSView {
	view := VPSView{ID: v.ID, Name: v.Name, Hostname: deref(v.Hostname), Status: v.ServiceStatus, PowerState: deref(v.PowerState), PrimaryIP: deref(v.PrimaryIP)}
	if v.OperatingSystem != nil {
		view.OperatingSystem = v.OperatingSystem.DisplayName
	}
	return view
}

func (v VPSView) matches(q string) bool {
	for _, s := range []string{v.Name, v.Hostname, v.ID, v.PrimaryIP} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

func (o ListVPSOutput) text(query string) string {
	var b strings.Builder
	switch {
	case o.Total == 0 && query != "":
		fmt.Fprintf(&b, "No VPS matches %q.", query)
	case o.Total == 0:
		b.WriteString("The account has no VPS.")
	default:
		fmt.Fprintf(&b, "%d VPS:", o.Total)
	}
	for _, v := range o.VPS {
		fmt.Fprintf(&b, "\n- %s  %s", v.ID, v.Name)
		if v.Hostname != "" && v.Hostname != v.Name {
			fmt.Fprintf(&b, " (%s)", v.Hostname)
		}
		fmt.Fprintf(&b, "  %s", v.Status)
		if v.PrimaryIP != "" {
			fmt.Fprintf(&b, "  %s", v.PrimaryIP)
		}
	}
	if o.LeftOut > 0 {
		fmt.Fprintf(&b, "\n… and %d more (raise limit or use query).", o.LeftOut)
	}
	if o.Truncated {
		b.WriteString("\nThe account has more VPSes than one call reads; use query to narrow.")
	}
	return b.String()
}
