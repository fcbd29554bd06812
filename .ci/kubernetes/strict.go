// Command strict checks that every field in the Kubernetes manifests of a
// folder (deploy/kubernetes/ by default) is one the Kubernetes API knows, where
// it stands: it decodes each object strictly into the API's own Go types
// (k8s.io/api, pinned in go.mod), as the API server's strict field validation
// does. The JSON schemas (validate.mjs) allow unknown fields, so a misspelt or
// misplaced optional field would pass them unnoticed and be dropped by a
// cluster that only warns. Prints one PASS or FAIL line per object.
//
//	(cd .ci/kubernetes && go run . ../../deploy/kubernetes)
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// types are the kinds deploy/kubernetes/ uses, by "apiVersion kind".
var types = map[string]func() any{
	"apps/v1 Deployment":                 func() any { return &appsv1.Deployment{} },
	"v1 Service":                         func() any { return &corev1.Service{} },
	"v1 Secret":                          func() any { return &corev1.Secret{} },
	"policy/v1 PodDisruptionBudget":      func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1 NetworkPolicy": func() any { return &networkingv1.NetworkPolicy{} },
}

var (
	separator = regexp.MustCompile(`(?m)^---[ \t]*$`)
	manifest  = regexp.MustCompile(`\.ya?ml(\.example)?$`)
)

func main() {
	dir := "deploy/kubernetes"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		fmt.Println("FAIL", err)
		os.Exit(1)
	}
	sort.Strings(files)
	failed := 0
	for _, file := range files {
		if !manifest.MatchString(file) {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Printf("FAIL %s: %v\n", file, err)
			failed++
			continue
		}
		for _, doc := range separator.Split(string(data), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			if err := checkStrict(file, []byte(doc)); err != nil {
				fmt.Printf("FAIL %v\n", err)
				failed++
			}
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}

func checkStrict(file string, doc []byte) error {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return fmt.Errorf("%s: not YAML: %v", file, err)
	}
	what := fmt.Sprintf("%s: %s %s %s", file, meta.APIVersion, meta.Kind, meta.Metadata.Name)
	newObject, ok := types[meta.APIVersion+" "+meta.Kind]
	if !ok {
		return fmt.Errorf("%s: not a kind this check knows; add its k8s.io/api type to .ci/kubernetes/strict.go", what)
	}
	if err := yaml.UnmarshalStrict(doc, newObject()); err != nil {
		return fmt.Errorf("%s: %v", what, err)
	}
	fmt.Printf("PASS %s has only fields the Kubernetes API knows, each in its place\n", what)
	return nil
}
