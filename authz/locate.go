package authz

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Locator finds one resource of an assembly: in the catalog template by type
// and a regular expression on its aws:cdk:path metadata, in the product
// template (which has no path metadata) by type and logical ID.
type Locator struct {
	Template string
	Type     string
	// Path matches the aws:cdk:path of a catalog resource.
	Path string
	// LogicalID is a product resource's logical ID.
	LogicalID string
}

// Locators name every principal and resource the model refers to
// (${key.Attr} in authz/model/*.yaml). This is the only place that knows the
// templates' construct paths and logical IDs: when the stacks are
// restructured, update it and nothing else.
//
// A path's second alternative, where there is one, is the layout before the
// constructs/ restructuring (the old main of /work/baseline), so that the
// abuse table's "before" column resolves on the templates it is compared
// with.
var Locators = map[string]Locator{
	// Principals (IAM roles).
	"analyst":               {Template: Catalog, Type: "AWS::IAM::Role", Path: `/AnalystRole/Resource(/Resource)?$`},
	"launch-role":           {Template: Catalog, Type: "AWS::IAM::Role", Path: `/LaunchRole/Resource(/Resource)?$`},
	"workspace-role":        {Template: Catalog, Type: "AWS::IAM::Role", Path: `/(Workspaces/FunctionRole|WorkspaceFunctionRole)/Resource$`},
	"janitor-role":          {Template: Catalog, Type: "AWS::IAM::Role", Path: `/(Janitor/FunctionRole|JanitorRole)/Resource$`},
	"janitor-schedule-role": {Template: Catalog, Type: "AWS::IAM::Role", Path: `/(Janitor/ScheduleRole|JanitorScheduleRole)/Resource$`},
	"stop-role":             {Template: Catalog, Type: "AWS::IAM::Role", Path: `/NotebookActions/StopRole/Resource$`},
	"start-role":            {Template: Catalog, Type: "AWS::IAM::Role", Path: `/NotebookActions/StartRole/Resource$`},
	"notebook-role":         {Template: Product, Type: "AWS::IAM::Role", LogicalID: "NotebookRole"},

	// Catalog resources.
	"analyst-policy":      {Template: Catalog, Type: "AWS::IAM::ManagedPolicy", Path: `/AnalystRole/Policy/Resource$`},
	"notebook-key":        {Template: Catalog, Type: "AWS::KMS::Key", Path: `/NotebookKey/Resource(/Resource)?$`},
	"function-log-key":    {Template: Catalog, Type: "AWS::KMS::Key", Path: `/FunctionLogKey/Resource(/Resource)?$`},
	"workspaces":          {Template: Catalog, Type: "AWS::S3::Bucket", Path: `/Workspaces(/Bucket)?/Resource$`},
	"notebook-policy":     {Template: Catalog, Type: "AWS::IAM::ManagedPolicy", Path: `/(Workspaces/)?NotebookPolicy/Resource$`},
	"notebook-boundary":   {Template: Catalog, Type: "AWS::IAM::ManagedPolicy", Path: `/(Workspaces/)?NotebookBoundary/Resource$`},
	"workspace-function":  {Template: Catalog, Type: "AWS::Lambda::Function", Path: `/(Workspaces/Function|WorkspaceFunction)/Resource$`},
	"workspace-logs":      {Template: Catalog, Type: "AWS::Logs::LogGroup", Path: `/(Workspaces/FunctionLogs|WorkspaceFunctionLogs)/Resource$`},
	"janitor":             {Template: Catalog, Type: "AWS::Lambda::Function", Path: `/Janitor(/Function)?/Resource$`},
	"janitor-logs":        {Template: Catalog, Type: "AWS::Logs::LogGroup", Path: `/(Janitor/FunctionLogs|JanitorLogs)/Resource$`},
	"janitor-schedule":    {Template: Catalog, Type: "AWS::Scheduler::Schedule", Path: `/(Janitor/Schedule|JanitorSchedule)/Resource$`},
	"janitor-dead-letter": {Template: Catalog, Type: "AWS::SQS::Queue", Path: `/(Janitor/DeadLetters|JanitorDeadLetters)/Resource$`},
	"lease-notices":       {Template: Catalog, Type: "AWS::SNS::Topic", Path: `/(Janitor/Notices|LeaseNotices)/Resource$`},
	"portfolio":           {Template: Catalog, Type: "AWS::ServiceCatalog::Portfolio", Path: `/Portfolio/Portfolio/Resource$`},
	"product":             {Template: Catalog, Type: "AWS::ServiceCatalog::CloudFormationProduct", Path: `/Product/Resource/Resource$`},
	"stop-document":       {Template: Catalog, Type: "AWS::SSM::Document", Path: `/NotebookActions/StopDocument$`},
	"start-document":      {Template: Catalog, Type: "AWS::SSM::Document", Path: `/NotebookActions/StartDocument$`},
	"stop-action":         {Template: Catalog, Type: "AWS::ServiceCatalog::ServiceAction", Path: `/NotebookActions/Stop$`},
	"start-action":        {Template: Catalog, Type: "AWS::ServiceCatalog::ServiceAction", Path: `/NotebookActions/Start$`},

	// The notebooks' VPC endpoints (their requests to S3, SageMaker, KMS, logs).
	"s3-endpoint":            {Template: Catalog, Type: "AWS::EC2::VPCEndpoint", Path: `/(Network/)?Vpc/S3/Resource$`},
	"sagemaker-api-endpoint": {Template: Catalog, Type: "AWS::EC2::VPCEndpoint", Path: `/(Network/)?Vpc/SageMakerApi/Resource$`},

	// Product resources, resolved for one launch.
	"notebook":         {Template: Product, Type: "AWS::SageMaker::NotebookInstance", LogicalID: "NotebookInstance"},
	"lifecycle-config": {Template: Product, Type: "AWS::SageMaker::NotebookInstanceLifecycleConfig", LogicalID: "LifecycleConfig"},
	"workspace":        {Template: Product, Type: "Custom::Workspace", LogicalID: "Workspace"},
}

