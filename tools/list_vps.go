package tools

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/mark3labs/mcp-go/server"

	"github.com/hostup/hostup-mcp/hostup"
)

// ListVPSInput filters the account's VPSes.
type ListVPSInput struct {
	Query string `json:"query,omitempty" jsonschema:"maxLength=200" jsonschema_description:"Part of a name, hostname, IP or id; an exact name or IP searches every page."`
	Limit int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=500,default=100" jsonschema_description:"Most VPSes to return."`
}

// VPSView is one VPS.
type VPSView struct {
	// The VPS id (vps_…) every other tool takes as vps_id.
	ID       string `json:"id"`
	Name     string `json:"name"`
	Hostname string `json:"hostname,omitempty"`
	// HostUp service status, e.g. active or suspended.
	Status          string `json:"status"`
	PowerState      string `json:"power_state,omitempty"`
	PrimaryIP       string `json:"primary_ip,omitempty"`
	OperatingSystem string `json:"operating_system,omitempty"`
}

// ListVPSOutput is the account's VPSes.
type ListVPSOutput struct {
	Common
	VPS []VPSView `json:"vps"`
	// How many VPSes matched.
	Total int `json:"total"`
	// How many matching VPSes are not in the list because of limit.
	LeftOut int `json:"left_out"`
	// Complete when every VPS of the account was read; truncated when the
	// account has more VPSes than this server reads in one call (only an exact
	// name or primary IP as query finds those beyond); unknown when HostUp's
	// list gave no sign of whether more VPSes follow (there may be).
	Completeness string `json:"completeness" jsonschema:"enum=complete,enum=truncated,enum=unknown"`
}

// The default and the most of limit (the schema's maximum).
const (
	listVPSLimit    = 100
	listVPSMaxLimit = 500
)

func listVPS(d *Deps) server.ServerTool {
	return newTool(d, "list_vps", "List VPSes",
		"Lists the account's VPSes. Other tools take a vps_id from here, as listed; never guess one. "+
			"A numeric vmid (HostUp's API v1) only as the user gives it: reads, "+
			"upsert_backup_schedule (not replacing) and delete_backup (by volid) take one.",
		readOnlyHints,
		func(ctx context.Context, _ *Call, in ListVPSInput) (ListVPSOutput, string, error) {
			limit := in.Limit
			if limit == 0 {
				limit = listVPSLimit
			}
			list, err := d.Client.ListVPS(ctx, hostup.ListVPSParams{})
			if err != nil {
				return ListVPSOutput{}, "", err
			}
			query := strings.TrimSpace(in.Query)
			if (list.Truncated || list.CompletenessUnknown) && query != "" {
				// The VPSes beyond what one call reads are out of reach of the
				// search below; HostUp's own filters, exact name and primary IP,
				// cover the whole account.
				if err := d.addExactMatches(ctx, list, query); err != nil {
					return ListVPSOutput{}, "", err
				}
			}
			q := strings.ToLower(query)
			matched := []VPSView{}
			for _, v := range list.VPS {
				view := vpsView(v)
				if q == "" || view.matches(q) {
					matched = append(matched, view)
				}
			}
			shown, left := capList(matched, limit)
			out := ListVPSOutput{VPS: shown, Total: len(matched), LeftOut: left, Completeness: completeness(list.Truncated, list.CompletenessUnknown)}
			return out, out.text(in.Query, limit), nil
		})
}

func vpsView(v hostup.VPS) VPSView {
	view := VPSView{ID: v.ID, Name: v.Name, Hostname: deref(v.Hostname), Status: v.ServiceStatus, PowerState: deref(v.PowerState), PrimaryIP: deref(v.PrimaryIP)}
	if v.OperatingSystem != nil {
		view.OperatingSystem = v.OperatingSystem.DisplayName
	}
	return view
}

// addExactMatches adds the VPSes HostUp finds by exact name or primary IP to a
// truncated list, once each.
func (d *Deps) addExactMatches(ctx context.Context, list *hostup.VPSList, query string) error {
	searches := []hostup.ListVPSParams{{Name: query}}
	if net.ParseIP(query) != nil {
		searches = append(searches, hostup.ListVPSParams{PrimaryIP: query})
	}
	seen := map[string]bool{}
	for _, v := range list.VPS {
		seen[v.ID] = true
	}
	for _, p := range searches {
		found, err := d.Client.ListVPS(ctx, p)
		if err != nil {
			return err
		}
		for _, v := range found.VPS {
			if !seen[v.ID] {
				seen[v.ID] = true
				list.VPS = append(list.VPS, v)
			}
		}
	}
	return nil
}

// matches is a case-insensitive search: part of the name, hostname or IP, but
// only the start of the id, since any two ids share fragments (vps_, digits) and
// a query of "01" must not match every id containing it.
func (v VPSView) matches(q string) bool {
	if strings.HasPrefix(strings.ToLower(v.ID), q) {
		return true
	}
	for _, s := range []string{v.Name, v.Hostname, v.PrimaryIP} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

func (o ListVPSOutput) text(query string, limit int) string {
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
		fmt.Fprintf(&b, "\n- %s  %s", v.ID, inList(v.Name))
		if v.Hostname != "" && v.Hostname != v.Name {
			fmt.Fprintf(&b, " (%s)", inList(v.Hostname))
		}
		fmt.Fprintf(&b, "  %s", v.Status)
		if v.PrimaryIP != "" {
			fmt.Fprintf(&b, "  %s", v.PrimaryIP)
		}
	}
	switch {
	case o.LeftOut > 0 && limit < listVPSMaxLimit:
		fmt.Fprintf(&b, "\n… and %d more not shown: call list_vps again with a higher limit (up to %d) or a query that narrows the list.", o.LeftOut, listVPSMaxLimit)
	case o.LeftOut > 0:
		fmt.Fprintf(&b, "\n… and %d more not shown: call list_vps again with a query that narrows the list.", o.LeftOut)
	}
	switch {
	case o.Completeness == listTruncated && query != "":
		// addExactMatches already asked HostUp across the whole account.
		fmt.Fprintf(&b, "\nThe account has more VPSes than one call reads: beyond them, only a VPS whose exact name or primary IP is %q can be found, and HostUp was asked for it.", query)
	case o.Completeness == listTruncated:
		b.WriteString("\nThe account has more VPSes than one call reads, so the list stops there. To find a VPS beyond it, call list_vps with query set to its exact name or primary IP: HostUp looks those up across the whole account.")
	case o.Completeness == listUnknown && query != "":
		fmt.Fprintf(&b, "\n%s HostUp was also asked across the whole account for a VPS whose exact name or primary IP is %q.", completenessUnknownNote, query)
	case o.Completeness == listUnknown:
		b.WriteString("\n" + completenessUnknownNote + " To find a VPS that may be beyond them, call list_vps with query set to its exact name or primary IP: HostUp looks those up across the whole account.")
	}
	return b.String()
}
