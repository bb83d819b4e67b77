package product

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

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
	// Directory holds the snapshots (<id>.<artifact>.<version>.product.template.json),
	// committed with the app. Synthesis writes the current version's snapshot
	// there, and fails if a snapshot of the same version differs: a released
	// version is locked. Must be absolute, since the CDK resolves it in its
	// own process.
	// Required.
	Directory *string
	// Description describes the current version.
	// Default: no description.
	Description *string
}

// History keeps a product's released versions: the current version from its
// ProductStack, locked to its snapshot, and earlier versions from theirs. It
// returns the versions to give to New, oldest first, and the L2 history.
//
// History panics if a field is invalid or an earlier version's snapshot is
// missing; the message names the version and the file.
func History(scope constructs.Construct, id *string, props *HistoryProps) ([]Version, awsservicecatalog.ProductStackHistory) {
	if props == nil {
		props = &HistoryProps{}
	}
	path := *scope.Node().Path() + "/" + *id
	if err := props.validate(path); err != nil {
		panic(err)
	}
	p := check.New(path)
	dir := check.Str(props.Directory)

	history := awsservicecatalog.NewProductStackHistory(scope, id, &awsservicecatalog.ProductStackHistoryProps{
		ProductStack:         props.ProductStack,
		CurrentVersionName:   props.Current,
		CurrentVersionLocked: jsii.Bool(true),
		Directory:            props.Directory,
		Description:          props.Description,
	})
	var versions []Version
	for _, v := range props.Previous {
		file := SnapshotFile(history, props.ProductStack, dir, v)
		if _, err := os.Stat(file); err != nil {
			p.Add("Previous", v, fmt.Sprintf("a released version whose snapshot %s exists (commit the snapshots with the app)", file))
			continue
		}
		versions = append(versions, Version{Name: jsii.String(v), TemplateFile: jsii.String(file)})
	}
	p.PanicIfAny()
	return append(versions, Version{Name: props.Current, Description: props.Description, ProductStack: props.ProductStack}), history
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

// SnapshotFile is where a ProductStackHistory keeps the snapshot of version.
func SnapshotFile(history awsservicecatalog.ProductStackHistory, ps awsservicecatalog.ProductStack, dir, version string) string {
	return filepath.Join(dir, fmt.Sprintf("%s.%s.%s.product.template.json", *awscdk.Names_UniqueId(history), *ps.ArtifactId(), version))
}
