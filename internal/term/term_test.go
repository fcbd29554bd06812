package term

import (
	"io"
	"os"
	"strings"
	"testing"
)

// Only a terminal is asked: not a pipe, not a file, and not the null device,
// which CI and `< /dev/null` give and which is a character device too.
func TestATerminalIsNotTheNullDeviceOrAPipe(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	for name, r := range map[string]io.Reader{"the null device": null, "a pipe": pr, "a string": strings.NewReader("db-01\n")} {
		if Is(r) {
			t.Errorf("%s is taken for a terminal", name)
		}
	}
}
