package hostup

import (
	"context"
	"net/http"
)

// RestoreBackup calls POST /api/v2/vps/{id}/backups/{backupId}/actions/restore, the
// in-place restore: HostUp replaces the VPS's disk with the backup. HostUp's page for
// it could not be read (hostup-api.md §3); like every v2 action it is taken to answer
// 202 with the operation envelope. No body is sent. The answer's job is nil when a
// 2xx body does not carry one: the restore was accepted all the same, and callers
// read the state back rather than trust the body.
func (c *Client) RestoreBackup(ctx context.Context, vpsID, backupID string) (Answer, error) {
	bid, err := segment(KindBackup, backupID)
	if err != nil {
		return Answer{}, err
	}
	id, err := segment(KindVPS, vpsID)
	if err != nil {
		return Answer{}, err
	}
	a, _, err := c.write(ctx, http.MethodPost, RestorePath(id, bid), nil)
	return a, err
}
