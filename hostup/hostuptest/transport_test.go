package hostuptest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
)

func TestTransportServesInProcessAndTurnsDropIntoAnError(t *testing.T) {
	sim := Sandbox()
	c := &http.Client{Transport: sim.Transport()}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://cloud.hostup.se/api/v2/vps", nil)
	req.Header.Set("Authorization", "Bearer "+SandboxAPIKey)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v2/vps through the transport: %v %v", resp, err)
	}
	resp.Body.Close()

	sim.SetFault(http.MethodGet, "/api/v2/vps", Fault{Drop: true})
	if _, err := c.Do(req); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a dropped connection should surface as ErrUnexpectedEOF, got %v", err)
	}
}
