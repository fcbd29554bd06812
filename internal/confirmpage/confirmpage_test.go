package confirmpage

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hostup/hostup-mcp/internal/leakcheck"
)

func open(t *testing.T, p *Pages, page Page) (id, addr string) {
	t.Helper()
	if page.TTL == 0 {
		page.TTL = time.Minute
	}
	id, addr, err := p.Open(page)
	if err != nil {
		t.Fatal(err)
	}
	return id, addr
}

func send(t *testing.T, method, addr string, header map[string]string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, addr, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// A page is answered once, only at its own address and from its own origin,
// and its answer is collected once, by its owner.
func TestAPageAnswersOnceAtItsOwnAddressOnly(t *testing.T) {
	before := runtime.NumGoroutine()
	p := NewLoopback(nil)
	id, addr := open(t, p, Page{Title: "Confirm: restore_backup", Text: "Restore VPS vps_1 (\"<b>web</b>\")", Label: "Type the VPS's name",
		Match: func(s string) bool { return s == "web" }, Owner: "me"})
	u, _ := url.Parse(addr)
	origin := "http://" + u.Host

	code, body := send(t, http.MethodGet, addr, nil, nil)
	if code != http.StatusOK || !strings.Contains(body, "Restore VPS vps_1 (&#34;&lt;b&gt;web&lt;/b&gt;&#34;)") || !strings.Contains(body, `name="typed"`) {
		t.Fatalf("GET: %d\n%s", code, body)
	}
	for name, c := range map[string]struct {
		method string
		header map[string]string
	}{
		"a DNS name rebound to loopback": {http.MethodGet, map[string]string{"Host": "attacker.example:" + u.Port()}},
		"localhost instead of 127.0.0.1": {http.MethodPost, map[string]string{"Host": "localhost:" + u.Port(), "Origin": "http://localhost:" + u.Port()}},
		"another site's form":            {http.MethodPost, map[string]string{"Origin": "https://attacker.example"}},
	} {
		if code, _ := send(t, c.method, addr, c.header, url.Values{"action": {"confirm"}, "typed": {"web"}}); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, code)
		}
	}
	if code, _ := send(t, http.MethodGet, strings.Replace(addr, id, strings.ToLower(id), 1), nil, nil); code != http.StatusNotFound {
		t.Errorf("another id: %d, want 404", code)
	}
	if code, body := send(t, http.MethodPost, addr, map[string]string{"Origin": origin}, url.Values{"action": {"confirm"}, "typed": {"db"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "4 tries left") {
		t.Errorf("mistyped: %d\n%s", code, body)
	}
	if code, body := send(t, http.MethodPost, addr, map[string]string{"Origin": origin}, url.Values{"action": {"confirm"}, "typed": {"web"}}); code != http.StatusOK || !strings.Contains(body, "Confirmed") {
		t.Errorf("typed right: %d\n%s", code, body)
	}
	if code, _ := send(t, http.MethodPost, addr, map[string]string{"Origin": origin}, url.Values{"action": {"cancel"}}); code != http.StatusNotFound {
		t.Errorf("a second answer: %d, want 404", code)
	}
	if _, err := p.Wait(context.Background(), id, "someone else"); !errors.Is(err, ErrUnknown) {
		t.Errorf("another owner: %v", err)
	}
	if a, err := p.Wait(context.Background(), id, "me"); err != nil || a != Confirmed {
		t.Errorf("the owner: %v %v", a, err)
	}
	if _, err := p.Wait(context.Background(), id, "me"); !errors.Is(err, ErrUnknown) {
		t.Errorf("collected twice: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Open(Page{TTL: time.Minute}); err == nil {
		t.Error("a closed Pages opened a page")
	}
	leakcheck.Wait(t, before)
}

// A page nobody answers expires; waiting honours the caller's cancellation.
func TestAPageExpiresAndWaitingCanBeCancelled(t *testing.T) {
	p := NewLoopback(nil)
	defer p.Close()
	id, addr := open(t, p, Page{Owner: "me", TTL: 30 * time.Millisecond})
	if _, err := p.Wait(context.Background(), id, "me"); !errors.Is(err, ErrExpired) {
		t.Errorf("unanswered: %v, want ErrExpired", err)
	}
	if code, _ := send(t, http.MethodGet, addr, nil, nil); code != http.StatusNotFound {
		t.Errorf("an expired page: %d, want 404", code)
	}
	id, _ = open(t, p, Page{Owner: "me"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Wait(ctx, id, "me"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// Without a text to type, the page has buttons only, and Cancel is an answer.
func TestAPageWithoutATypedTextIsConfirmedOrCancelledWithAButton(t *testing.T) {
	p := NewLoopback(nil)
	defer p.Close()
	id, addr := open(t, p, Page{Title: "Confirm: delete_backup", Text: "Delete backup bkp_1", Owner: "me"})
	_, body := send(t, http.MethodGet, addr, nil, nil)
	if strings.Contains(body, `name="typed"`) || !strings.Contains(body, `value="cancel"`) {
		t.Errorf("the page:\n%s", body)
	}
	u, _ := url.Parse(addr)
	send(t, http.MethodPost, addr, map[string]string{"Origin": "http://" + u.Host}, url.Values{"action": {"cancel"}})
	if a, err := p.Wait(context.Background(), id, "me"); err != nil || a != Cancelled {
		t.Errorf("cancelled: %v %v", a, err)
	}
}
