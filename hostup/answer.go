package hostup

import (
	"context"
	"net/http"
)

// Answer is HostUp's reply to a change it accepted (a 2xx): the status, and the
// job when HostUp queued the change instead of making it at once (the operation
// envelope, hostup-api.md §0). An accepted change is not yet a made one: HostUp's
// docs leave most write responses open (§2: "Success status code: UNKNOWN",
// "Response body: UNKNOWN"), so callers read the state back and decide from what
// it shows; Answer is what they can quote of HostUp's side.
type Answer struct {
	Status int        // HostUp's 2xx status; 0 when not known (v1's envelope)
	Job    *Operation // the job HostUp queued the change as; nil when it named none
}

// Queued reports whether HostUp took the change as a job to run later.
func (a Answer) Queued() bool { return a.Job != nil }

// write sends a v2 change and returns HostUp's answer: its status, and the job
// of an operation envelope, whatever the status (a 200 may carry one too).
func (c *Client) write(ctx context.Context, method, path string, body any) (Answer, []byte, error) {
	resp, err := c.send(ctx, authBearer, method, path, nil, body)
	if err != nil {
		return Answer{}, nil, err
	}
	a := Answer{Status: resp.status}
	if resp.status != http.StatusNoContent {
		a.Job = decodeOperation(resp.body)
	}
	return a, resp.body, nil
}
