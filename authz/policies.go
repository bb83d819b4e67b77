package authz

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/datalake-platform/sagemaker-catalog/lambda/workspace"
)

// Policy is a policy document with the name reasons and findings give it
// (<role key>/<policy name>, <bucket key> bucket policy, ...).
type Policy struct {
	Name     string         `json:"name"`
	Document map[string]any `json:"policy"`
	// trust marks a role's trust policy: it governs only sts: actions on
	// the role (AssumeRole), not iam:PassRole or other calls on its ARN.
	trust bool
}

// Identity is an IAM role of the templates, resolved: its trust policy,
// identity policies (inline, AWS::IAM::Policy, attached customer managed
// policies) and permissions boundary.
type Identity struct {
	Key                   string
	RoleName, Arn, RoleID string
	Trust                 Policy
	Policies              []Policy
	Boundary              *Policy
	// Tags are the role's tags (its requests carry them as
	// aws:PrincipalTag/<key>).
	Tags map[string]string
	// AWSManaged lists attached AWS managed policies: their documents are
	// not in the templates, so calls by the role cannot be evaluated.
	AWSManaged []string
}

// resolverFor returns the resolver of a template kind (a product template
// is resolved for a launch).
func (a *Assembly) resolverFor(kind, persona string) (*resolver, error) {
	if kind == Product {
		return a.productResolver(persona)
	}
	return a.catalog, nil
}

// Provisioner is the ARN of the principal that launches persona's
// provisioned product: a session of the analyst role when the catalog
// creates one, else of the first principal associated with the portfolio
// (an IAM_PATTERN such as AWSReservedSSO_DataAnalyst_* is instantiated with
// 0123456789abcdef for its wildcards).
func (a *Assembly) Provisioner(persona string) (string, error) {
	l, err := a.launch(persona)
	if err != nil {
		return "", err
	}
	if loc, err := a.Locate("analyst"); err == nil {
		name, err := a.catalog.ref(loc.LogicalID)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%v/%s", a.Env.Partition, a.Env.Account, name, l.Session), nil
	} else if !errors.Is(err, errNotFound) {
		return "", err
	}
	for _, id := range a.Catalog.IDs() {
		if a.Catalog.Resources[id].Type != "AWS::ServiceCatalog::PortfolioPrincipalAssociation" {
			continue
		}
		v, err := a.catalog.prop(id, "PrincipalARN")
		if err != nil {
			return "", err
		}
		arn, _ := v.(string)
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) != 6 {
			return "", fmt.Errorf("%s: principal %q is not an ARN", id, arn)
		}
		kind, path, _ := strings.Cut(parts[5], "/")
		name := path[strings.LastIndex(path, "/")+1:]
		name = strings.NewReplacer("*", "0123456789abcdef", "?", "x").Replace(name)
		switch kind {
		case "role":
			return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", a.Env.Partition, a.Env.Account, name, l.Session), nil
		case "user":
			return fmt.Sprintf("arn:%s:iam::%s:user/%s", a.Env.Partition, a.Env.Account, name), nil
		}
		return "", fmt.Errorf("%s: principal %q is neither a role nor a user", id, arn)
	}
	return "", fmt.Errorf("the catalog has no analyst role and no portfolio principal")
}

