package hostup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// ExactInt is a whole number that HostUp's v1 API sends as a JSON number in one place
// and as a string in another (ids, day_of_week, backup sizes), kept as the text HostUp
// wrote. A backup size can exceed 2^53, beyond what a float64 or a JavaScript client
// holds exactly, which is why HostUp sends history sizes as strings and why ExactInt
// never goes through a float.
//
// It decodes from a number, a string (kept verbatim, even when it is not a number, so
// that nothing is lost) or null (the empty value), and encodes as a JSON string.
type ExactInt string

// UnmarshalJSON accepts a JSON number, a JSON string or null.
func (n *ExactInt) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case string(data) == "null":
		*n = ""
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*n = ExactInt(s)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(data, &num); err != nil {
		return fmt.Errorf("hostup: %s is neither a number nor a string", data)
	}
	*n = ExactInt(num.String())
	return nil
}

// MarshalJSON writes a string, so that a large value reaches JavaScript clients intact.
func (n ExactInt) MarshalJSON() ([]byte, error) { return json.Marshal(string(n)) }

// String returns the text as HostUp sent it.
func (n ExactInt) String() string { return string(n) }

// Int64 returns the value when it is a whole number that fits an int64.
func (n ExactInt) Int64() (int64, bool) {
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil
}
