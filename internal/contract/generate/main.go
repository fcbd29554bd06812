// Command generate writes the golden files of package contract. It runs from
// the module's root, where `go generate ./...` runs main.go's directives:
//
//	go run ./internal/contract/generate -schemas   # tools/schemas.json
//	go run ./internal/contract/generate            # the snapshots, the context budget, manifest.json's lists
//
// The second run lists the server, which embeds tools/schemas.json as it was
// when the program was built: main.go runs the two in this order, each as a
// build of its own, so that the second sees what the first wrote.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hostup/hostup-mcp/internal/config"
	"github.com/hostup/hostup-mcp/internal/contract"
	"github.com/hostup/hostup-mcp/internal/serve"
)

func main() {
	schemas := flag.Bool("schemas", false, "write "+contract.SchemasFile+" only")
	flag.Parse()
	write := writeListed
	if *schemas {
		write = writeSchemas
	}
	if err := write(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "contract:", err)
		os.Exit(1)
	}
}

func writeSchemas(context.Context) error {
	all, err := contract.ReflectSchemas()
	if err != nil {
		return err
	}
	b, err := contract.SchemasJSON(all)
	if err != nil {
		return err
	}
	return writeFile(contract.SchemasFile, b)
}

// writeListed writes what comes from listing the server hostup-mcp serves: the
// tool snapshots, the context budget and manifest.json's lists. A tool that
// grew past its budget, or a prompt the manifest has no text for, is left for
// a person to decide, and fails the run after every file is written.
func writeListed(ctx context.Context) error {
	// The sandbox with no environment: the listing is every tool, whatever
	// the developer's shell sets.
	cfg, _, err := config.Parse([]string{"--sandbox"}, func(string) string { return "" })
	if err != nil {
		return err
	}
	app, err := serve.New(cfg, serve.Options{Version: "contract", Logs: io.Discard})
	if err != nil {
		return err
	}
	defer app.Close()
	listing, err := contract.List(ctx, app.MCP)
	if err != nil {
		return err
	}
	if err := writeSnapshots(listing); err != nil {
		return err
	}
	grown, err := writeBudget(ctx, app)
	if err != nil {
		return err
	}
	withoutText, err := writeManifest(listing)
	if err != nil {
		return err
	}
	var problems []error
	if len(grown) > 0 {
		problems = append(problems, fmt.Errorf("%s keeps the records of tools that grew more than %d%%; every conversation pays for them: say them shorter, or, if the growth is worth it, raise their numbers there by hand:\n  %s",
			contract.BudgetFile, int(contract.GrowthAllowed*100), strings.Join(grown, "\n  ")))
	}
	for _, name := range withoutText {
		problems = append(problems, fmt.Errorf("%s: write the text of the prompt %s by hand: what the bundle sends, using its arguments as ${arguments.NAME}", contract.ManifestFile, name))
	}
	return errors.Join(problems...)
}

func writeSnapshots(l contract.Listing) error {
	if err := os.MkdirAll(contract.SnapshotDir, 0o755); err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, tool := range l.Tools {
		m, err := contract.ToolJSON(tool)
		if err != nil {
			return err
		}
		snap, err := contract.Snapshot(m)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(contract.SnapshotDir, tool.Name+".snap"), snap); err != nil {
			return err
		}
		listed[tool.Name] = true
	}
	// A snapshot without a tool is a tool that was removed or renamed.
	files, _ := filepath.Glob(filepath.Join(contract.SnapshotDir, "*.snap"))
	for _, f := range files {
		if !listed[strings.TrimSuffix(filepath.Base(f), ".snap")] {
			if err := os.Remove(f); err != nil {
				return err
			}
			fmt.Fprintln(os.Stderr, "contract: removed", f)
		}
	}
	return nil
}

func writeBudget(ctx context.Context, app *serve.App) (grown []string, err error) {
	measured, err := contract.ModelFacingBytes(ctx, app.MCP)
	if err != nil {
		return nil, err
	}
	recorded := map[string]int{}
	switch raw, err := os.ReadFile(contract.BudgetFile); {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(raw, &recorded); err != nil {
			return nil, fmt.Errorf("%s: %w", contract.BudgetFile, err)
		}
	}
	next, grown := contract.NextBudget(recorded, measured)
	b, err := contract.BudgetJSON(next)
	if err == nil {
		err = writeFile(contract.BudgetFile, b)
	}
	return grown, err
}

func writeManifest(l contract.Listing) (withoutText []string, err error) {
	b, err := os.ReadFile(contract.ManifestFile)
	if err != nil {
		return nil, err
	}
	out, withoutText, err := contract.Manifest(b, l)
	if err == nil {
		err = writeFile(contract.ManifestFile, out)
	}
	return withoutText, err
}

// writeFile writes b to path and says so when it changed the file.
func writeFile(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "contract: wrote", path)
	return nil
}
