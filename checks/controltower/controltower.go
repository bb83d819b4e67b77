// Package controltower checks CloudFormation templates against the AWS
// Control Tower proactive controls: the cfn-guard rules and the cfn-guard
// binary that the npm package @cdklabs/cdk-validator-cfnguard ships (a
// pinned devDependency in package.json).
//
// Organisations that enable a proactive control get every stack operation
// that breaks it refused by a CloudFormation hook. Guard.Validate returns
// every failure of every control over a set of templates; Check sorts them
// with Waivers, the one list of the controls the project decides not to
// meet (with the reason) and of the failures that are still to fix (with
// the exact change), and fails on anything else, and on a waiver that
// matches nothing.
package controltower

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
)

// PackageDir is where npm installs the validator, relative to the module root.
const PackageDir = "node_modules/@cdklabs/cdk-validator-cfnguard"

// Guard is the cfn-guard binary and the Control Tower rules of an installed
// @cdklabs/cdk-validator-cfnguard.
type Guard struct {
	// Binary is the cfn-guard executable for this machine.
	Binary string
	// Rules is the directory of the Control Tower rules (*.guard).
	Rules string
	// Controls describes each control by the name of its guard rule.
	Controls map[string]Control
}

// Control is one Control Tower proactive control, as its rule file and its
// metadata describe it.
type Control struct {
	// ID is the control's identifier, for example CT.KMS.PR.3.
	ID string
	// Rule is the name of the guard rule that implements it.
	Rule string
	// Title is the control's display name.
	Title string
	// Remediation says how to meet it.
	Remediation string
}

// Failure is one resource of one template that a control fails.
type Failure struct {
	Control  string
	Title    string
	Template string
	// Resource is the resource's logical ID; empty when the rule failed on
	// the template as a whole.
	Resource string
	// Remediation says how to meet the control.
	Remediation string
}

func (f Failure) String() string {
	return fmt.Sprintf("%s %s %s: %s", f.Control, f.Template, f.Resource, f.Title)
}

