package integration_test

// A launch simulation in a real CloudFormation engine: moto_server (moto
// 5.2.1, on the machine image) creates, updates and deletes the product
// stack the way Service Catalog does on launch, update and terminate.
// testdata/moto_server.py completes moto's SageMaker notebook handlers (they
// drop most properties) and resolves {{resolve:ssm:...}}, as CloudFormation
// does; see its comment.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/internal/motoserver"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

// notVerifiableInMoto lists what moto 5.2.1 cannot show, and why; the
// product tests (products/notebook_test.go) assert these on the template.
var notVerifiableInMoto = map[string]string{
	"PlatformIdentifier, InstanceMetadataServiceConfiguration": "moto's notebook model has no such fields",
	"AllowedValues, MinValue, MaxValue":                        "moto does not enforce parameter constraints; the test checks its values against the template",
	"ml.r5.* instance types":                                   "moto's instance-type enum predates them; the test launches ml.m5.xlarge and ml.t3.large",
	"ListNotebookInstanceLifecycleConfigs":                     "answers 500 in moto; the test describes each config by name instead",
	"Custom::Workspace in Lambda":                              "moto runs Lambda functions only in Docker; testdata/moto_server.py runs the same handler as a host binary, synchronously",
	"IAM permissions boundaries and policy evaluation":         "moto records the boundary but evaluates no IAM policy; the test checks the role's boundary, path and policy",
}

// workspaceBucket is the catalog's workspace bucket the workspace handler
// is given (its BUCKET).
const workspaceBucket = "workspaces-123456789012-eu-west-1-0a1b2c3d"

var (
	handlerOnce sync.Once
	handler     string
	handlerErr  error
)

// motoOptions is the package's one moto_server: testdata/moto_catalog.py
// (moto_server.py's handlers, and what the catalog stack's deletion needs),
// with the catalog's functions built for this machine, whose workspace
// handler it runs for Custom::Workspace. The tests that use it run side by
// side, each in an account of its own (motoserver.SharedAccount).
func motoOptions(t *testing.T) motoserver.Options {
	t.Helper()
	handlerOnce.Do(func() {
		handler = filepath.Join(shared, "functions")
		build := exec.Command("go", "build", "-o", handler, "./lambda/cmd/functions")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			handlerErr = fmt.Errorf("building the functions for this machine: %v\n%s", err, out)
		}
	})
	require.NoError(t, handlerErr)
	// The CDK's custom resource provider role has an AWS managed policy,
	// which moto_server loads only when asked.
	return motoserver.Options{Script: "testdata/moto_catalog.py", Env: []string{"WORKSPACE_HANDLER=" + handler,
		"BUCKET=" + workspaceBucket, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "MOTO_IAM_LOAD_MANAGED_POLICIES=true"}}
}

// moto is the package's moto_server as one account sees it, and its clients.
type moto struct {
	*motoserver.Server
	ctx context.Context
	cfn *cloudformation.Client
	sm  *sagemaker.Client
	iam *iam.Client
	ssm *ssm.Client
	s3  *s3.Client
}

// startMoto returns the package's moto_server, as an account of the test's own sees it.
func startMoto(t *testing.T) *moto {
	srv := motoserver.SharedAccount(t, motoOptions(t))
	cfg := srv.Config()
	return &moto{Server: srv, ctx: motoserver.Context(t), cfn: cloudformation.NewFromConfig(cfg), sm: sagemaker.NewFromConfig(cfg),
		iam: iam.NewFromConfig(cfg), ssm: ssm.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })}
}