// workspaceNow is the clock of the modelled workspace function.
var workspaceNow = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// workspace resolves the product's Custom::Workspace resource by running
// the real handler (lambda/workspace) on the tags Service Catalog puts on
// the launch's stack, with the bucket of the function its ServiceToken
// names.
func (a *Assembly) workspace(r *resolver, id string) (*physical, error) {
	token, err := r.prop(id, "ServiceToken")
	if err != nil {
		return nil, err
	}
	fn, err := a.functionByArn(token)
	if err != nil {
		return nil, fmt.Errorf("ServiceToken: %w", err)
	}
	env, err := a.catalog.prop(fn, "Environment")
	if err != nil {
		return nil, err
	}
	vars, _ := env.(map[string]any)["Variables"].(map[string]any)
	bucket, _ := vars["BUCKET"].(string)
	if bucket == "" {
		return nil, fmt.Errorf("function %s has no BUCKET variable", fn)
	}
	principal, err := a.Provisioner(r.launch.Persona)
	if err != nil {
		return nil, err
	}
	h := &workspace.Handler{Bucket: bucket, Now: func() time.Time { return workspaceNow }, Stacks: stackTags{
		workspace.PrincipalTag:          principal,
		workspace.ProvisionedProductTag: a.Env.ProvisionedProductArn(*r.launch),
	}, Identities: fakeIAM{a}}
	props, err := r.properties(id)
	if err != nil {
		return nil, err
	}
	physicalID, attrs, err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, StackID: r.stackID, ResourceProperties: props})
	if err != nil {
		return nil, err
	}
	return &physical{ref: physicalID, attrs: attrs}, nil
}

// stackTags answers DescribeStacks with one stack carrying these tags.
type stackTags map[string]string

func (s stackTags) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	st := cfntypes.Stack{StackId: in.StackName}
	for k, v := range s {
		st.Tags = append(st.Tags, cfntypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{st}}, nil
}

// fakeIAM answers the workspace function's IAM calls (GetRole, GetUser)
// with the unique IDs the environment gives roles and users: a role of the
// templates has the RoleId its resolver gives it, any other role or user a
// deterministic one (RoleID, UserID). So the owner-id tag the function
// computes is the aws:userid the model gives the same principal's requests.
type fakeIAM struct{ a *Assembly }

func (f fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	name := aws.ToString(in.RoleName)
	id, err := f.a.RoleID(name)
	if err != nil {
		return nil, err
	}
	return &iam.GetRoleOutput{Role: &iamtypes.Role{RoleName: in.RoleName, RoleId: aws.String(id)}}, nil
}

func (f fakeIAM) GetUser(_ context.Context, in *iam.GetUserInput, _ ...func(*iam.Options)) (*iam.GetUserOutput, error) {
	return &iam.GetUserOutput{User: &iamtypes.User{UserName: in.UserName, UserId: aws.String(UserID(aws.ToString(in.UserName)))}}, nil
}

// RoleID is the unique ID (AROA...) of the role named name: its RoleId
// attribute when the catalog template creates it, else a deterministic one
// (a role outside the templates: a spoke's analysts, an SSO role).
func (a *Assembly) RoleID(name string) (string, error) {
	for _, id := range a.Catalog.IDs() {
		if a.Catalog.Resources[id].Type != "AWS::IAM::Role" {
			continue
		}
		ph, err := a.catalog.resource(id)
		if err != nil {
			return "", err
		}
		if ph.ref == name {
			rid, _ := ph.attrs["RoleId"].(string)
			return rid, nil
		}
	}
	return "AROA" + strings.ToUpper(hexID("role/"+name, 17)), nil
}

// UserID is the deterministic unique ID (AIDA...) of the IAM user named
// name.
func UserID(name string) string { return "AIDA" + strings.ToUpper(hexID("user/"+name, 17)) }

// functionByArn finds the catalog's Lambda function with that ARN.
func (a *Assembly) functionByArn(arn any) (string, error) {
	for _, id := range a.Catalog.IDs() {
		if a.Catalog.Resources[id].Type != "AWS::Lambda::Function" {
			continue
		}
		fnArn, err := a.catalog.getAtt(id, "Arn")
		if err != nil {
			return "", err
		}
		if fnArn == arn {
			return id, nil
		}
	}
	return "", fmt.Errorf("no function of the catalog has the ARN %v", arn)
}

