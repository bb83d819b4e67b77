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
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sns"
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

type moto struct {
	*motoserver.Server
	env []string
}

// startMoto runs testdata/moto_server.py (internal/motoserver) until the
// test ends, with env added to its environment; the aws CLI talks to it.
func startMoto(t *testing.T, env ...string) *moto {
	srv := motoserver.Start(t, motoserver.Options{Script: "testdata/moto_server.py", Env: env, Tools: []string{"aws"}})
	return &moto{Server: srv, env: append(os.Environ(), "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION="+motoserver.Region, "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")}
}

// aws runs an AWS CLI command against moto and decodes its JSON answer.
func (m *moto) aws(t *testing.T, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", m.Endpoint, "--output", "json"}, args...)...)
	cmd.Env = m.env
	out, err := cmd.Output()
	var stderr []byte
	if e, ok := err.(*exec.ExitError); ok {
		stderr = e.Stderr
	}
	require.NoError(t, err, "aws %s: %s", strings.Join(args, " "), stderr)
	result := map[string]any{}
	if len(strings.TrimSpace(string(out))) > 0 {
		require.NoError(t, json.Unmarshal(out, &result))
	}
	return result
}

// awsFails runs an AWS CLI command that must fail, and returns its error output.
func (m *moto) awsFails(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", m.Endpoint, "--output", "json"}, args...)...)
	cmd.Env = m.env
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "aws %s should fail", strings.Join(args, " "))
	return string(out)
}

func (m *moto) outputs(t *testing.T, stack string) map[string]string {
	d := m.aws(t, "cloudformation", "describe-stacks", "--stack-name", stack)
	s := d["Stacks"].([]any)[0].(map[string]any)
	require.Contains(t, []any{"CREATE_COMPLETE", "UPDATE_COMPLETE"}, s["StackStatus"], "stack %s: %v", stack, s["StackStatusReason"])
	out := map[string]string{}
	for _, o := range s["Outputs"].([]any) {
		o := o.(map[string]any)
		out[o["OutputKey"].(string)] = o["OutputValue"].(string)
	}
	return out
}

func (m *moto) notebook(t *testing.T, name string) map[string]any {
	return m.aws(t, "sagemaker", "describe-notebook-instance", "--notebook-instance-name", name)
}

func parameters(kv ...string) []string {
	if len(kv) == 0 {
		return nil
	}
	args := []string{"--parameters"}
	for i := 0; i+1 < len(kv); i += 2 {
		args = append(args, "ParameterKey="+kv[i]+",ParameterValue="+kv[i+1])
	}
	return args
}

