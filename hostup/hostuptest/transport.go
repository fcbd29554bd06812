package hostuptest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
)

// Transport returns an http.RoundTripper that serves every request in-process
// from the simulator, whatever the URL's host. It is how --sandbox runs without
// a network or a listening port.
func (s *Simulator) Transport() http.RoundTripper { return inProcess{s} }

type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (resp *http.Response, err error) {
	// A client request differs from what a server handler receives: make it look
	// like the latter (a body is never nil, RequestURI is set).
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = r.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	// A Drop fault aborts the handler, as net/http does to close a connection;
	// the caller then sees what a dropped connection looks like.
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok && errors.Is(e, http.ErrAbortHandler) {
				resp, err = nil, io.ErrUnexpectedEOF
				return
			}
			panic(p)
		}
	}()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}