// Identity resolves the role key locates (for a product role, in persona's
// launch).
func (a *Assembly) Identity(key, persona string) (*Identity, error) {
	loc, err := a.Locate(key)
	if err != nil {
		return nil, err
	}
	if a.tmpl(loc.Template).Resources[loc.LogicalID].Type != "AWS::IAM::Role" {
		return nil, fmt.Errorf("%s is not an IAM role", key)
	}
	idn, err := a.identity(loc.Template, loc.LogicalID, persona)
	if err == nil && len(idn.AWSManaged) > 0 {
		return nil, fmt.Errorf("%s has AWS managed policies (%s): their documents are not in the templates", key, strings.Join(idn.AWSManaged, ", "))
	}
	return idn, err
}

func (a *Assembly) tmpl(kind string) *Template {
	if kind == Product {
		return a.Product
	}
	return a.Catalog
}

func (a *Assembly) identity(kind, id, persona string) (*Identity, error) {
	r, err := a.resolverFor(kind, persona)
	if err != nil {
		return nil, err
	}
	label := a.name(kind, id)
	ph, err := r.resource(id)
	if err != nil {
		return nil, err
	}
	props, err := r.properties(id)
	if err != nil {
		return nil, err
	}
	name, _ := ph.ref.(string)
	arn, _ := ph.attrs["Arn"].(string)
	roleID, _ := ph.attrs["RoleId"].(string)
	idn := &Identity{Key: label, RoleName: name, Arn: arn, RoleID: roleID, Tags: map[string]string{}}
	for _, t := range asList(props["Tags"]) {
		m, _ := t.(map[string]any)
		k, _ := str(m["Key"])
		v, err := str(m["Value"])
		if err != nil {
			return nil, fmt.Errorf("%s: tag %s: %w", label, k, err)
		}
		idn.Tags[k] = v
	}
	trust, _ := props["AssumeRolePolicyDocument"].(map[string]any)
	idn.Trust = Policy{Name: label + " trust policy", Document: trust}
	inline, _ := props["Policies"].([]any)
	for _, p := range inline {
		pm, _ := p.(map[string]any)
		doc, _ := pm["PolicyDocument"].(map[string]any)
		idn.Policies = append(idn.Policies, Policy{Name: fmt.Sprintf("%s/%v", label, pm["PolicyName"]), Document: doc})
	}
	// AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources that name the
	// role in their Roles.
	t := a.tmpl(kind)
	for _, pid := range t.IDs() {
		typ := t.Resources[pid].Type
		if typ != "AWS::IAM::Policy" && typ != "AWS::IAM::ManagedPolicy" {
			continue
		}
		roles, err := r.prop(pid, "Roles")
		if err != nil {
			return nil, err
		}
		for _, rn := range asList(roles) {
			if rn == name {
				doc, err := r.prop(pid, "PolicyDocument")
				if err != nil {
					return nil, err
				}
				d, _ := doc.(map[string]any)
				idn.Policies = append(idn.Policies, Policy{Name: a.name(kind, pid), Document: d})
			}
		}
	}
	for _, m := range asList(props["ManagedPolicyArns"]) {
		if s, _ := m.(string); strings.Contains(s, ":iam::aws:policy/") {
			idn.AWSManaged = append(idn.AWSManaged, s)
			continue
		}
		p, err := a.managedPolicy(m)
		if err != nil {
			return nil, fmt.Errorf("%s: ManagedPolicyArns: %w", label, err)
		}
		idn.Policies = append(idn.Policies, *p)
	}
	if b, ok := props["PermissionsBoundary"]; ok {
		p, err := a.managedPolicy(b)
		if err != nil {
			return nil, fmt.Errorf("%s: PermissionsBoundary: %w", label, err)
		}
		idn.Boundary = p
	}
	return idn, nil
}