func TestLaunchUpdateTerminateInCloudFormation(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the moto launch simulation")
	}
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

	// The catalog's functions, built for this machine: moto_server.py runs
	// the workspace handler for the Custom::Workspace resource.
	handler := filepath.Join(t.TempDir(), "functions")
	build := exec.Command("go", "build", "-o", handler, "./lambda/cmd/functions")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	const bucket, region = "workspaces-123456789012-eu-west-1-0a1b2c3d", "eu-west-1"
	m := startMoto(t, "WORKSPACE_HANDLER="+handler, "BUCKET="+bucket, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing")
	// The catalog stack creates the notebook roles' boundary and shared policy; do the same.
	boundary, shared := names.NotebookBoundary(notebook.DefaultCatalogName, region), names.NotebookPolicy(notebook.DefaultCatalogName, region)
	policyArns := map[string]string{}
	for _, name := range []string{boundary, shared} {
		p := m.aws(t, "iam", "create-policy", "--policy-name", name, "--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
		policyArns[name] = p["Policy"].(map[string]any)["Arn"].(string)
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
		m.aws(t, "ssm", "put-parameter", "--name", name, "--type", "String", "--value", published[name], "--overwrite")
	}
	require.Len(t, published, 3, "key, subnet and one security group")
	byBase := map[string]string{}
	for name, value := range published {
		byBase[filepath.Base(name)] = value
	}

	// Service Catalog names a provisioned product's stack SC-<account>-pp-<id>.
	onDefaults, custom := "SC-123456789012-pp-abcdefghijklm", "SC-123456789012-pp-nopqrstuvwxyz"
	template := "file://" + templateFile

	// Service Catalog tags the stacks it launches with the launching principal
	// and the provisioned product; the workspace handler reads them, and asks
	// IAM for the principal's unique ID (aws:userid): the role's ID and the
	// session name for a session, the user's ID for a user.
	owners := map[string]string{onDefaults: "assumed-role/Analyst/alice@example.com", custom: "user/bob"}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	analystRoleID := m.aws(t, "iam", "create-role", "--role-name", "Analyst", "--assume-role-policy-document", trust)["Role"].(map[string]any)["RoleId"].(string)
	bobID := m.aws(t, "iam", "create-user", "--user-name", "bob")["User"].(map[string]any)["UserId"].(string)
	ownerIDs := map[string]string{onDefaults: analystRoleID + ":alice@example.com", custom: bobID}
	launchTags := func(stack string) []string {
		principal := "arn:aws:sts::123456789012:" + owners[stack]
		if strings.HasPrefix(owners[stack], "user/") {
			principal = "arn:aws:iam::123456789012:" + owners[stack]
		}
		return []string{"--tags",
			"Key=aws:servicecatalog:provisioningPrincipalArn,Value=" + principal,
			"Key=aws:servicecatalog:provisionedProductArn,Value=arn:aws:servicecatalog:eu-west-1:123456789012:stack/nb/pp-" + stack[len(stack)-13:]}
	}

	// checkNotebook asserts, through the SageMaker and IAM APIs, what the launch requested.
	checkNotebook := func(stack, instanceType string, volume, idleMinutes, leaseDays int) {
		t.Helper()
		out := m.outputs(t, stack)
		name := out["NotebookInstanceName"]
		require.Regexp(t, "^"+regexp.QuoteMeta(strings.ToLower(stack))+"-[a-z0-9]+$", name,
			"the notebook is named after its SC-* stack, in lower case, and the template's generation")
		nb := m.notebook(t, name)
		assert.Equal(t, instanceType, nb["InstanceType"])
		assert.EqualValues(t, volume, nb["VolumeSizeInGB"])
		assert.Equal(t, byBase["subnet-id"], nb["SubnetId"])
		assert.Equal(t, []any{byBase["security-group-1"]}, nb["SecurityGroups"])
		assert.Equal(t, byBase["kms-key-arn"], nb["KmsKeyId"])
		// Its own role: under the catalog's path, with the boundary and the
		// shared policy, and its owner's workspace only.
		roleArn := nb["RoleArn"].(string)
		assert.Contains(t, roleArn, ":role"+names.NotebookRolePath(notebook.DefaultCatalogName, region))
		role := m.aws(t, "iam", "get-role", "--role-name", roleArn[strings.LastIndex(roleArn, "/")+1:])["Role"].(map[string]any)
		assert.Equal(t, policyArns[boundary], role["PermissionsBoundary"].(map[string]any)["PermissionsBoundaryArn"])
		roleName := role["RoleName"].(string)
		attached := m.aws(t, "iam", "list-attached-role-policies", "--role-name", roleName)["AttachedPolicies"].([]any)
		require.Len(t, attached, 1)
		assert.Equal(t, policyArns[shared], attached[0].(map[string]any)["PolicyArn"])
		// Tagged with its owner: the boundary allows it that owner's prefixes only.
		roleTags := map[string]string{}
		for _, tag := range m.aws(t, "iam", "list-role-tags", "--role-name", roleName)["Tags"].([]any) {
			roleTags[tag.(map[string]any)["Key"].(string)] = tag.(map[string]any)["Value"].(string)
		}
		assert.Equal(t, owners[stack], roleTags["sagemaker-catalog:owner"])
		inline := m.aws(t, "iam", "get-role-policy", "--role-name", roleName, "--policy-name", "OwnWorkspaceAndNotebook")
		// moto answers the document as a Python literal: compare in JSON's quotes.
		doc := strings.ReplaceAll(fmt.Sprint(inline["PolicyDocument"]), "'", `"`)
		doc = strings.NewReplacer(`": `, `":`, `", `, `",`).Replace(doc)
		prefix := "owners/" + owners[stack] + "/"
		assert.Contains(t, doc, `"Resource":"arn:aws:s3:::`+bucket+`/`+prefix+`*"`)
		assert.Contains(t, doc, `"s3:prefix":"`+prefix+`*"`)
		assert.Contains(t, doc, `"Resource":"arn:aws:s3:::`+bucket+`/status/`+owners[stack]+`/`+name+`.json"`, "its own status object")
		assert.Contains(t, doc, `"Resource":"arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/`+name+`"`, "it stops itself only")
		assert.Contains(t, doc, `:log-group:/aws/sagemaker/NotebookInstances:log-stream:`+name+`/*"`, "its own log streams")

		tags := map[string]string{}
		for _, tag := range m.aws(t, "sagemaker", "list-tags", "--resource-arn", nb["NotebookInstanceArn"].(string))["Tags"].([]any) {
			tag := tag.(map[string]any)
			tags[tag["Key"].(string)] = tag["Value"].(string)
		}
		assert.Equal(t, owners[stack], tags["sagemaker-catalog:owner"])
		assert.Equal(t, ownerIDs[stack], tags["sagemaker-catalog:owner-id"], "the owner as IAM's aws:userid names them")
		assert.Equal(t, "s3://"+bucket+"/"+prefix, tags["sagemaker-catalog:workspace"])
		assert.Equal(t, "s3://"+bucket+"/"+prefix, out["WorkspaceUri"])
		assert.Equal(t, "pp-"+stack[len(stack)-13:], tags["sagemaker-catalog:provisioned-product-id"])
		assert.Equal(t, fmt.Sprint(leaseDays), tags["sagemaker-catalog:lease-days"])
		_, err := time.Parse(time.RFC3339, tags["sagemaker-catalog:lease-start"])
		assert.NoError(t, err, "lease-start %q", tags["sagemaker-catalog:lease-start"])
		assert.Equal(t, "Disabled", nb["RootAccess"])
		assert.Equal(t, "Disabled", nb["DirectInternetAccess"])
		assert.Equal(t, name, nb["NotebookInstanceLifecycleConfigName"])
		assert.Equal(t, out["NotebookInstanceArn"], nb["NotebookInstanceArn"])
		assert.Contains(t, out["OpenNotebookUrl"], "openNotebook/"+name+"?")

		lc := m.aws(t, "sagemaker", "describe-notebook-instance-lifecycle-config", "--notebook-instance-lifecycle-config-name", name)
		script, err := base64.StdEncoding.DecodeString(lc["OnStart"].([]any)[0].(map[string]any)["Content"].(string))
		require.NoError(t, err)
		assert.Contains(t, string(script), fmt.Sprintf(`IDLE_MINUTES="%d"`, idleMinutes), "the idle time reaches the lifecycle script")
		assert.Contains(t, string(script), `WORKSPACE_URI="s3://`+bucket+`/`+prefix+`"`, "the workspace reaches the lifecycle script")
		assert.Contains(t, string(script), `REGION="eu-west-1"`)
	}

	// Launch with the form's defaults: no parameters at all.
	lease := int(tmpl.Parameters["LeaseDays"].Default.(float64))
	m.aws(t, append([]string{"cloudformation", "create-stack", "--stack-name", onDefaults, "--template-body", template}, launchTags(onDefaults)...)...)
	checkNotebook(onDefaults, defaultType, int(tmpl.Parameters["VolumeSizeInGB"].Default.(float64)), int(idle.Default.(float64)), lease)

	// Launch with non-default parameters.
	m.aws(t, append(append([]string{"cloudformation", "create-stack", "--stack-name", custom, "--template-body", template},
		parameters("InstanceType", other, "VolumeSizeInGB", "50", "IdleTimeoutMinutes", "30", "LeaseDays", "14")...), launchTags(custom)...)...)
	checkNotebook(custom, other, 50, 30, 14)

	// Update the first: another instance type, as an analyst's UpdateProvisionedProduct would.
	m.aws(t, append([]string{"cloudformation", "update-stack", "--stack-name", onDefaults, "--template-body", template},
		parameters("InstanceType", resized)...)...)
	checkNotebook(onDefaults, resized, int(tmpl.Parameters["VolumeSizeInGB"].Default.(float64)), int(idle.Default.(float64)), lease)

	// Extend the lease, as an analyst does: update with a new LeaseDays. The
	// workspace handler runs again (an Update event) and renews the start.
	leaseStart := func(stack string) time.Time {
		nb := m.notebook(t, m.outputs(t, stack)["NotebookInstanceName"])
		for _, tag := range m.aws(t, "sagemaker", "list-tags", "--resource-arn", nb["NotebookInstanceArn"].(string))["Tags"].([]any) {
			if tag := tag.(map[string]any); tag["Key"] == "sagemaker-catalog:lease-start" {
				at, err := time.Parse(time.RFC3339, tag["Value"].(string))
				require.NoError(t, err)
				return at
			}
		}
		t.Fatalf("%s has no lease-start tag", stack)
		return time.Time{}
	}
	before := leaseStart(onDefaults)
	time.Sleep(1100 * time.Millisecond) // the start has a one-second resolution
	m.aws(t, append([]string{"cloudformation", "update-stack", "--stack-name", onDefaults, "--template-body", template},
		parameters("InstanceType", resized, "LeaseDays", "21")...)...)
	checkNotebook(onDefaults, resized, int(tmpl.Parameters["VolumeSizeInGB"].Default.(float64)), int(idle.Default.(float64)), 21)
	assert.True(t, leaseStart(onDefaults).After(before), "the update renewed the lease")

	// The janitor reads what the template tagged: it finds both notebooks,
	// warns their owners, then terminates the one whose workspace was saved.
	janitorAgainstLaunchedNotebooks(t, m, bucket, map[string]string{onDefaults: owners[onDefaults], custom: owners[custom]}, onDefaults)

	// Terminate both: the stacks go, and so do the notebooks and their lifecycle configs.
	for _, stack := range []string{onDefaults, custom} {
		name := m.outputs(t, stack)["NotebookInstanceName"]
		m.aws(t, "cloudformation", "delete-stack", "--stack-name", stack)
		assert.Contains(t, m.awsFails(t, "sagemaker", "describe-notebook-instance-lifecycle-config", "--notebook-instance-lifecycle-config-name", name), "does not exist")
	}
	list := m.aws(t, "sagemaker", "list-notebook-instances")
	var left []string
	for _, n := range list["NotebookInstances"].([]any) {
		left = append(left, n.(map[string]any)["NotebookInstanceName"].(string))
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
