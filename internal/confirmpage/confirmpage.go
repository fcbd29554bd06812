// Package confirmpage serves one-time confirmation pages. A person opens one in
// a browser (MCP's URL-mode elicitation sends the client its address), reads
// what a change will do, and confirms it, typing a name where asked, or
// cancels. What they type goes from the browser to this server only: never
// through the MCP client, so never through the model.
//
// A page is served on a loopback listener, for a server whose client runs on
// the same computer (stdio). Its address holds 130 random bits, it answers once,
// it expires, and it answers only requests for its own host and origin, so that
// another site, or a DNS name rebound to 127.0.0.1, cannot use it.
package confirmpage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Page is what a confirmation page shows and asks.
type Page struct {
	Title string // the page's heading, e.g. "Confirm: restore_backup"
	Text  string // what the change does, plain text, shown as it is
	// Label asks for the typed text ("Type the VPS's name"); "" shows buttons
	// only. Match says whether a typed text confirms.
	Label string
	Match func(typed string) bool
	// Owner is who may collect the answer (Wait): an opaque string the caller
	// binds the page to, so that an answer cannot be taken for another change.
	Owner string
	TTL   time.Duration // how long the page can be answered
}

// Answer is the person's answer on a page.
type Answer int

const (
	Cancelled Answer = iota // they cancelled, or mistyped too often
	Confirmed
)

var (
	// ErrExpired is Wait's answer when the page was not answered in time.
	ErrExpired = errors.New("the confirmation page expired before it was answered")
	// ErrUnknown is Wait's answer for a page this server does not hold for the owner.
	ErrUnknown = errors.New("no such confirmation page")
)

// maxWrong is how many mistyped texts a page takes before it cancels itself.
const maxWrong = 5

// Pages holds the open pages and serves them.
type Pages struct {
	log *slog.Logger
	now func() time.Time

	mu     sync.Mutex
	pages  map[string]*entry
	srv    *http.Server // nil until the first page opens
	host   string       // "127.0.0.1:port" once listening
	closed bool
}

type entry struct {
	page    Page
	expires time.Time
	done    chan struct{} // closed once answered
	answer  Answer
	wrong   int
}

// NewLoopback returns pages served on 127.0.0.1, on a port chosen when the
// first page opens: a server that never needs one never listens.
func NewLoopback(log *slog.Logger) *Pages {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pages{log: log, now: time.Now, pages: map[string]*entry{}}
}

// Open publishes page and returns its id and address.
func (p *Pages) Open(page Page) (id, url string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return "", "", errors.New("the confirmation pages are closed")
	}
	if p.srv == nil {
		if err := p.listen(); err != nil {
			return "", "", err
		}
	}
	now := p.now()
	for id, e := range p.pages {
		if now.After(e.expires) {
			delete(p.pages, id)
		}
	}
	id = rand.Text()
	p.pages[id] = &entry{page: page, expires: now.Add(page.TTL), done: make(chan struct{})}
	return id, "http://" + p.host + "/confirm/" + id, nil
}

// listen starts the loopback listener; p.mu is held.
func (p *Pages) listen() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("cannot listen on the loopback address for a confirmation page: %w", err)
	}
	p.host = l.Addr().String()
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	go func(srv *http.Server) {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Warn("confirmation pages stopped", "error", err)
		}
	}(p.srv)
	p.log.Info("serving confirmation pages on the loopback address", "addr", p.host)
	return nil
}

// Wait waits until the page id is answered, expires, or ctx ends, and then
// forgets it: an answer is collected once. owner must be the page's.
func (p *Pages) Wait(ctx context.Context, id, owner string) (Answer, error) {
	p.mu.Lock()
	e, ok := p.pages[id]
	p.mu.Unlock()
	if !ok || e.page.Owner != owner {
		return Cancelled, ErrUnknown
	}
	defer p.Forget(id)
	expiry := time.NewTimer(e.expires.Sub(p.now()))
	defer expiry.Stop()
	select {
	case <-e.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return e.answer, nil
	case <-expiry.C:
		return Cancelled, ErrExpired
	case <-ctx.Done():
		return Cancelled, ctx.Err()
	}
}

// Forget closes the page id, answered or not.
func (p *Pages) Forget(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.pages, id)
}