// managedPolicy finds the catalog's customer managed policy with that ARN.
// AWS managed policies are not in the templates: an error names them.
func (a *Assembly) managedPolicy(arn any) (*Policy, error) {
	for _, id := range a.Catalog.IDs() {
		if a.Catalog.Resources[id].Type != "AWS::IAM::ManagedPolicy" {
			continue
		}
		ref, err := a.catalog.ref(id)
		if err != nil {
			return nil, err
		}
		if ref != arn {
			continue
		}
		doc, err := a.catalog.prop(id, "PolicyDocument")
		if err != nil {
			return nil, err
		}
		d, _ := doc.(map[string]any)
		return &Policy{Name: a.name(Catalog, id), Document: d}, nil
	}
	return nil, fmt.Errorf("%v: not a managed policy of the catalog template (an AWS managed policy's document is not in the templates)", arn)
}

// endpointPolicy returns the policy of the VPC endpoint key locates, its ID
// and its VPC's. An endpoint without a PolicyDocument has AWS's default
// policy, which allows everything
// (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
func (a *Assembly) endpointPolicy(key string) (*Policy, string, string, error) {
	loc, err := a.Locate(key)
	if err != nil {
		return nil, "", "", err
	}
	if loc.Template != Catalog || a.Catalog.Resources[loc.LogicalID].Type != "AWS::EC2::VPCEndpoint" {
		return nil, "", "", fmt.Errorf("%s is not a VPC endpoint of the catalog", key)
	}
	props, err := a.catalog.properties(loc.LogicalID)
	if err != nil {
		return nil, "", "", err
	}
	id, err := a.catalog.ref(loc.LogicalID)
	if err != nil {
		return nil, "", "", err
	}
	vpce, _ := id.(string)
	vpc, _ := props["VpcId"].(string)
	doc, ok := props["PolicyDocument"].(map[string]any)
	name := key + " endpoint policy"
	if !ok {
		name = key + " endpoint policy (none: AWS's full-access default)"
		doc = map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Sid": "DefaultFullAccess", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
		}}}
	}
	return &Policy{Name: name, Document: doc}, vpce, vpc, nil
}

// asList returns a resolved value as a list of values.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// resourcePolicies returns the resource-based policies by resource ARN: S3
// bucket policies, KMS key policies, SNS topic and SQS queue policies,
// Lambda permissions and role trust policies (for sts:AssumeRole), the
// product's roles as launched by persona.
func (a *Assembly) resourcePolicies(persona string) (map[string]*Policy, error) {
	if p, ok := a.policies[persona]; ok {
		return p, nil
	}
	p, err := a.buildResourcePolicies(persona)
	if err == nil {
		a.policies[persona] = p
	}
	return p, err
}