// locate returns the logical ID the locator finds in t, "" when it finds
// none (the assembly has no such resource: a spoke has no analyst role), and
// an error when it finds several.
func (l Locator) locate(t *Template) (string, error) {
	var ids []string
	var re *regexp.Regexp
	if l.Path != "" {
		re = regexp.MustCompile(l.Path)
	}
	for _, id := range t.IDs() {
		res := t.Resources[id]
		if res.Type != l.Type {
			continue
		}
		switch {
		case re != nil && re.MatchString(res.Path()):
			ids = append(ids, id)
		case l.LogicalID != "" && id == l.LogicalID:
			ids = append(ids, id)
		}
	}
	switch len(ids) {
	case 0:
		return "", nil
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%s %s%s matches %d resources: %s", l.Type, l.Path, l.LogicalID, len(ids), strings.Join(ids, ", "))
}

// Located is a resource found by a locator.
type Located struct {
	Key       string
	Template  string
	LogicalID string
}

// Locate finds key's resource in the assembly.
func (a *Assembly) Locate(key string) (Located, error) {
	if r, ok := a.located[key]; ok {
		return r.loc, r.err
	}
	loc, err := a.locate(key)
	a.located[key] = locateResult{loc, err}
	return loc, err
}

func (a *Assembly) locate(key string) (Located, error) {
	l, ok := Locators[key]
	if !ok {
		keys := make([]string, 0, len(Locators))
		for k := range Locators {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return Located{}, fmt.Errorf("%q is not a key of authz.Locators (%s)", key, strings.Join(keys, ", "))
	}
	t := a.Catalog
	if l.Template == Product {
		t = a.Product
	}
	id, err := l.locate(t)
	if err != nil {
		return Located{}, fmt.Errorf("locator %s: %w", key, err)
	}
	if id == "" {
		return Located{}, fmt.Errorf("locator %s: no %s in %s: %w", key, l.Type, t.File, errNotFound)
	}
	return Located{Key: key, Template: l.Template, LogicalID: id}, nil
}

// keyOf returns the locator key of a template's resource, or "".
func (a *Assembly) keyOf(kind, id string) string {
	for k, l := range Locators {
		if l.Template != kind {
			continue
		}
		if loc, err := a.Locate(k); err == nil && loc.LogicalID == id {
			return k
		}
	}
	return ""
}

// name is how findings and reasons name a template resource: its locator
// key, else its construct path without the stack, else its logical ID.
func (a *Assembly) name(kind, id string) string {
	if k := a.keyOf(kind, id); k != "" {
		return k
	}
	t := a.Catalog
	if kind == Product {
		t = a.Product
	}
	if p := t.Resources[id].Path(); p != "" {
		if _, rest, ok := strings.Cut(p, "/"); ok {
			return rest
		}
		return p
	}
	return id
}
