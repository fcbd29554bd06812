package tools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/hostup/hostup-mcp/internal/coord"
)

// A fleet's result may be more than the shared record holds: the record then
// keeps an error that says so, which other replicas answer with, rather than
// a value Redis would refuse or the record's bound would cut.
func TestAResultLargerThanTheRecordHoldsIsRecordedAsAnErrorSayingSo(t *testing.T) {
	small := reply{Result: json.RawMessage(`{"content":[]}`)}
	if got := boundedOutcome(small); string(got) != `{"result":{"content":[]}}` {
		t.Fatalf("a small result: %s", got)
	}
	big := reply{Result: json.RawMessage(`"` + strings.Repeat("x", coord.MaxTaskOutcome) + `"`)}
	var kept reply
	got := boundedOutcome(big)
	if err := json.Unmarshal(got, &kept); err != nil || len(got) > coord.MaxTaskOutcome {
		t.Fatalf("a large result kept as %d bytes: %v", len(got), err)
	}
	if kept.Error == nil || kept.Error.Code != mcp.INTERNAL_ERROR || !strings.Contains(kept.Error.Message, "more than replicas share") {
		t.Fatalf("a large result kept as %+v, want an error saying it was too large", kept.Error)
	}
}
