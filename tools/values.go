package tools

import "strconv"

// quoted shows a text that neither this server nor the user wrote, a name or a
// note the model passed or HostUp stored, as one value: in quotes, with line
// breaks, control characters and bidi overrides escaped (strconv.Quote escapes
// every character that is not printable, and those are not). Such a text then
// can never stand on a line of its own in a plan or a confirmation dialog, nor
// pass for the server's own words.
func quoted(s string) string { return strconv.Quote(s) }

// inList shows a name HostUp stored in a row of a list (list_vps, the audit,
// the fleet's rows, which its dialog shows too): as it is when it is one line
// of plain text, so that lists stay as easy to read as before, and quoted, its
// line breaks, control characters and bidi controls escaped, when it is not.
func inList(s string) string {
	if _, _, bad := firstNonPlain(s); bad {
		return quoted(s)
	}
	return s
}
