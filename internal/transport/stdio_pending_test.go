package transport

import (
	"encoding/json"
	"strings"
	"testing"
)

var classifySeeds = []string{
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_vps","arguments":{"query":"}{\"]"}}}`,
	`{"jsonrpc":"2.0","id":"a","result":{"content":[{"type":"text","text":"x\"}"}],"structuredContent":{"a":[1,2,{"b":null}]}}}`,
	`{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"no such method"}}`,
	`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
	`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`,
	`{"jsonrpc":"2.0","id":2,"method":""}`,
	`{"jsonrpc":"2.0","id":2,"method":null,"result":null}`,
	`{"jsonrpc":"2.0","id":3,"method":5}`,
	`{"ID":4,"Method":"ping"}`,
	`{"\u0069d":5,"method":"ping"}`,
	`{"id":6,"method":"ping","id":null}`,
	` { "id" : 8 , "result" : { } } `,
	`{"id":9,"method":"ping",}`,
	`{"id":10,"method":"ping"} trailing`,
	`{"id":11,"method":"ping"`,
	`{"id":12,"method":"p\"ing"}`,
	`{}`,
	`[]`,
	`"id"`,
	``,
	`{"id":{"nested":[1,"]"]},"result":[{"}":"{"}]}`,
	`{"id":13,"result":tru}`,
	`{"jsonrpc":"2.0","id":15,"method":5,"method":"ping"}`,
	`{"id":16,"Method":{},"method":"ping"}`,
	`{"id":17,"method":"ping","method":null}`,
	`{"id":18,"method":5,"method":null,"result":{}}`,
	`{"id":19,"method":"ping","method":""}`,
}

func TestClassifyAgreesWithDecodingTheWholeLine(t *testing.T) {
	for _, line := range classifySeeds {
		checkClassify(t, []byte(line))
	}
}

// What mcp-go writes and clients send is read by member names; a fast path
// that always gave up would pass the differential test and help nobody.
func TestClassifyReadsCommonLinesByNames(t *testing.T) {
	big := `{"jsonrpc":"2.0","id":14,"result":{"content":[{"type":"text","text":"` + strings.Repeat(`\"}]x`, 1<<18) + `"}]}}`
	for _, line := range append(classifySeeds[:3:3], big) {
		if _, _, ok := classifyByNames([]byte(line)); !ok {
			t.Errorf("%.80q was decoded whole", line)
		}
	}
	if request, answer := classify([]byte(big)); request || !answer {
		t.Errorf("a large answer: request %v, answer %v; want an answer", request, answer)
	}
}

func FuzzClassify(f *testing.F) {
	for _, line := range classifySeeds {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) { checkClassify(t, []byte(line)) })
}

// checkClassify holds the reading by names to encoding/json's reading of the
// whole line, wherever it reads one, and classify to never counting a line
// that is not valid JSON as a request (mcp-go answers it with a parse error
// that has no id, which would leave the request counted open).
func checkClassify(t *testing.T, line []byte) {
	t.Helper()
	wantRequest, wantAnswer := classifyByDecoding(line)
	if request, answer, ok := classifyByNames(line); ok && (request != wantRequest || answer != wantAnswer) {
		t.Errorf("%q: by names request %v, answer %v; decoding it says request %v, answer %v", line, request, answer, wantRequest, wantAnswer)
	}
	if request, _ := classify(line); request && !json.Valid(line) {
		t.Errorf("%q is not valid JSON, yet classify counts it as a request", line)
	}
}

// Lines are passed on whole however the writes cut them, each once, in order.
func TestLinesAreJoinedAcrossWrites(t *testing.T) {
	var got []string
	l := lines{each: func(line []byte) { got = append(got, string(line)) }}
	for _, write := range []string{`{"id":1}` + "\n" + `{"id"`, `:2}`, "\n\n" + `{"id":3}` + "\n" + `{"id":4}` + "\n", `{"id":5`} {
		l.feed([]byte(write))
	}
	want := []string{`{"id":1}`, `{"id":2}`, ``, `{"id":3}`, `{"id":4}`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines %q, want %q", got, want)
	}
	if string(l.buf) != `{"id":5` {
		t.Errorf("kept %q, want the unfinished line", l.buf)
	}
}
