// Package product provides an AWS Service Catalog CloudFormation product whose
// templates are packaged as S3 assets: either a Go ProductStack or a template
// file. It never takes a URL to a hand-uploaded template.
//
// The product knows the CloudFormation resource types its versions create
// (ResourceTypes), which is what the launchrole package derives a
// least-privilege launch role from.
package product

import (
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// Version is one provisioning artifact (version) of a product. Exactly one of
// ProductStack and TemplateFile is set.
type Version struct {
	// Name is the version name analysts see, for example "v1" (at most 100
	// characters).
	// Default: "v" followed by the version's position, starting at 1.
	Name *string
	// Description tells analysts what changed in this version (at most
	// 8191 characters).
	// Default: no description.
	Description *string
	// ProductStack is a Go-defined product template, synthesized and
	// uploaded as an asset.
	// Default: none; TemplateFile must be set instead.
	ProductStack awsservicecatalog.ProductStack
	// TemplateFile is the path of a CloudFormation template (JSON or YAML)
	// uploaded as an asset. A relative path is resolved against the working
	// directory when New runs; library code should pass an absolute path.
	// Default: none; ProductStack must be set instead.
	TemplateFile *string
}

// Props configures a Product.
type Props struct {
	// ProductName is the name analysts see in the catalog (1-100
	// characters, the awsservicecatalog L2's limit). Required.
	ProductName *string
	// Owner is the product's owner, usually a team (1-8191 characters). Required.
	Owner *string
	// Versions are the product's versions, oldest first. At least one is required.
	Versions []Version
	// Distributor is shown with the product.
	// Default: no distributor.
	Distributor *string
	// Description describes the product.
	// Default: no description.
	Description *string
	// SupportEmail is the address analysts write to for help.
	// Default: no support email.
	SupportEmail *string
	// SupportUrl is an https:// page with support information.
	// Default: no support URL.
	SupportUrl *string
	// SupportDescription tells analysts how to get support.
	// Default: no support description.
	SupportDescription *string
	// TagOptions restrict the tags analysts may choose for this product only.
	// Default: only the portfolio's TagOptions apply.
	TagOptions awsservicecatalog.TagOptions
}

// Product is a Service Catalog CloudFormation product.
type Product struct {
	constructs.Construct
	// Product is the L2 product; pass it to portfolio methods.
	Product  awsservicecatalog.CloudFormationProduct
	versions []Version
}

// New creates a product. New panics if a field is invalid or a template file
// cannot be read; the message names the construct path, the field, the value
// and what is allowed.
func New(scope constructs.Construct, id *string, props *Props) *Product {
	if props == nil {
		props = &Props{}
	}
	p := &Product{versions: make([]Version, len(props.Versions))}
	constructs.NewConstruct_Override(p, scope, id) // p is the construct
	this := p
	if err := props.validate(*this.Node().Path()); err != nil {
		panic(err)
	}

	versions := make([]*awsservicecatalog.CloudFormationProductVersion, len(props.Versions))
	for i, v := range props.Versions {
		v.Name = jsii.String(check.Or(v.Name, fmt.Sprintf("v%d", i+1)))
		var tmpl awsservicecatalog.CloudFormationTemplate
		if v.ProductStack != nil {
			tmpl = awsservicecatalog.CloudFormationTemplate_FromProductStack(v.ProductStack)
		} else {
			abs, _ := filepath.Abs(*v.TemplateFile) // validate checked the file exists
			v.TemplateFile = &abs
			tmpl = awsservicecatalog.CloudFormationTemplate_FromAsset(jsii.String(abs), nil)
		}
		p.versions[i] = v
		versions[i] = &awsservicecatalog.CloudFormationProductVersion{
			ProductVersionName:     v.Name,
			Description:            v.Description,
			CloudFormationTemplate: tmpl,
			ValidateTemplate:       jsii.Bool(true),
		}
	}
	p.Product = awsservicecatalog.NewCloudFormationProduct(this, jsii.String("Resource"), &awsservicecatalog.CloudFormationProductProps{
		ProductName:        props.ProductName,
		Owner:              props.Owner,
		ProductVersions:    &versions,
		Distributor:        emptyToNil(props.Distributor),
		Description:        emptyToNil(props.Description),
		SupportEmail:       emptyToNil(props.SupportEmail),
		SupportUrl:         emptyToNil(props.SupportUrl),
		SupportDescription: emptyToNil(props.SupportDescription),
		TagOptions:         props.TagOptions,
	})
	return p
}

// ServiceCatalogProduct returns the L2 product, for constraints (it makes
// Product a launchrole.Product).
func (p *Product) ServiceCatalogProduct() awsservicecatalog.IProduct { return p.Product }

// ResourceTypes returns the CloudFormation resource types that any version of
// the product creates, sorted and without duplicates. It reads the product
// stacks' current construct trees and the template files on each call.
func (p *Product) ResourceTypes() []string {
	seen := map[string]bool{}
	for _, v := range p.versions {
		var types []string
		if v.ProductStack != nil {
			types = StackResourceTypes(v.ProductStack)
		} else {
			var err error
			if types, err = TemplateFileResourceTypes(*v.TemplateFile); err != nil {
				panic(fmt.Errorf("%s: Versions[%s].TemplateFile: %w", *p.Node().Path(), *v.Name, err))
			}
		}
		for _, t := range types {
			seen[t] = true
		}
	}
	return sortedKeys(seen)
}

// StackResourceTypes returns the resource types of the CloudFormation
// resources defined in stack (nested constructs included), sorted and unique.
func StackResourceTypes(stack awscdk.Stack) []string {
	seen := map[string]bool{}
	path := *stack.Node().Path()
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := c.(awscdk.CfnResource); ok && *awscdk.CfnResource_IsCfnResource(c) {
			if *awscdk.Stack_Of(r).Node().Path() == path { // skip resources of nested stacks
				seen[*r.CfnResourceType()] = true
			}
		}
	}
	delete(seen, "AWS::CDK::Metadata") // analytics metadata, not a resource CloudFormation creates
	return sortedKeys(seen)
}