// Close stops serving; open pages are forgotten.
func (p *Pages) Close() error {
	p.mu.Lock()
	srv := p.srv
	p.closed, p.pages = true, map[string]*entry{}
	p.mu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

// ServeHTTP serves GET and POST /confirm/{id}.
func (p *Pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	p.mu.Lock()
	host := p.host
	p.mu.Unlock()
	// A DNS name rebound to 127.0.0.1 reaches this listener under another Host;
	// another site's form posts under another Origin.
	if r.Host != host || (r.Header.Get("Origin") != "" && r.Header.Get("Origin") != "http://"+host) {
		http.Error(w, "This page is served only at its own address.", http.StatusForbidden)
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/confirm/")
	if !ok || id == "" || strings.Contains(id, "/") {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		p.show(w, id)
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "The form could not be read.", http.StatusBadRequest)
			return
		}
		p.answer(w, id, r.PostForm.Get("action"), r.PostForm.Get("typed"))
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
	}
}

// open returns the page id while it can still be answered.
func (p *Pages) open(id string) (*entry, bool) {
	e, ok := p.pages[id]
	if !ok || p.now().After(e.expires) {
		return nil, false
	}
	select {
	case <-e.done:
		return e, false
	default:
		return e, true
	}
}

func (p *Pages) show(w http.ResponseWriter, id string) {
	p.mu.Lock()
	e, ok := p.open(id)
	var page Page
	if ok {
		page = e.page
	}
	p.mu.Unlock()
	if !ok {
		render(w, http.StatusNotFound, view{Title: "Confirmation page closed", Note: "This page was answered already, has expired, or never existed. Nothing is changed from here; ask for the change again to get a new page."})
		return
	}
	render(w, http.StatusOK, view{Title: page.Title, Text: page.Text, Label: page.Label, Form: true})
}

func (p *Pages) answer(w http.ResponseWriter, id, action, typed string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.open(id)
	if !ok {
		render(w, http.StatusNotFound, view{Title: "Confirmation page closed", Note: "This page was answered already, has expired, or never existed. Nothing is changed from here."})
		return
	}
	page := e.page
	switch {
	case action == "cancel":
		e.answer = Cancelled
	case action != "confirm":
		render(w, http.StatusBadRequest, view{Title: page.Title, Text: page.Text, Label: page.Label, Form: true, Note: "Choose Confirm or Cancel."})
		return
	case page.Match != nil && !page.Match(typed):
		if e.wrong++; e.wrong < maxWrong {
			render(w, http.StatusUnprocessableEntity, view{Title: page.Title, Text: page.Text, Label: page.Label, Form: true,
				Note: fmt.Sprintf("That is not what the page asks you to type; nothing was changed. Try again (%d tries left), or cancel.", maxWrong-e.wrong)})
			return
		}
		e.answer = Cancelled
	default:
		e.answer = Confirmed
	}
	close(e.done)
	if e.answer == Confirmed {
		render(w, http.StatusOK, view{Title: "Confirmed", Note: "Thank you: the change goes ahead now. You can close this page and go back to your assistant."})
		return
	}
	render(w, http.StatusOK, view{Title: "Cancelled", Note: "Nothing is changed. You can close this page."})
}

// view is what the template shows.
type view struct {
	Title, Text, Label, Note string
	Form                     bool
}

func render(w http.ResponseWriter, status int, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, v)
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}: hostup-mcp</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
pre{white-space:pre-wrap;background:#f4f4f4;padding:1rem;border-radius:6px}
.note{font-weight:bold}input[type=text]{font-size:1rem;width:100%;padding:.4rem}button{font-size:1rem;margin:.8rem .6rem 0 0;padding:.4rem 1rem}</style>
</head><body>
<h1>{{.Title}}</h1>
{{if .Note}}<p class="note">{{.Note}}</p>{{end}}
{{if .Text}}<pre>{{.Text}}</pre>{{end}}
{{if .Form}}<form method="post">
{{if .Label}}<label for="typed">{{.Label}}</label>
<input type="text" id="typed" name="typed" autocomplete="off" spellcheck="false" autofocus>{{end}}
<button type="submit" name="action" value="confirm">Confirm</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>
<p>This page works once and only from this computer. Your assistant does not see what you type here.</p>{{end}}
</body></html>
`))
