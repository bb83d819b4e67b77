// Package testutil holds helpers shared by the project's tests: fresh stacks,
// recovering construct panics, and reading synthesized product templates.
package testutil

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/jsii-runtime-go"
)

// Run runs the package's tests, then the cleanups, and stops the jsii
// runtime, so no Node.js process outlives the test binary. Call it from
// TestMain.
//
// Before the tests, it turns the CDK's built-in CloudFormation validation off
// for every app of the test binary (CDK_VALIDATION=false, which the jsii
// runtime inherits when it starts), unless the environment says otherwise.
// The apps NewApp returns have it off already; this reaches the apps tests
// and Examples create with awscdk.NewApp(nil). The validation asserts
// nothing there: its findings are warnings on stderr, which a passing test
// hides. It costs about 4 s of CPU per test binary (a WebAssembly engine that
// starts on the first synthesis). cfn-lint (CI) and the schema test
// (test/integration) validate every template the app synthesizes.
func Run(m *testing.M, cleanups ...func()) {
	if _, set := os.LookupEnv("CDK_VALIDATION"); !set {
		os.Setenv("CDK_VALIDATION", "false")
		// The jsii runtime's process took its environment when the CDK's
		// packages registered their types (at init). It has not started:
		// nothing calls into the CDK before TestMain. Closing it makes the
		// tests' first call start one with this environment.
		jsii.Close()
	}
	code := m.Run()
	for _, c := range cleanups {
		c()
	}
	jsii.Close()
	os.Exit(code)
}

// NewStack returns a fresh App (see NewApp) and an environment-agnostic Stack.
func NewStack() (awscdk.App, awscdk.Stack) {
	app := NewApp(nil)
	return app, awscdk.NewStack(app, jsii.String("Test"), nil)
}

// NewApp returns an App with the CDK's context of the project's cdk.json
// (its feature flags: see CLIContext) plus overrides, so tests synthesize
// what `cdk synth` synthesizes on the embedded defaults. An outdir may be
// given in props.
func NewApp(props *awscdk.AppProps) awscdk.App {
	ctx := CLIContext()
	if props == nil {
		props = &awscdk.AppProps{}
	}
	if props.Context != nil {
		for k, v := range *props.Context {
			ctx[k] = v
		}
	}
	p := *props
	// The functions' binary is not built: tests read templates, and the
	// asset keeps its source hash (see internal/functions).
	if _, ok := ctx["aws:cdk:bundling-stacks"]; !ok {
		ctx["aws:cdk:bundling-stacks"] = []any{}
	}
	p.Context = &ctx
	p.AnalyticsReporting = jsii.Bool(false)
	// As main.go: CDK's built-in validation is off; cfn-lint and the schema
	// tests validate the templates.
	p.BuiltinCloudFormationValidation = jsii.Bool(false)
	return awscdk.NewApp(&p)
}

var (
	cdkJSONOnce sync.Once
	cdkJSON     map[string]any
)

// CLIContext returns the context `cdk synth` gives the app, without the
// deployment's own values: the CDK's keys (feature flags, "aws:cdk:..."
// settings, cached lookups) of the cdk.json at the module root (found from
// the working directory upwards), and the CLI's default of path metadata on
// resources, which is part of the templates (and so of product version
// snapshots). A deployment keeps its configuration in the same cdk.json;
// tests run on the embedded defaults plus what each test sets, so that they
// pass whatever a deployment keeps there.
func CLIContext() map[string]any {
	cdkJSONOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			panic(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				panic("testutil: no go.mod above the working directory")
			}
			dir = parent
		}
		body, err := os.ReadFile(filepath.Join(dir, "cdk.json"))
		if err != nil {
			panic(err)
		}
		var doc struct {
			Context map[string]any `json:"context"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			panic(fmt.Errorf("cdk.json: %w", err))
		}
		cdkJSON = map[string]any{}
		for k, v := range doc.Context {
			if cdkKey(k) {
				cdkJSON[k] = v
			}
		}
	})
	out := make(map[string]any, len(cdkJSON)+1)
	for k, v := range cdkJSON {
		out[k] = v
	}
	out["aws:cdk:enable-path-metadata"] = true
	return out
}

// PanicMessage runs f and returns the message it panicked with, or "" when
// it did not panic.
func PanicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// Template is a synthesized CloudFormation template.
type Template map[string]any

// ProductTemplate synthesizes app and reads the product stack's template
// from the cloud assembly (assertions.Template_FromStack does not support
// ProductStack).
func ProductTemplate(t testing.TB, app awscdk.App, ps awsservicecatalog.ProductStack) Template {
	t.Helper()
	dir := *app.Synth(nil).Directory()
	return ReadTemplate(t, filepath.Join(dir, *ps.TemplateFile()))
}

// ReadTemplate reads a template file.
func ReadTemplate(t testing.TB, path string) Template {
	t.Helper()
	tmpl, err := ReadTemplateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// ReadTemplateFile reads a template file, for code that has no testing.TB
// (a synthesis shared by several tests).
func ReadTemplateFile(path string) (Template, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tmpl Template
	if err := json.Unmarshal(body, &tmpl); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tmpl, nil
}

// Resources returns the template's resources of type typ by logical ID.
func (tmpl Template) Resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	resources, _ := tmpl["Resources"].(map[string]any)
	for id, r := range resources {
		if res, ok := r.(map[string]any); ok && res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// Only returns the properties of the single resource of type typ, failing
// the test when there is not exactly one.
func (tmpl Template) Only(t testing.TB, typ string) map[string]any {
	t.Helper()
	rs := tmpl.Resources(typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, got %d", typ, len(rs))
	}
	for _, r := range rs {
		props, _ := r["Properties"].(map[string]any)
		return props
	}
	return nil
}

// JSON renders v compactly, for substring assertions on intrinsic values.
func JSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// CDKKey reports whether a context key is the CDK's rather than a
// configuration key (see cdkKey).
func CDKKey(k string) bool { return cdkKey(k) }

// cdkKey reports whether a context key is the CDK's rather than a
// configuration key: the same rule as the app's (internal/config), feature
// flags (@aws-cdk/...), settings and lookups (with a colon).
func cdkKey(k string) bool {
	return strings.HasPrefix(k, "@") || strings.Contains(k, ":") ||
		k == "acknowledged-issue-numbers" || k == "cli-telemetry"
}
