package authz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Decisions of a request.
const (
	Allowed          = "Allowed"
	ExplicitlyDenied = "ExplicitlyDenied"
	ImplicitlyDenied = "ImplicitlyDenied"
	// Unresolved: the request cannot be made as the templates stand (an
	// SSM document parameter without a value).
	Unresolved = "Unresolved"
	// Error: the engine refused the input (an invalid policy, an ARN that
	// fits no resource type of the action): a model or template bug.
	Error = "Error"
)

// Outcome is the engine's answer for one request.
type Outcome struct {
	ID                 string   `json:"id"`
	Decision           string   `json:"decision"`
	Reasons            []string `json:"reasons"`
	IgnoredContextKeys []string `json:"ignoredContextKeys"`
	// Notes say how the engine evaluated the request when it had to work
	// around a limitation of its own.
	Notes []string `json:"notes"`
}

// Statement is one policy statement to lint, with where it is.
type Statement struct {
	ID        string         `json:"id"`
	Kind      string         `json:"kind"`
	Statement map[string]any `json:"statement"`
}

// Finding is a reference-lint finding on a statement.
type Finding struct {
	// ID is the statement's ID: <template>:<resource>:<policy>#<Sid or n>.
	ID       string `json:"id"`
	Rule     string `json:"rule"`
	Action   string `json:"action"`
	Key      string `json:"key,omitempty"`
	Resource string `json:"resource,omitempty"`
	Message  string `json:"message"`
}

// engineOutput is what authz/js/driver.mjs writes.
type engineOutput struct {
	Versions    map[string]string `json:"versions"`
	Simulations []Outcome         `json:"simulations"`
	Findings    []Finding         `json:"findings"`
}

// ModuleRoot is the directory of the go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// runEngine evaluates the requests and lints the statements in one node
// process (authz/js/driver.mjs), which needs the packages of package.json
// (npm ci).
func runEngine(requests []Request, statements []Statement) (*engineOutput, error) {
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	for _, pkg := range []string{"iam-simulate", "iam-data"} {
		if _, err := os.Stat(filepath.Join(root, "node_modules", "@cloud-copilot", pkg)); err != nil {
			return nil, fmt.Errorf("node_modules/@cloud-copilot/%s is missing: run npm ci at %s", pkg, root)
		}
	}
	type sim struct {
		ID         string         `json:"id"`
		Simulation map[string]any `json:"simulation"`
	}
	in := struct {
		Simulations []sim       `json:"simulations"`
		Statements  []Statement `json:"statements"`
	}{Statements: statements}
	for _, r := range requests {
		if r.Unresolved == "" {
			in.Simulations = append(in.Simulations, sim{ID: r.ID(), Simulation: r.Simulation})
		}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	if dump := os.Getenv("AUTHZ_ENGINE_INPUT"); dump != "" {
		// For debugging the model: node authz/js/driver.mjs < $AUTHZ_ENGINE_INPUT
		if err := os.WriteFile(dump, body, 0o644); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command("node", filepath.Join(root, "authz", "js", "driver.mjs"))
	cmd.Stdin = bytes.NewReader(body)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("node authz/js/driver.mjs: %w\n%s", err, stderr.String())
	}
	var out engineOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("node authz/js/driver.mjs: %w", err)
	}
	return &out, nil
}