// TemplateFileResourceTypes returns the resource types declared under
// Resources in a CloudFormation template file (JSON or YAML, short-form
// intrinsic tags allowed), sorted and unique.
func TemplateFileResourceTypes(path string) ([]string, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return templateResourceTypes(body)
}

// Validate reports every invalid field of props, or nil. The limits are
// those of the awsservicecatalog L2 (CloudFormationProduct).
func (props *Props) Validate() error { return props.validate("product") }

func (props *Props) validate(path string) error {
	p := check.New(path)
	if check.Str(props.ProductName) == "" {
		p.Addf("ProductName", "required: give 1-100 characters")
	}
	if check.Str(props.Owner) == "" {
		p.Addf("Owner", "required: give 1-8191 characters")
	}
	p.Length("ProductName", props.ProductName, 1, 100)
	p.Length("Owner", props.Owner, 1, 8191)
	p.Length("Distributor", props.Distributor, 0, 8191)
	p.Length("Description", props.Description, 0, 8191)
	p.Length("SupportDescription", props.SupportDescription, 0, 8191)
	if e := check.Str(props.SupportEmail); e != "" && !check.Unresolved(e) {
		if err := ValidEmail(e); err != nil {
			p.Add("SupportEmail", e, err.Error())
		}
	}
	if u := check.Str(props.SupportUrl); u != "" && !check.Unresolved(u) {
		if err := ValidURL(u); err != nil {
			p.Add("SupportUrl", u, err.Error())
		}
	}
	if len(props.Versions) == 0 {
		p.Addf("Versions", "no versions: give at least one")
	}
	names := map[string]bool{}
	for i, v := range props.Versions {
		field := fmt.Sprintf("Versions[%d]", i)
		name := check.Or(v.Name, fmt.Sprintf("v%d", i+1))
		if names[name] {
			p.Add(field+".Name", name, "version names must be unique within a product")
		}
		names[name] = true
		p.Length(field+".Name", v.Name, 1, 100)
		p.Length(field+".Description", v.Description, 0, 8191)
		switch {
		case v.ProductStack != nil && v.TemplateFile != nil:
			p.Addf(field, "both ProductStack and TemplateFile are set: set exactly one")
		case v.ProductStack == nil && v.TemplateFile == nil:
			p.Addf(field, "neither ProductStack nor TemplateFile is set: set exactly one")
		case v.TemplateFile != nil:
			if _, err := TemplateFileResourceTypes(*v.TemplateFile); err != nil {
				p.Add(field+".TemplateFile", *v.TemplateFile, "a readable CloudFormation template with a Resources section: "+err.Error())
			}
		}
	}
	return p.Err()
}

// ValidEmail returns an error saying what is allowed unless s is a plain
// e-mail address such as team@example.com.
func ValidEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return fmt.Errorf("a plain e-mail address such as team@example.com, at most 254 characters")
	}
	return nil
}

// ValidURL returns an error saying what is allowed unless s is an absolute
// https:// URL of at most 2083 characters.
func ValidURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(s, " \t\n") || len(s) > 2083 {
		return fmt.Errorf("an absolute https:// URL such as https://wiki.example.com/notebooks, at most 2083 characters")
	}
	return nil
}

func emptyToNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
