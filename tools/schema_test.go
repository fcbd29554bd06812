package tools_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hostup/hostup-mcp/internal/contract"
)

// The schemas a client sees are the ones the handlers' structs define: a field
// added, renamed or re-tagged without regenerating schemas.json fails here.
func TestEmbeddedSchemasMatchTheStructs(t *testing.T) {
	want, err := contract.ReflectSchemas()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("no tool recorded its types")
	}
	// The file the binary embeds, as it embeds it.
	file, err := os.ReadFile(filepath.Join("..", contract.SchemasFile))
	if err != nil {
		t.Fatal(err)
	}
	got, err := contract.ParseSchemas(file)
	if err != nil {
		t.Fatalf("schemas.json: %v", err)
	}
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("schemas.json has no entry for %s", name)
		case !bytes.Equal(g.Input, w.Input):
			t.Errorf("the input schema of %s in schemas.json differs from its struct", name)
		case !bytes.Equal(g.Output, w.Output):
			t.Errorf("the output schema of %s in schemas.json differs from its struct", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("schemas.json has an entry for %s, which is no tool", name)
		}
	}
	if t.Failed() {
		t.Logf("run %s, review the diff and commit it", contract.Command)
	}
}
