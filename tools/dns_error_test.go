package tools_test

import (
	"net"
	"net/http"
	"testing"
)

type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// A host name that does not resolve is a setting or network problem on this
// side: blaming HostUp ("may be down") sent users to HostUp's status page.
func TestUnresolvableHostNameIsNamedAsSuch(t *testing.T) {
	e := newEnv(t, newSim())
	e.http.next = failingTransport{&net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "cloud.hostup.example", IsNotFound: true}}}
	text := e.fails("list_vps", map[string]any{})
	contains(t, text, "cloud.hostup.example could not be resolved", "HOSTUP_API_URL", "nothing was sent")
	lacks(t, text, "HostUp may be down", "hostup: ")
}
