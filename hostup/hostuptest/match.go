package hostuptest

import (
	"net/url"
	"strings"
)

// matchPath reports whether the request path fits pattern, where "*" stands for
// exactly one path segment and a lone "*" for any path. It returns the segments
// that the stars matched, unescaped.
//
// Segments are split on the escaped path, so an id such as "a%2Fb" stays one
// segment ("a/b") and simply names no resource, as on HostUp.
func matchPath(pattern string, u *url.URL) ([]string, bool) {
	if pattern == "*" {
		return nil, true
	}
	want := strings.Split(pattern, "/")
	got := strings.Split(u.EscapedPath(), "/")
	if len(want) != len(got) {
		return nil, false
	}
	var params []string
	for i, w := range want {
		seg, err := url.PathUnescape(got[i])
		if err != nil {
			return nil, false
		}
		switch {
		case w == "*":
			params = append(params, seg)
		case w != seg:
			return nil, false
		}
	}
	return params, true
}
