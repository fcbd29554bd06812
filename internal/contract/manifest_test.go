package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hostup/hostup-mcp/internal/config"
	"github.com/hostup/hostup-mcp/internal/serve"
)

// readManifestLists reads the tools and prompts manifest.json lists.
func readManifestLists(t *testing.T) (m struct {
	Tools   []manifestTool   `json:"tools"`
	Prompts []manifestPrompt `json:"prompts"`
}) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	return m
}

// listServer lists the server hostup-mcp serves for --sandbox, with no
// environment: the developer's own cannot change a result.
func listServer(t *testing.T) Listing {
	t.Helper()
	cfg, _, err := config.Parse([]string{"--sandbox"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	app, err := serve.New(cfg, serve.Options{Version: "test", Logs: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	l, err := List(context.Background(), app.MCP)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The bundle lists what the server lists, and each prompt's text uses exactly
// the prompt's arguments.
func TestManifestListsWhatTheServerLists(t *testing.T) {
	m := readManifestLists(t)
	l := listServer(t)
	var want, got []string
	for _, tool := range l.Tools {
		want = append(want, tool.Name+": "+tool.Description)
	}
	for _, tool := range m.Tools {
		got = append(got, tool.Name+": "+tool.Description)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("manifest.json tools differ from tools/list (name: description); if the server is right, run %s\nmanifest:\n  %s\nserver:\n  %s",
			Command, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	want, got = nil, nil
	for _, p := range l.Prompts {
		var args []string
		for _, a := range p.Arguments {
			args = append(args, a.Name)
		}
		want = append(want, fmt.Sprintf("%s%v: %s", p.Name, args, p.Description))
	}
	for _, p := range m.Prompts {
		got = append(got, fmt.Sprintf("%s%v: %s", p.Name, p.Arguments, p.Description))
		for _, a := range p.Arguments {
			if !strings.Contains(p.Text, "${arguments."+a+"}") {
				t.Errorf("manifest prompt %s: text does not use argument %s", p.Name, a)
			}
		}
		for _, ref := range regexp.MustCompile(`\$\{arguments\.([a-z_]+)\}`).FindAllStringSubmatch(p.Text, -1) {
			if !slices.Contains(p.Arguments, ref[1]) {
				t.Errorf("manifest prompt %s: text uses undeclared argument %s", p.Name, ref[1])
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("manifest.json prompts differ from prompts/list (name[arguments]: description); if the server is right, run %s\nmanifest:\n  %s\nserver:\n  %s",
			Command, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