// stack describes a stack that must have been created or updated.
func (m *moto) stack(t *testing.T, name string) cfntypes.Stack {
	t.Helper()
	d, err := m.cfn.DescribeStacks(m.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	require.NoError(t, err)
	require.Len(t, d.Stacks, 1)
	s := d.Stacks[0]
	require.Contains(t, []cfntypes.StackStatus{cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete}, s.StackStatus,
		"stack %s: %s", name, aws.ToString(s.StackStatusReason))
	return s
}

func (m *moto) outputs(t *testing.T, stack string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, o := range m.stack(t, stack).Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return out
}

func (m *moto) notebook(t *testing.T, name string) *sagemaker.DescribeNotebookInstanceOutput {
	t.Helper()
	nb, err := m.sm.DescribeNotebookInstance(m.ctx, &sagemaker.DescribeNotebookInstanceInput{NotebookInstanceName: aws.String(name)})
	require.NoError(t, err)
	return nb
}

// notebookTags are a notebook's tags, by key.
func (m *moto) notebookTags(t *testing.T, arn string) map[string]string {
	t.Helper()
	tags := map[string]string{}
	for p := sagemaker.NewListTagsPaginator(m.sm, &sagemaker.ListTagsInput{ResourceArn: aws.String(arn)}); p.HasMorePages(); {
		page, err := p.NextPage(m.ctx)
		require.NoError(t, err)
		for _, tag := range page.Tags {
			tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
	}
	return tags
}

func parameters(kv ...string) []cfntypes.Parameter {
	var out []cfntypes.Parameter
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, cfntypes.Parameter{ParameterKey: aws.String(kv[i]), ParameterValue: aws.String(kv[i+1])})
	}
	return out
}

