package hostup

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// v1 sends a v1 request (X-API-Key, same retries and error decoding as v2) and
// unwraps the v1 success envelope {success, timestamp, requestId, data}. data is nil
// when a 2xx came without a body.
func (c *Client) v1(ctx context.Context, method, path string, body any) (json.RawMessage, V1Meta, error) {
	resp, err := c.send(ctx, authAPIKey, method, path, nil, body)
	if err != nil {
		return nil, V1Meta{}, err
	}
	data, meta, failed := unwrapV1(resp.body)
	if failed != nil {
		apiErr := newAPIError(method, path, resp.status, resp.header, failed, c.keyFor(ctx).value(), c.now())
		if apiErr.Title == http.StatusText(resp.status) {
			apiErr.Title = "Not successful"
		}
		if apiErr.Detail == "" {
			apiErr.Detail = fmt.Sprintf("HostUp answered %d but reported success: false", resp.status)
		}
		// HostUp's answer arrived and says no: a refusal, for a change as for a
		// read, never an answer lost on the way (ErrOutcomeUnknown).
		return nil, meta, apiErr
	}
	return data, meta, nil
}

// unwrapV1 returns the envelope's data and meta. A body that is not an envelope (no
// "data" member) is taken as bare data, because HostUp's v1 docs are captures of
// varying completeness. failed is the object that said "success": false, at the top
// or in data (v1 data often repeats success), so its code and message can be decoded.
func unwrapV1(body []byte) (data json.RawMessage, meta V1Meta, failed []byte) {
	body = bytes.TrimSpace(body)
	top := object(body)
	if top == nil {
		if len(body) == 0 {
			return nil, meta, nil
		}
		return body, meta, nil
	}
	meta = V1Meta{Success: isTrue(top["success"]), Timestamp: text(top["timestamp"]), RequestID: text(top["requestId"])}
	if isFalse(top["success"]) {
		return nil, meta, body
	}
	data, ok := top["data"]
	if !ok {
		return body, meta, nil
	}
	if inner := object(data); inner != nil && isFalse(inner["success"]) {
		return nil, meta, data
	}
	return data, meta, nil
}

func isTrue(raw json.RawMessage) bool {
	var b bool
	return json.Unmarshal(raw, &b) == nil && b
}

// isFalse is true only for an explicit false: an absent success says nothing.
func isFalse(raw json.RawMessage) bool {
	var b bool
	return len(raw) > 0 && json.Unmarshal(raw, &b) == nil && !b
}

// decodeV1 decodes data into out; an answer that does not fit is a DecodeError
// naming the field, with key redacted from what it quotes.
func decodeV1(method, path string, data json.RawMessage, out any, key string) error {
	if len(data) == 0 || string(data) == "null" {
		return &DecodeError{Method: method, Path: path, Field: "data", Value: cmp.Or(string(data), "nothing"), Want: "an object",
			Err: errors.New("the response carried no data")}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return newDecodeError(method, path, data, err, "", key)
	}
	return nil
}
