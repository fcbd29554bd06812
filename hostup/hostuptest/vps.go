package hostuptest

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/hostup/hostup-mcp/hostup"
)

const defaultPageSize = 20

// cursorPrefix makes a cursor opaque to callers yet checkable here: it encodes the
// id of the last VPS on the previous page, so pages stay stable while VPSes are added.
const cursorPrefix = "after:"

func (s *Simulator) listVPS(c *call) response {
	q := c.r.URL.Query()
	limit := defaultPageSize
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > 100 {
			return invalidRequest([]fieldError{{Pointer: "/limit", Detail: "`limit` must be an integer between 1 and 100.", Code: "out_of_range"}})
		}
		limit = n
	}
	if s.maxPage > 0 {
		limit = min(limit, s.maxPage)
	}
	ids := s.accountVPS(c.account)
	start := 0
	if q.Has("cursor") {
		i, ok := decodeCursor(q.Get("cursor"), ids)
		if !ok {
			return problem(http.StatusBadRequest, "invalid_cursor", "Cursor is invalid or malformed.")
		}
		start = i + 1
	}
	name, ip := q.Get("name"), q.Get("primaryIp")
	page := hostup.VPSPage{Data: []hostup.VPS{}}
	for _, id := range ids[start:] {
		v := s.vpses[id]
		if name != "" && !strings.EqualFold(v.model.Name, name) {
			continue
		}
		if ip != "" && (v.model.PrimaryIP == nil || *v.model.PrimaryIP != ip) {
			continue
		}
		if len(page.Data) == limit {
			page.HasMore = true
			page.NextCursor = strPtr(encodeCursor(page.Data[limit-1].ID))
			break
		}
		page.Data = append(page.Data, v.model)
	}
	return ok200(s.reshapeVPSPage(page))
}

// SetMaxPageSize makes GET /api/v2/vps serve at most n VPSes a page, fewer than
// a client's limit asks for (HostUp's docs bound limit, not the page), so that a
// small account still takes several pages; 0 serves what limit asks.
func (s *Simulator) SetMaxPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxPage = n
}

func (s *Simulator) getVPS(c *call) response {
	v, ok := s.ownedVPS(c)
	if !ok {
		return vpsNotFound()
	}
	if s.variants.WrappedVPS {
		return ok200(map[string]any{"data": v.model})
	}
	return ok200(v.model)
}

func (s *Simulator) accountVPS(account string) []string {
	var ids []string
	for _, id := range s.order {
		if s.vpses[id].account == account {
			ids = append(ids, id)
		}
	}
	return ids
}

func encodeCursor(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + lastID))
}

// decodeCursor returns the index in ids of the VPS the cursor points after.
func decodeCursor(cursor string, ids []string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, false
	}
	id, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, false
	}
	for i, candidate := range ids {
		if candidate == id {
			return i, true
		}
	}
	return 0, false
}
