package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// manifestTool and manifestPrompt are the entries of manifest.json's lists.
type manifestTool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type manifestPrompt struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Arguments   []string `json:"arguments,omitempty"`
	// Text is what the bundle sends for the prompt, written by hand: it
	// refers to the arguments as ${arguments.NAME}.
	Text string `json:"text"`
}

// Manifest rewrites the "tools" and "prompts" lists of manifest (the file's
// bytes) from what the server lists, and leaves every other byte as it was.
// Both lists keep the manifest's order; new entries go last. A prompt keeps
// its text; withoutText names the prompts that have none yet, whose text must
// be written by hand.
func Manifest(manifest []byte, l Listing) (out []byte, withoutText []string, err error) {
	var was struct {
		Tools   []manifestTool   `json:"tools"`
		Prompts []manifestPrompt `json:"prompts"`
	}
	if err := json.Unmarshal(manifest, &was); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	tools := make([]manifestTool, len(l.Tools))
	for i, t := range l.Tools {
		tools[i] = manifestTool{Name: t.Name, Description: t.Description}
	}
	keepOrder(tools, was.Tools, func(t manifestTool) string { return t.Name })
	prompts := make([]manifestPrompt, len(l.Prompts))
	for i, p := range l.Prompts {
		prompts[i] = manifestPrompt{Name: p.Name, Description: p.Description}
		for _, a := range p.Arguments {
			prompts[i].Arguments = append(prompts[i].Arguments, a.Name)
		}
		if j := slices.IndexFunc(was.Prompts, func(w manifestPrompt) bool { return w.Name == p.Name }); j >= 0 {
			prompts[i].Text = was.Prompts[j].Text
		}
		if prompts[i].Text == "" {
			withoutText = append(withoutText, p.Name)
		}
	}
	keepOrder(prompts, was.Prompts, func(p manifestPrompt) string { return p.Name })
	if out, err = replaceList(manifest, "tools", tools); err == nil {
		out, err = replaceList(out, "prompts", prompts)
	}
	return out, withoutText, err
}

// keepOrder sorts entries in the order of was (by name), new ones last.
func keepOrder[E any](entries, was []E, name func(E) string) {
	rank := map[string]int{}
	for i, w := range was {
		rank[name(w)] = i + 1
	}
	last := len(rank) + 1
	slices.SortStableFunc(entries, func(a, b E) int {
		ra, rb := rank[name(a)], rank[name(b)]
		if ra == 0 {
			ra = last
		}
		if rb == 0 {
			rb = last
		}
		return ra - rb
	})
}

// replaceList replaces the top-level list key of the manifest with list,
// indented as the rest of the file.
func replaceList(manifest []byte, key string, list any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("  ", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(list); err != nil {
		return nil, err
	}
	head := []byte("\n  \"" + key + "\": [")
	start := bytes.Index(manifest, head)
	if start < 0 {
		return nil, fmt.Errorf("%s: cannot find the %q list", ManifestFile, key)
	}
	end := bytes.Index(manifest[start+1:], []byte("\n  ]"))
	if end < 0 {
		return nil, fmt.Errorf("%s: cannot find the end of the %q list", ManifestFile, key)
	}
	end += start + 1 + len("\n  ]")
	return slices.Concat(manifest[:start], []byte("\n  \""+key+"\": "), bytes.TrimSuffix(b.Bytes(), []byte("\n")), manifest[end:]), nil
}
