package product

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// HistoryProps configures the version history of a ProductStack.
type HistoryProps struct {
	// ProductStack defines the current version. Required.
	ProductStack awsservicecatalog.ProductStack
	// Current names the current version, for example "v3". Required.
	Current *string
	// Previous names earlier versions, oldest first, whose snapshots are in
	// Directory: they stay in the product, so notebooks provisioned from them
	// keep working and can be updated to the current version.
	// Default: no earlier version.
	Previous []string
	// Directory holds the released versions' snapshots
	// (<id>.<artifact>.<version>.product.template.json), committed with the
	// app. Synthesis only reads it: Lock.Release writes the current
	// version's snapshot, when asked. Must be absolute.
	// Required.
	Directory *string
	// Description describes the current version.
	// Default: no description.
	Description *string
}

// History keeps a product's released versions: the current version from its
// ProductStack, and earlier versions from their snapshots. It returns the
// versions to give to New, oldest first, and the current version's Lock,
// which releases it or checks it after synthesis.
//
// A version is released once its snapshot is in Directory, and only then
// locked: a fresh deployment's first version can change until it is
// released. The CDK's ProductStackHistory, whose file names History keeps,
// locks a version on its first synthesis instead (so every synthesis of a
// fresh clone releases a version nobody chose to release), and its lock
// fails in the middle of synthesis, where what changed cannot be shown.
//
// History panics if a field is invalid or an earlier version's snapshot is
// missing; the message names the version and the file.
func History(scope constructs.Construct, id *string, props *HistoryProps) ([]Version, *Lock) {
	if props == nil {
		props = &HistoryProps{}
	}
	path := *scope.Node().Path() + "/" + *id
	if err := props.validate(path); err != nil {
		panic(err)
	}
	l := &Lock{productStack: props.ProductStack}
	constructs.NewConstruct_Override(l, scope, id)
	p := check.New(path)
	dir := check.Str(props.Directory)
	l.Version, l.Snapshot = *props.Current, SnapshotFile(l, props.ProductStack, dir, *props.Current)

	var versions []Version
	for _, v := range props.Previous {
		file := SnapshotFile(l, props.ProductStack, dir, v)
		if _, err := os.Stat(file); err != nil {
			p.Add("Previous", v, fmt.Sprintf("a released version whose snapshot %s exists (commit the snapshots with the app)", file))
			continue
		}
		versions = append(versions, Version{Name: jsii.String(v), TemplateFile: jsii.String(file)})
	}
	p.PanicIfAny()
	return append(versions, Version{Name: props.Current, Description: props.Description, ProductStack: props.ProductStack}), l
}

// Validate reports every invalid field of props, or nil; History checks
// the same, and then that earlier versions' snapshots exist.
func (props *HistoryProps) Validate() error { return props.validate("history") }

func (props *HistoryProps) validate(path string) error {
	p := check.New(path)
	if props.ProductStack == nil {
		p.Addf("ProductStack", "required: the product stack of the current version")
	}
	current := check.Str(props.Current)
	if current == "" {
		p.Addf("Current", "required: the current version's name, such as v1")
	}
	if dir := check.Str(props.Directory); !filepath.IsAbs(dir) {
		p.Add("Directory", dir, "an absolute path to the snapshot directory")
	}
	for i, v := range props.Previous {
		if v == current || slices.Index(props.Previous, v) != i || v == "" {
			p.Add(fmt.Sprintf("Previous[%d]", i), v, "a non-empty version name, unique and other than Current")
		}
	}
	return p.Err()
}

// SnapshotFile is where a history (History's Lock, or a
// ProductStackHistory of the same path) keeps the snapshot of version.
func SnapshotFile(history constructs.IConstruct, ps awsservicecatalog.ProductStack, dir, version string) string {
	return filepath.Join(dir, fmt.Sprintf("%s.%s.%s.product.template.json", *awscdk.Names_UniqueId(history), *ps.ArtifactId(), version))
}

// Lock is a history's current version: released once its snapshot exists,
// and then locked, since notebooks provisioned from a version depend on its
// template. Check and Release run after synthesis, when the version's
// template is in the cloud assembly.
type Lock struct {
	constructs.Construct
	// Version is the current version's name.
	Version string
	// Snapshot is the current version's snapshot file, which exists once
	// the version is released.
	Snapshot     string
	productStack awsservicecatalog.ProductStack
}

// Released reports whether the current version's snapshot exists.
func (l *Lock) Released() bool {
	_, err := os.Stat(l.Snapshot)
	return err == nil
}