func TestLaunchUpdateTerminateInCloudFormation(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the moto launch simulation")
	}
	t.Parallel()
	dir := assembly(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.product.template.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	templateFile := files[0]
	var tmpl struct {
		Parameters map[string]struct {
			Default       any      `json:"Default"`
			AllowedValues []string `json:"AllowedValues"`
			MinValue      float64  `json:"MinValue"`
			MaxValue      float64  `json:"MaxValue"`
		} `json:"Parameters"`
	}
	body, err := os.ReadFile(templateFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(body, &tmpl))

	// moto does not enforce parameter constraints: check the values used here.
	instanceTypes := tmpl.Parameters["InstanceType"].AllowedValues
	defaultType := tmpl.Parameters["InstanceType"].Default.(string)
	require.Contains(t, instanceTypes, defaultType)
	// moto's instance-type enum predates the r5 family: use types it knows.
	other, resized := "ml.m5.xlarge", "ml.t3.large"
	require.Contains(t, instanceTypes, other)
	require.Contains(t, instanceTypes, resized)
	require.NotEqual(t, defaultType, other)
	vol := tmpl.Parameters["VolumeSizeInGB"]
	require.True(t, 50 >= vol.MinValue && 50 <= vol.MaxValue, "50 GB is within the form's limits")
	idle := tmpl.Parameters["IdleTimeoutMinutes"]
	require.True(t, 30 >= idle.MinValue && 30 <= idle.MaxValue, "30 minutes is within the form's limits")
	for _, what := range slices.Sorted(maps.Keys(notVerifiableInMoto)) {
		t.Logf("not verified in moto: %s: %s", what, notVerifiableInMoto[what])
	}

	// moto_server.py runs the workspace handler of the catalog's functions,
	// built for this machine, for the Custom::Workspace resource (given to
	// the server as WORKSPACE_HANDLER, with the catalog's bucket).
	const bucket, region = workspaceBucket, "eu-west-1"
	m := startMoto(t)
	account := m.Account
	// The catalog stack creates the notebook roles' boundary and shared policy; do the same.
	boundary, shared := names.NotebookBoundary(notebook.DefaultCatalogName, region), names.NotebookPolicy(notebook.DefaultCatalogName, region)
	policyArns := map[string]string{}
	for _, name := range []string{boundary, shared} {
		p, err := m.iam.CreatePolicy(m.ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
		require.NoError(t, err)
		policyArns[name] = aws.ToString(p.Policy.Arn)
	}
	// The catalog stack publishes the shared resources in SSM; do the same.
	published := map[string]string{}
	for _, ref := range regexp.MustCompile(`\{\{resolve:ssm:([^}]+)\}\}`).FindAllStringSubmatch(string(body), -1) {
		name := ref[1]
		switch base := filepath.Base(name); {
		case base == "kms-key-arn":
			published[name] = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		case base == "subnet-id":
			published[name] = "subnet-0123456789abcdef0"
		case strings.HasPrefix(base, "security-group-"):
			published[name] = "sg-0123456789abcdef" + strings.TrimPrefix(base, "security-group-")
		default:
			t.Fatalf("unexpected SSM reference %s", name)
		}
		_, err := m.ssm.PutParameter(m.ctx, &ssm.PutParameterInput{Name: aws.String(name), Type: ssmtypes.ParameterTypeString,
			Value: aws.String(published[name]), Overwrite: aws.Bool(true)})
		require.NoError(t, err)
	}
	require.Len(t, published, 3, "key, subnet and one security group")
	byBase := map[string]string{}
	for name, value := range published {
		byBase[filepath.Base(name)] = value
	}

	// Service Catalog names a provisioned product's stack SC-<account>-pp-<id>.
	onDefaults, custom := "SC-"+account+"-pp-abcdefghijklm", "SC-"+account+"-pp-nopqrstuvwxyz"
	template := aws.String(string(body))

	// Service Catalog tags the stacks it launches with the launching principal
	// and the provisioned product; the workspace handler reads them, and asks
	// IAM for the principal's unique ID (aws:userid): the role's ID and the
	// session name for a session, the user's ID for a user.
	owners := map[string]string{onDefaults: "assumed-role/Analyst/alice@example.com", custom: "user/bob"}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
	analyst, err := m.iam.CreateRole(m.ctx, &iam.CreateRoleInput{RoleName: aws.String("Analyst"), AssumeRolePolicyDocument: aws.String(trust)})
	require.NoError(t, err)
	bob, err := m.iam.CreateUser(m.ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
	require.NoError(t, err)
	ownerIDs := map[string]string{onDefaults: aws.ToString(analyst.Role.RoleId) + ":alice@example.com", custom: aws.ToString(bob.User.UserId)}
	launchTags := func(stack string) []cfntypes.Tag {
		principal := "arn:aws:sts::" + account + ":" + owners[stack]
		if strings.HasPrefix(owners[stack], "user/") {
			principal = "arn:aws:iam::" + account + ":" + owners[stack]
		}
		return []cfntypes.Tag{
			{Key: aws.String("aws:servicecatalog:provisioningPrincipalArn"), Value: aws.String(principal)},
			{Key: aws.String("aws:servicecatalog:provisionedProductArn"), Value: aws.String("arn:aws:servicecatalog:eu-west-1:" + account + ":stack/nb/pp-" + stack[len(stack)-13:])},
		}
	}
	launch := func(t *testing.T, stack string, params ...string) {
		_, err := m.cfn.CreateStack(m.ctx, &cloudformation.CreateStackInput{StackName: aws.String(stack), TemplateBody: template,
			Parameters: parameters(params...), Tags: launchTags(stack)})
		require.NoError(t, err)
	}
	update := func(t *testing.T, stack string, params ...string) {
		_, err := m.cfn.UpdateStack(m.ctx, &cloudformation.UpdateStackInput{StackName: aws.String(stack), TemplateBody: template,
			Parameters: parameters(params...)})
		require.NoError(t, err)
	}

	// checkNotebook asserts, through the SageMaker and IAM APIs, what the launch requested.
	checkNotebook := func(t *testing.T, stack, instanceType string, volume, idleMinutes, leaseDays int) {
		t.Helper()
		out := m.outputs(t, stack)
		name := out["NotebookInstanceName"]
		require.Regexp(t, "^"+regexp.QuoteMeta(strings.ToLower(stack))+"-[a-z0-9]+$", name,
			"the notebook is named after its SC-* stack, in lower case, and the template's generation")
		nb := m.notebook(t, name)
		assert.Equal(t, instanceType, string(nb.InstanceType))
		assert.EqualValues(t, volume, aws.ToInt32(nb.VolumeSizeInGB))
		assert.Equal(t, byBase["subnet-id"], aws.ToString(nb.SubnetId))
		assert.Equal(t, []string{byBase["security-group-1"]}, nb.SecurityGroups)
		assert.Equal(t, byBase["kms-key-arn"], aws.ToString(nb.KmsKeyId))
		// Its own role: under the catalog's path, with the boundary and the
		// shared policy, and its owner's workspace only.
		roleArn := aws.ToString(nb.RoleArn)
		assert.Contains(t, roleArn, ":role"+names.NotebookRolePath(notebook.DefaultCatalogName, region))
		role, err := m.iam.GetRole(m.ctx, &iam.GetRoleInput{RoleName: aws.String(roleArn[strings.LastIndex(roleArn, "/")+1:])})
		require.NoError(t, err)
		require.NotNil(t, role.Role.PermissionsBoundary)
		assert.Equal(t, policyArns[boundary], aws.ToString(role.Role.PermissionsBoundary.PermissionsBoundaryArn))
		roleName := role.Role.RoleName
		attached, err := m.iam.ListAttachedRolePolicies(m.ctx, &iam.ListAttachedRolePoliciesInput{RoleName: roleName})
		require.NoError(t, err)
		require.Len(t, attached.AttachedPolicies, 1)
		assert.Equal(t, policyArns[shared], aws.ToString(attached.AttachedPolicies[0].PolicyArn))
		// Tagged with its owner: the boundary allows it that owner's prefixes only.
		roleTags := map[string]string{}
		for p := iam.NewListRoleTagsPaginator(m.iam, &iam.ListRoleTagsInput{RoleName: roleName}); p.HasMorePages(); {
			page, err := p.NextPage(m.ctx)
			require.NoError(t, err)
			for _, tag := range page.Tags {
				roleTags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
		}
		assert.Equal(t, owners[stack], roleTags["sagemaker-catalog:owner"])
		inline, err := m.iam.GetRolePolicy(m.ctx, &iam.GetRolePolicyInput{RoleName: roleName, PolicyName: aws.String("OwnWorkspaceAndNotebook")})
		require.NoError(t, err)
		// IAM answers the document URL-encoded, and moto as a Python literal:
		// compare in JSON's quotes.
		doc, err := url.QueryUnescape(aws.ToString(inline.PolicyDocument))
		require.NoError(t, err)
		doc = strings.NewReplacer(`": `, `":`, `", `, `",`).Replace(strings.ReplaceAll(doc, "'", `"`))
		prefix := "owners/" + owners[stack] + "/"
		assert.Contains(t, doc, `"Resource":"arn:aws:s3:::`+bucket+`/`+prefix+`*"`)
		assert.Contains(t, doc, `"s3:prefix":"`+prefix+`*"`)
		assert.Contains(t, doc, `"Resource":"arn:aws:s3:::`+bucket+`/status/`+owners[stack]+`/`+name+`.json"`, "its own status object")
		assert.Contains(t, doc, `"Resource":"arn:aws:sagemaker:eu-west-1:`+account+`:notebook-instance/`+name+`"`, "it stops itself only")
		assert.Contains(t, doc, `:log-group:/aws/sagemaker/NotebookInstances:log-stream:`+name+`/*"`, "its own log streams")

		tags := m.notebookTags(t, aws.ToString(nb.NotebookInstanceArn))
		assert.Equal(t, owners[stack], tags["sagemaker-catalog:owner"])
		assert.Equal(t, ownerIDs[stack], tags["sagemaker-catalog:owner-id"], "the owner as IAM's aws:userid names them")
		assert.Equal(t, "s3://"+bucket+"/"+prefix, tags["sagemaker-catalog:workspace"])
		assert.Equal(t, "s3://"+bucket+"/"+prefix, out["WorkspaceUri"])
		assert.Equal(t, "pp-"+stack[len(stack)-13:], tags["sagemaker-catalog:provisioned-product-id"])
		assert.Equal(t, fmt.Sprint(leaseDays), tags["sagemaker-catalog:lease-days"])
		_, err = time.Parse(time.RFC3339, tags["sagemaker-catalog:lease-start"])
		assert.NoError(t, err, "lease-start %q", tags["sagemaker-catalog:lease-start"])
		assert.Equal(t, "Disabled", string(nb.RootAccess))
		assert.Equal(t, "Disabled", string(nb.DirectInternetAccess))
		assert.Equal(t, name, aws.ToString(nb.NotebookInstanceLifecycleConfigName))
		assert.Equal(t, out["NotebookInstanceArn"], aws.ToString(nb.NotebookInstanceArn))
		assert.Contains(t, out["OpenNotebookUrl"], "openNotebook/"+name+"?")

		lc, err := m.sm.DescribeNotebookInstanceLifecycleConfig(m.ctx, &sagemaker.DescribeNotebookInstanceLifecycleConfigInput{
			NotebookInstanceLifecycleConfigName: aws.String(name)})
		require.NoError(t, err)
		require.Len(t, lc.OnStart, 1)
		script, err := base64.StdEncoding.DecodeString(aws.ToString(lc.OnStart[0].Content))
		require.NoError(t, err)
		assert.Contains(t, string(script), fmt.Sprintf(`IDLE_MINUTES="%d"`, idleMinutes), "the idle time reaches the lifecycle script")
		assert.Contains(t, string(script), `WORKSPACE_URI="s3://`+bucket+`/`+prefix+`"`, "the workspace reaches the lifecycle script")
		assert.Contains(t, string(script), `REGION="eu-west-1"`)
	}

	lease := int(tmpl.Parameters["LeaseDays"].Default.(float64))
	defaultVolume, defaultIdle := int(tmpl.Parameters["VolumeSizeInGB"].Default.(float64)), int(idle.Default.(float64))
	// The two provisioned products are independent: each launches, and is
	// updated, beside the other.
	t.Run("launches", func(t *testing.T) {
		t.Run("on defaults, updated twice", func(t *testing.T) {
			t.Parallel()
			// Launch with the form's defaults: no parameters at all.
			launch(t, onDefaults)
			checkNotebook(t, onDefaults, defaultType, defaultVolume, defaultIdle, lease)

			// Update: another instance type, as an analyst's UpdateProvisionedProduct would.
			update(t, onDefaults, "InstanceType", resized)
			checkNotebook(t, onDefaults, resized, defaultVolume, defaultIdle, lease)

			// Extend the lease, as an analyst does: update with a new LeaseDays. The
			// workspace handler runs again (an Update event) and renews the start.
			leaseStart := func() time.Time {
				nb := m.notebook(t, m.outputs(t, onDefaults)["NotebookInstanceName"])
				at, err := time.Parse(time.RFC3339, m.notebookTags(t, aws.ToString(nb.NotebookInstanceArn))["sagemaker-catalog:lease-start"])
				require.NoError(t, err, "%s's lease-start tag", onDefaults)
				return at
			}
			before := leaseStart()
			time.Sleep(1100 * time.Millisecond) // the start has a one-second resolution
			update(t, onDefaults, "InstanceType", resized, "LeaseDays", "21")
			checkNotebook(t, onDefaults, resized, defaultVolume, defaultIdle, 21)
			assert.True(t, leaseStart().After(before), "the update renewed the lease")
		})
		t.Run("with parameters", func(t *testing.T) {
			t.Parallel()
			// Launch with non-default parameters.
			launch(t, custom, "InstanceType", other, "VolumeSizeInGB", "50", "IdleTimeoutMinutes", "30", "LeaseDays", "14")
			checkNotebook(t, custom, other, 50, 30, 14)
		})
	})
	if t.Failed() {
		return
	}

	// The janitor reads what the template tagged: it finds both notebooks,
	// warns their owners, then terminates the one whose workspace was saved.
	janitorAgainstLaunchedNotebooks(t, m, bucket, map[string]string{onDefaults: owners[onDefaults], custom: owners[custom]}, onDefaults)

	// Terminate both: the stacks go, and so do the notebooks and their lifecycle configs.
	for _, stack := range []string{onDefaults, custom} {
		name := m.outputs(t, stack)["NotebookInstanceName"]
		_, err := m.cfn.DeleteStack(m.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(stack)})
		require.NoError(t, err)
		_, err = m.sm.DescribeNotebookInstanceLifecycleConfig(m.ctx, &sagemaker.DescribeNotebookInstanceLifecycleConfigInput{
			NotebookInstanceLifecycleConfigName: aws.String(name)})
		assert.ErrorContains(t, err, "does not exist")
	}
	var left []string
	for p := sagemaker.NewListNotebookInstancesPaginator(m.sm, &sagemaker.ListNotebookInstancesInput{}); p.HasMorePages(); {
		page, err := p.NextPage(m.ctx)
		require.NoError(t, err)
		for _, n := range page.NotebookInstances {
			left = append(left, aws.ToString(n.NotebookInstanceName))
		}
	}
	assert.Empty(t, left, "no notebook outlives its provisioned product")
}

// provisionedProducts stands in for Service Catalog (moto has no
// provisioned products): it knows the launched stacks' provisioned
// products as this catalog's, and records the terminations.
type provisionedProducts struct {
	ours       map[string]bool
	terminated []string
}

// launchRole is the launch role the fake says the products were launched with.
const launchRole = "arn:aws:iam::123456789012:role/SageMakerCatalog-launch"

func (p *provisionedProducts) Describe(_ context.Context, id string) (janitor.ProvisionedProduct, error) {
	if !p.ours[id] {
		return janitor.ProvisionedProduct{}, fmt.Errorf("%w: %s", janitor.ErrNoProvisionedProduct, id)
	}
	return janitor.ProvisionedProduct{ID: id, ProductID: "prod-notebook", LaunchRoleArn: launchRole, Status: "AVAILABLE"}, nil
}

func (p *provisionedProducts) Terminate(_ context.Context, id, _ string) error {
	p.terminated = append(p.terminated, id)
	return nil
}

// janitorAgainstLaunchedNotebooks runs the janitor on the notebooks the
// product template created in moto: stopped, with a final save for saved
// only, first past their lease (a notice each), then past the notice. It
// identifies each provisioned product by the notebook's
// aws:cloudformation:stack-name tag, as the janitor does.
func janitorAgainstLaunchedNotebooks(t *testing.T, m *moto, bucket string, owners map[string]string, saved string) {
	cfg := m.Config()
	ctx := motoserver.Context(t)
	sm, sn := sagemaker.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}})
	require.NoError(t, err)
	// Bucket names are global, as in AWS: the bucket goes with the test (go
	// test -count=2 runs it again, in another account).
	t.Cleanup(func() {
		objects, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		require.NoError(t, err)
		for _, o := range objects.Contents {
			_, err := s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			require.NoError(t, err)
		}
		_, err = s3c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
		require.NoError(t, err)
	})
	topic, err := sn.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("lease-notices")})
	require.NoError(t, err)
	pps := &provisionedProducts{ours: map[string]bool{}}
	notebooks := map[string]string{} // stack -> notebook
	for stack := range owners {
		notebooks[stack] = m.outputs(t, stack)["NotebookInstanceName"]
		pps.ours["pp-"+stack[len(stack)-13:]] = true
		_, err := sm.StopNotebookInstance(ctx, &sagemaker.StopNotebookInstanceInput{NotebookInstanceName: aws.String(notebooks[stack])})
		require.NoError(t, err)
	}
	stopped := time.Now().UTC().Add(time.Second)
	body := fmt.Sprintf(`{"notebook":%q,"syncedAt":%q,"ok":true,"final":true}`, notebooks[saved], stopped.Format(time.RFC3339))
	_, err = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket),
		Key: aws.String(janitor.StatusKey(owners[saved], notebooks[saved])), Body: strings.NewReader(body)})
	require.NoError(t, err)

	var log strings.Builder
	j := &janitor.Janitor{SageMaker: sm, S3: s3c, SNS: sn, ProvisionedProducts: pps, LaunchRoleArn: launchRole, Bucket: bucket,
		TopicArn: aws.ToString(topic.TopicArn), Lease: 24 * time.Hour, NotifyBefore: time.Hour, Log: slog.New(slog.NewJSONHandler(&log, nil))}
	decide := func(now time.Time) map[string]janitor.Decision {
		report, err := j.Run(ctx, now)
		require.NoError(t, err, log.String())
		out := map[string]janitor.Decision{}
		for _, d := range report.Decisions {
			out[d.Notebook] = d
		}
		return out
	}
	// Past every lease the template allows (LeaseDays <= 30).
	first := decide(stopped.Add(40 * 24 * time.Hour))
	require.Len(t, first, len(owners), "the janitor finds the notebooks by their names and the template's tags: %s", log.String())
	for stack, owner := range owners {
		d := first[notebooks[stack]]
		assert.Equal(t, janitor.Notify, d.Action, stack)
		assert.Empty(t, d.Skipped, stack)
		assert.Equal(t, owner, d.Owner, stack)
		assert.Equal(t, "pp-"+stack[len(stack)-13:], d.ProvisionedProductID, "the stack-name tag names it: %s", stack)
	}
	second := decide(stopped.Add(41 * 24 * time.Hour))
	for stack := range owners {
		d := second[notebooks[stack]]
		if stack == saved {
			assert.Equal(t, janitor.Terminate, d.Action, d.Reason)
		} else {
			assert.Equal(t, janitor.Keep, d.Action, "never saved: %s", d.Reason)
		}
	}
	assert.Equal(t, []string{"pp-" + saved[len(saved)-13:]}, pps.terminated)
}
