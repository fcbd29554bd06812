package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ---------------------------------------------------------------- 1. start-up

type nodeRef struct {
	node, entry, version, nodeVersion string
}

// prepareNode finds node, installs the pinned reference server with npm ci when
// node_modules does not hold the pinned version, and returns how to start it.
func prepareNode(dir string) (*nodeRef, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node is not on PATH: install Node.js (20 or later) for the start-up reference, or pass -no-node")
	}
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := readJSON(filepath.Join(dir, "package.json"), &manifest); err != nil {
		return nil, err
	}
	pinned := manifest.Dependencies[referencePackage]
	pkgDir := filepath.Join(dir, "node_modules", filepath.FromSlash(referencePackage))
	var installed struct {
		Version string            `json:"version"`
		Bin     map[string]string `json:"bin"`
	}
	if err := readJSON(filepath.Join(pkgDir, "package.json"), &installed); err != nil || installed.Version != pinned {
		logf("installing %s@%s with npm ci into %s", referencePackage, pinned, filepath.Join(dir, "node_modules"))
		npm := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
		npm.Dir = dir
		npm.Stdout, npm.Stderr = os.Stderr, os.Stderr
		if err := npm.Run(); err != nil {
			return nil, fmt.Errorf("npm ci in %s: %w (or pass -no-node)", dir, err)
		}
		if err := readJSON(filepath.Join(pkgDir, "package.json"), &installed); err != nil {
			return nil, err
		}
	}
	if installed.Version != pinned {
		return nil, fmt.Errorf("%s: installed %s, pinned %s", referencePackage, installed.Version, pinned)
	}
	var entry string
	for _, e := range installed.Bin {
		entry = filepath.Join(pkgDir, filepath.FromSlash(e))
	}
	if entry == "" {
		return nil, fmt.Errorf("%s declares no bin entry", referencePackage)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &nodeRef{node: node, entry: entry, version: installed.Version, nodeVersion: strings.TrimSpace(string(out))}, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// timeStartup spawns argv and returns the time until the first initialize response.
func timeStartup(name string, argv, env []string) (time.Duration, error) {
	line, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initializeParams()})
	line = append(line, '\n')
	start := time.Now()
	p, err := spawn(name, argv, env, "")
	if err != nil {
		return 0, err
	}
	defer p.close(3 * time.Second)
	if err := p.write(line); err != nil {
		return 0, err
	}
	_, _, at, err := p.readResponse(1)
	return at.Sub(start), err
}

func benchStartup(s settings, bin string, node *nodeRef) (row, string, error) {
	goArgv := []string{bin, "--sandbox"}
	goEnv := childEnv()
	var nodeArgv []string
	if node != nil {
		nodeArgv = []string{node.node, node.entry, "stdio"}
	}
	// One untimed start of each first, so that neither pays for a cold page cache.
	if _, err := timeStartup("hostup-mcp", goArgv, goEnv); err != nil {
		return row{}, "", err
	}
	if node != nil {
		if _, err := timeStartup(referencePackage, nodeArgv, goEnv); err != nil {
			return row{}, "", err
		}
	}
	var goTimes, nodeTimes []time.Duration
	for i := range s.startups {
		logf("start-up %d/%d", i+1, s.startups)
		d, err := timeStartup("hostup-mcp", goArgv, goEnv)
		if err != nil {
			return row{}, "", err
		}
		goTimes = append(goTimes, d)
		if node != nil {
			d, err := timeStartup(referencePackage, nodeArgv, goEnv)
			if err != nil {
				return row{}, "", err
			}
			nodeTimes = append(nodeTimes, d)
		}
	}
	goMed := median(goTimes)
	r := row{
		num: "1", figure: fmt.Sprintf("start-up: spawn → initialize answer (stdio, median of %d)", s.startups),
		measured:  ms(goMed),
		reference: "not run (-no-node)",
		goal:      fmt.Sprintf("≤ %.1f× Node", goalStartupRatio),
	}
	detail := fmt.Sprintf("1. start-up, %d runs each, alternating, after one untimed run each:\n"+
		"   hostup-mcp --sandbox (built binary): median %s  min %s  max %s\n", s.startups, ms(goMed), ms(slices.Min(goTimes)), ms(slices.Max(goTimes)))
	if node != nil {
		nodeMed := median(nodeTimes)
		ratio := float64(goMed) / float64(nodeMed)
		r.measured = fmt.Sprintf("%s = %.3f× Node", ms(goMed), ratio)
		r.reference = fmt.Sprintf("Node %s: %s", node.version, ms(nodeMed))
		r.judged, r.pass = true, ratio <= goalStartupRatio
		detail += fmt.Sprintf("   node %s stdio (%s@%s): median %s  min %s  max %s\n", filepath.Base(node.entry), referencePackage, node.version, ms(nodeMed), ms(slices.Min(nodeTimes)), ms(slices.Max(nodeTimes)))
	}
	return r, detail, nil
}