// Template is the file of the current version's synthesized template in the
// cloud assembly (it exists after synthesis).
func (l *Lock) Template() string {
	return filepath.Join(*awscdk.Stage_Of(l).Outdir(), *l.productStack.TemplateFile())
}

// Check returns nil if the current version is not released, or if its
// synthesized template is its snapshot, byte for byte (a different file
// would change the version's template URL); else a *ChangedError. Call it
// after synthesis.
func (l *Lock) Check() error {
	if !l.Released() {
		return nil
	}
	released, err := os.ReadFile(l.Snapshot)
	if err != nil {
		return fmt.Errorf("%s: read the snapshot of %s: %w", *l.Node().Path(), l.Version, err)
	}
	current, err := os.ReadFile(l.Template())
	if err != nil {
		return fmt.Errorf("%s: read the synthesized template of %s (synthesize first): %w", *l.Node().Path(), l.Version, err)
	}
	if bytes.Equal(released, current) {
		return nil
	}
	return &ChangedError{Path: *l.Node().Path(), Version: l.Version, Snapshot: l.Snapshot, Changes: Changes(released, current)}
}

// Release releases the current version: it writes the synthesized template
// to Snapshot, which locks the version. A released version is checked
// instead (Release never changes a snapshot). Call it after synthesis.
func (l *Lock) Release() error {
	if l.Released() {
		return l.Check()
	}
	body, err := os.ReadFile(l.Template())
	if err != nil {
		return fmt.Errorf("%s: read the synthesized template of %s (synthesize first): %w", *l.Node().Path(), l.Version, err)
	}
	if err := os.MkdirAll(filepath.Dir(l.Snapshot), 0o755); err != nil {
		return fmt.Errorf("%s: release %s: %w", *l.Node().Path(), l.Version, err)
	}
	if err := os.WriteFile(l.Snapshot, body, 0o644); err != nil {
		return fmt.Errorf("%s: release %s: %w", *l.Node().Path(), l.Version, err)
	}
	return nil
}

// Locks returns the Locks in scope's tree (an App: every stage's), in
// construct order.
func Locks(scope constructs.IConstruct) []*Lock {
	var out []*Lock
	for _, c := range *scope.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if l, ok := c.(*Lock); ok {
			out = append(out, l)
		}
	}
	return out
}

// ChangedError reports a released version whose template changed.
type ChangedError struct {
	// Path is the Lock's construct path.
	Path string
	// Version is the version's name; Snapshot its released template.
	Version, Snapshot string
	// Changes are the template paths that differ (see Changes).
	Changes []string
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("%s: version %s is released (%s) and its template changed: %s: release the change as a new version, or undo it",
		e.Path, e.Version, e.Snapshot, e.Describe())
}

// Describe lists the changes, at most five, or says that only the file's
// formatting changed.
func (e *ChangedError) Describe() string {
	if len(e.Changes) == 0 {
		return "the same JSON, formatted differently"
	}
	if len(e.Changes) > 5 {
		return strings.Join(e.Changes[:5], ", ") + fmt.Sprintf(" and %d more", len(e.Changes)-5)
	}
	return strings.Join(e.Changes, ", ")
}

// Changes returns where two CloudFormation templates differ, sorted: a
// resource's property (Resources.Id.Properties.Name), another of its
// fields (Resources.Id.Type), a parameter's field
// (Parameters.Name.MaxValue), an output, a condition (Outputs.Name), or a
// whole entry that one of them lacks. A file that is not JSON is one
// change, "(template)".
func Changes(before, after []byte) []string {
	var a, b any
	if json.Unmarshal(before, &a) != nil || json.Unmarshal(after, &b) != nil {
		return []string{"(template)"}
	}
	var out []string
	diff(&out, "", a, b, 0)
	slices.Sort(out)
	return out
}

// diff appends the paths below prefix where a and b differ; Resources are
// followed four levels deep, the rest three.
func diff(out *[]string, prefix string, a, b any, depth int) {
	if reflect.DeepEqual(a, b) {
		return
	}
	limit := 3
	if strings.HasPrefix(prefix, "Resources.") || prefix == "Resources" {
		limit = 4
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok || depth >= limit {
		name := prefix
		if name == "" {
			name = "(template)"
		}
		*out = append(*out, name)
		return
	}
	keys := map[string]bool{}
	for k := range am {
		keys[k] = true
	}
	for k := range bm {
		keys[k] = true
	}
	for k := range keys {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		diff(out, p, am[k], bm[k], depth+1)
	}
}