// Find returns the Guard of the validator installed in dir (normally
// PackageDir below the module root). It reads the rules' names and the
// controls' metadata; it runs nothing.
func Find(dir string) (*Guard, error) {
	platform := map[string]string{"linux": "ubuntu", "darwin": "macos"}[runtime.GOOS]
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if platform == "" || arch == "" {
		return nil, fmt.Errorf("controltower: no cfn-guard binary for %s/%s (the package ships linux and darwin, amd64 and arm64)", runtime.GOOS, runtime.GOARCH)
	}
	g := &Guard{
		Binary:   filepath.Join(dir, "bin", platform, arch, "cfn-guard"),
		Rules:    filepath.Join(dir, "rules", "control-tower", "cfn-guard"),
		Controls: map[string]Control{},
	}
	if _, err := os.Stat(g.Binary); err != nil {
		return nil, fmt.Errorf("controltower: %w: run `npm ci` at the module root to install @cdklabs/cdk-validator-cfnguard", err)
	}
	metadata := filepath.Join(dir, "rules", "control-tower", "metadata")
	ruleName := regexp.MustCompile(`(?m)^rule ([A-Za-z0-9_]+) when `)
	err := filepath.WalkDir(g.Rules, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".guard") {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		m := ruleName.FindSubmatch(body)
		if m == nil {
			return fmt.Errorf("controltower: %s: no top-level rule", path)
		}
		base := strings.TrimSuffix(filepath.Base(path), ".guard")
		c := Control{ID: strings.ToUpper(strings.ReplaceAll(base, "-", ".")), Rule: string(m[1])}
		rel, err := filepath.Rel(g.Rules, path)
		if err != nil {
			return err
		}
		meta, err := os.ReadFile(filepath.Join(metadata, filepath.Dir(rel), base+".metadata.json"))
		if err == nil {
			var md struct{ Id, DisplayName, RemediationMessage string }
			if err := json.Unmarshal(meta, &md); err != nil {
				return fmt.Errorf("controltower: %s: %w", base, err)
			}
			c.ID, c.Title, c.Remediation = md.Id, md.DisplayName, md.RemediationMessage
		}
		if other, ok := g.Controls[c.Rule]; ok {
			return fmt.Errorf("controltower: rule %s implements both %s and %s", c.Rule, other.ID, c.ID)
		}
		g.Controls[c.Rule] = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(g.Controls) == 0 {
		return nil, fmt.Errorf("controltower: no rules in %s", g.Rules)
	}
	return g, nil
}

// Validate runs every control over the templates (JSON or YAML files) and
// returns the failures, one per control, template and resource, sorted.
func (g *Guard) Validate(templates ...string) ([]Failure, error) {
	if len(templates) == 0 {
		return nil, errors.New("controltower: no templates to validate")
	}
	args := []string{"validate", "--rules", g.Rules, "--output-format", "json", "--show-summary", "none", "--structured"}
	for _, t := range templates {
		args = append(args, "--data", t)
	}
	// cfn-guard names each file by its absolute path: report it as given.
	given := map[string]string{}
	for _, t := range templates {
		if abs, err := filepath.Abs(t); err == nil {
			given[abs] = t
		}
	}
	cmd := exec.Command(g.Binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	// cfn-guard exits 19 when a rule fails, 0 when none does.
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 19) {
		return nil, fmt.Errorf("controltower: cfn-guard: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return g.parse(stdout.Bytes(), given)
}

// guardFile is one data file's result in cfn-guard's structured JSON.
type guardFile struct {
	Name         string           `json:"name"`
	NotCompliant []map[string]any `json:"not_compliant"`
}

var controlInMessage = regexp.MustCompile(`\[(CT\.[A-Z0-9]+\.PR\.[0-9]+)\]`)

func (g *Guard) parse(out []byte, given map[string]string) ([]Failure, error) {
	var files []guardFile
	if err := json.Unmarshal(out, &files); err != nil {
		return nil, fmt.Errorf("controltower: cfn-guard output: %w", err)
	}
	seen := map[Failure]bool{}
	var failures []Failure
	for _, f := range files {
		if t, ok := given[f.Name]; ok {
			f.Name = t
		}
		for _, nc := range f.NotCompliant {
			rule, _ := nc["Rule"].(map[string]any)
			name, _ := rule["name"].(string)
			c, ok := g.Controls[name]
			if !ok {
				// A rule the package added without metadata: its message names the control.
				c = Control{Rule: name, Title: name}
				if m := controlInMessage.FindStringSubmatch(fmt.Sprint(nc)); m != nil {
					c.ID = m[1]
				}
			}
			resources := failedResources(nc)
			if len(resources) == 0 {
				resources = []string{""}
			}
			for _, r := range resources {
				fl := Failure{Control: c.ID, Title: c.Title, Template: f.Name, Resource: r, Remediation: c.Remediation}
				if !seen[fl] {
					seen[fl] = true
					failures = append(failures, fl)
				}
			}
		}
	}
	sort.Slice(failures, func(i, j int) bool {
		a, b := failures[i], failures[j]
		if a.Template != b.Template {
			return a.Template < b.Template
		}
		if a.Control != b.Control {
			return a.Control < b.Control
		}
		return a.Resource < b.Resource
	})
	return failures, nil
}

var resourcePath = regexp.MustCompile(`^/Resources/([^/]+)`)

// failedResources returns the logical IDs of the resources a failed rule's
// checks traversed to. A comparison's "to" side is the value compared
// against, which may be another resource, so it is left out.
func failedResources(v any) []string {
	set := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "to" {
					continue
				}
				if s, ok := x.(string); ok && k == "path" {
					if m := resourcePath.FindStringSubmatch(s); m != nil {
						set[m[1]] = true
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Templates returns the CloudFormation templates under each path: a file is
// taken as it is; a directory is searched, with its subdirectories (a CDK
// pipeline's stages are assembly-* subdirectories of cdk.out), for
// *.template.json files.
func Templates(paths ...string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("controltower: %w", err)
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		n := len(out)
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".template.json") {
				out = append(out, path)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(out) == n {
			return nil, fmt.Errorf("controltower: %s: no *.template.json files", p)
		}
	}
	return out, nil
}
