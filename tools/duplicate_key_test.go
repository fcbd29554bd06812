package tools

import "testing"

func TestDuplicateKeyFindsARepeatedNameAtAnyDepth(t *testing.T) {
	tests := []struct {
		raw  string
		want string // "" when there is no duplicate
	}{
		{`{}`, ""},
		{`{"vps_id":"vps_a","note":"vps_id"}`, ""},
		{`{"a":{"b":1},"b":2,"c":[{"a":1},{"a":2}]}`, ""},
		{`{"vps_ids":["vps_a","vps_a"]}`, ""},
		{`{"vps_id":"vps_a","vps_id":"vps_b"}`, "vps_id"},
		{`{"a":{"x":1,"y":{"z":[1,{"k":1,"k":2}]}}}`, "k"},
		{`{"a":[1,2],"b":{},"a":3}`, "a"},
		{`{"a":"\u0062","\u0061":1}`, "a"},
		{`[{"a":1},{"a":1,"a":2}]`, "a"},
	}
	for _, tt := range tests {
		got, dup := duplicateKey([]byte(tt.raw))
		if dup != (tt.want != "") || got != tt.want {
			t.Errorf("duplicateKey(%s) = %q, %v; want %q", tt.raw, got, dup, tt.want)
		}
	}
}