func (a *Assembly) buildResourcePolicies(persona string) (map[string]*Policy, error) {
	out := map[string]*Policy{}
	add := func(arn string, p Policy) {
		if cur, ok := out[arn]; ok {
			stmts := append(asList(cur.Document["Statement"]), asList(p.Document["Statement"])...)
			cur.Document = map[string]any{"Version": "2012-10-17", "Statement": stmts}
			cur.Name += " + " + p.Name
			return
		}
		out[arn] = &Policy{Name: p.Name, Document: p.Document, trust: p.trust}
	}
	c := a.catalog
	for _, id := range a.Catalog.IDs() {
		res := a.Catalog.Resources[id]
		label := a.name(Catalog, id)
		switch res.Type {
		case "AWS::S3::BucketPolicy":
			b, err := c.prop(id, "Bucket")
			if err != nil {
				return nil, err
			}
			doc, err := c.prop(id, "PolicyDocument")
			if err != nil {
				return nil, err
			}
			add(fmt.Sprintf("arn:%s:s3:::%v", a.Env.Partition, b), Policy{Name: label, Document: doc.(map[string]any)})
		case "AWS::KMS::Key":
			arn, err := c.getAtt(id, "Arn")
			if err != nil {
				return nil, err
			}
			doc, err := c.prop(id, "KeyPolicy")
			if err != nil {
				return nil, err
			}
			add(arn.(string), Policy{Name: label + " key policy", Document: doc.(map[string]any)})
		case "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy":
			prop := "Topics"
			if res.Type == "AWS::SQS::QueuePolicy" {
				prop = "Queues"
			}
			targets, err := c.prop(id, prop)
			if err != nil {
				return nil, err
			}
			doc, err := c.prop(id, "PolicyDocument")
			if err != nil {
				return nil, err
			}
			for _, t := range asList(targets) {
				arn, err := a.queueOrTopicArn(t)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", label, err)
				}
				add(arn, Policy{Name: label, Document: doc.(map[string]any)})
			}
		case "AWS::Lambda::Permission":
			props, err := c.properties(id)
			if err != nil {
				return nil, err
			}
			fn, _ := props["FunctionName"].(string)
			if !strings.HasPrefix(fn, "arn:") {
				fn = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", a.Env.Partition, a.Env.Region, a.Env.Account, fn)
			}
			stmt := map[string]any{"Sid": sid(label), "Effect": "Allow", "Action": props["Action"], "Resource": fn}
			if p, _ := props["Principal"].(string); strings.Contains(p, ".amazonaws.com") {
				stmt["Principal"] = map[string]any{"Service": p}
			} else {
				stmt["Principal"] = map[string]any{"AWS": p}
			}
			cond := map[string]any{}
			if v, ok := props["SourceArn"]; ok {
				cond["ArnLike"] = map[string]any{"aws:SourceArn": v}
			}
			if v, ok := props["SourceAccount"]; ok {
				cond["StringEquals"] = map[string]any{"aws:SourceAccount": v}
			}
			if len(cond) > 0 {
				stmt["Condition"] = cond
			}
			add(fn, Policy{Name: label, Document: map[string]any{"Version": "2012-10-17", "Statement": []any{stmt}}})
		case "AWS::IAM::Role":
			idn, err := a.identity(Catalog, id, persona)
			if err != nil {
				return nil, err
			}
			idn.Trust.trust = true
			add(idn.Arn, idn.Trust)
		}
	}
	for _, id := range a.Product.IDs() {
		if a.Product.Resources[id].Type != "AWS::IAM::Role" {
			continue
		}
		idn, err := a.identity(Product, id, persona)
		if err != nil {
			return nil, err
		}
		idn.Trust.trust = true
		add(idn.Arn, idn.Trust)
	}
	return out, nil
}

// queueOrTopicArn returns the ARN of a topic (its Ref is its ARN) or of a
// queue (its Ref is its URL).
func (a *Assembly) queueOrTopicArn(ref any) (string, error) {
	s, _ := ref.(string)
	if strings.HasPrefix(s, "arn:") {
		return s, nil
	}
	for _, id := range a.Catalog.IDs() {
		if a.Catalog.Resources[id].Type != "AWS::SQS::Queue" {
			continue
		}
		url, err := a.catalog.ref(id)
		if err != nil {
			return "", err
		}
		if url == s {
			arn, err := a.catalog.getAtt(id, "Arn")
			if err != nil {
				return "", err
			}
			return arn.(string), nil
		}
	}
	return "", fmt.Errorf("%v is neither a topic ARN nor a queue of the catalog", ref)
}

// policyFor returns the resource policy that governs a request on arn: the
// policy of the resource itself, of the bucket of an S3 object, or of the
// function of a qualified Lambda ARN.
func policyFor(policies map[string]*Policy, arn, action string) *Policy {
	if p, ok := policies[arn]; ok {
		if p.trust && !strings.HasPrefix(action, "sts:") {
			return nil
		}
		return p
	}
	keys := make([]string, 0, len(policies))
	for k := range policies {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "arn:aws:s3:::") || strings.Contains(k, ":s3:::"):
			if strings.HasPrefix(arn, k+"/") {
				return policies[k]
			}
		case strings.Contains(k, ":lambda:"):
			if strings.HasPrefix(arn, k+":") {
				return policies[k]
			}
		}
	}
	return nil
}

// sid turns a name into a statement ID (letters and digits).
func sid(name string) string {
	var b strings.Builder
	for _, c := range name {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
