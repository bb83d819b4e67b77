package integration_test

// Tearing down and coming back (docs/operating.md): the resources the
// catalog keeps are the template's retained ones, the stack is protected
// from deletion, and a catalog deleted in moto's CloudFormation can be
// created again next to what it kept.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/internal/motoserver"
	"github.com/datalake-platform/sagemaker-catalog/internal/testutil"
)

const catalogStack = "SageMakerCatalog"

// kept is a retained resource: its construct path below the stack (without
// the L2's "Resource" children) and its type.
type kept struct{ path, typ string }

// retained lists the resources of a template that CloudFormation keeps
// when it deletes the stack.
func retained(t *testing.T, tmpl testutil.Template) []kept {
	t.Helper()
	var out []kept
	for _, r := range tmpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["DeletionPolicy"] != "Retain" {
			continue
		}
		path, _ := r["Metadata"].(map[string]any)["aws:cdk:path"].(string)
		require.NotEmpty(t, path, "path metadata")
		path = strings.TrimPrefix(path, catalogStack+"/")
		for strings.HasSuffix(path, "/Resource") {
			path = strings.TrimSuffix(path, "/Resource")
		}
		out = append(out, kept{path, r["Type"].(string)})
	}
	slices.SortFunc(out, func(a, b kept) int { return strings.Compare(a.typ+a.path, b.typ+b.path) })
	return out
}

// documented reads the kept-resource table of docs/operating.md.
func documented(t *testing.T) []kept {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(root, "docs", "operating.md"))
	require.NoError(t, err)
	const marker = "<!-- kept resources: test/integration/teardown_test.go keeps this table equal to the template -->"
	i := strings.Index(string(body), marker)
	require.GreaterOrEqual(t, i, 0, "docs/operating.md has no kept-resource table")
	row := regexp.MustCompile("^\\| `([^`]+)` \\| `([^`]+)` \\|")
	var out []kept
	for _, line := range strings.Split(string(body)[i+len(marker):], "\n")[3:] {
		m := row.FindStringSubmatch(line)
		if m == nil {
			break
		}
		out = append(out, kept{m[1], m[2]})
	}
	slices.SortFunc(out, func(a, b kept) int { return strings.Compare(a.typ+a.path, b.typ+b.path) })
	return out
}

func TestKeptResourcesAreTheDocumentedOnes(t *testing.T) {
	tmpl := testutil.ReadTemplate(t, filepath.Join(assembly(t), catalogStack+".template.json"))
	got := retained(t, tmpl)
	require.NotEmpty(t, got)
	assert.Equal(t, got, documented(t), "docs/operating.md, Tearing down: the kept resources")
	// Nothing else outlives the stack: UpdateReplacePolicy Retain only with
	// DeletionPolicy Retain.
	for id, r := range tmpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["UpdateReplacePolicy"] == "Retain" {
			assert.Equal(t, "Retain", r["DeletionPolicy"], id)
		}
	}
}

// The catalog stack refuses `cdk destroy` until the operator turns
// termination protection off (after the notebooks are gone).
func TestCatalogStackIsProtected(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(assembly(t), "manifest.json"))
	require.NoError(t, err)
	var manifest struct {
		Artifacts map[string]struct {
			Properties struct {
				TerminationProtection bool `json:"terminationProtection"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	require.NoError(t, json.Unmarshal(body, &manifest))
	require.Contains(t, manifest.Artifacts, catalogStack)
	assert.True(t, manifest.Artifacts[catalogStack].Properties.TerminationProtection)
}

// TestRedeployAfterDelete creates the catalog stack in moto's CloudFormation,
// deletes it, checks that exactly the documented resources are left, and
// creates it again. It passes because the kept log groups' names are unique
// per stack instance and the workspace bucket's name is generated; a kept
// name that collides fails it, saying so.
func TestRedeployAfterDelete(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the moto tear-down and redeploy")
	}
	t.Parallel()
	dir := assembly(t)
	templateFile := filepath.Join(dir, catalogStack+".template.json")
	tmpl := testutil.ReadTemplate(t, templateFile)
	m := startMoto(t)
	cfg := m.Config()
	logs, functions := cloudwatchlogs.NewFromConfig(cfg), lambda.NewFromConfig(cfg)

	// What `cdk bootstrap` and the asset publishing leave in an account.
	_, err := m.ssm.PutParameter(m.ctx, &ssm.PutParameterInput{Name: aws.String("/cdk-bootstrap/hnb659fds/version"),
		Type: ssmtypes.ParameterTypeString, Value: aws.String("30")})
	require.NoError(t, err)
	assets := "cdk-hnb659fds-assets-" + m.Account + "-" + motoserver.Region
	_, err = m.s3.CreateBucket(m.ctx, &s3.CreateBucketInput{Bucket: aws.String(assets),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(motoserver.Region)}})
	require.NoError(t, err)
	body, err := os.ReadFile(templateFile)
	require.NoError(t, err)
	keys := regexp.MustCompile(`"([0-9a-f]{64}\.(?:zip|json))"`).FindAllStringSubmatch(string(body), -1)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		_, err := m.s3.PutObject(m.ctx, &s3.PutObjectInput{Bucket: aws.String(assets), Key: aws.String(k[1]), Body: strings.NewReader("asset")})
		require.NoError(t, err)
	}

	inventory := func() map[string][]string {
		out := map[string][]string{}
		for p := s3.NewListBucketsPaginator(m.s3, &s3.ListBucketsInput{}); p.HasMorePages(); {
			page, err := p.NextPage(m.ctx)
			require.NoError(t, err)
			for _, b := range page.Buckets {
				if name := aws.ToString(b.Name); name != assets {
					out["AWS::S3::Bucket"] = append(out["AWS::S3::Bucket"], name)
				}
			}
		}
		for p := cloudwatchlogs.NewDescribeLogGroupsPaginator(logs, &cloudwatchlogs.DescribeLogGroupsInput{}); p.HasMorePages(); {
			page, err := p.NextPage(m.ctx)
			require.NoError(t, err)
			for _, g := range page.LogGroups {
				out["AWS::Logs::LogGroup"] = append(out["AWS::Logs::LogGroup"], aws.ToString(g.LogGroupName))
			}
		}
		out["AWS::KMS::Key"] = kmsKeys(t, m)
		for p := iam.NewListPoliciesPaginator(m.iam, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal}); p.HasMorePages(); {
			page, err := p.NextPage(m.ctx)
			require.NoError(t, err)
			for _, policy := range page.Policies {
				out["AWS::IAM::ManagedPolicy"] = append(out["AWS::IAM::ManagedPolicy"], aws.ToString(policy.PolicyName))
			}
		}
		for p := lambda.NewListFunctionsPaginator(functions, &lambda.ListFunctionsInput{}); p.HasMorePages(); {
			page, err := p.NextPage(m.ctx)
			require.NoError(t, err)
			for _, f := range page.Functions {
				out["AWS::Lambda::Function"] = append(out["AWS::Lambda::Function"], aws.ToString(f.FunctionName))
			}
		}
		return out
	}
	// create returns the new stack's status and reason, or the error that
	// refused it (moto creates a stack within the call, and answers its
	// failure as the call's error).
	create := func() (string, string) {
		created, err := m.cfn.CreateStack(m.ctx, &cloudformation.CreateStackInput{StackName: aws.String(catalogStack),
			TemplateBody: aws.String(string(body)), Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam}})
		if err != nil {
			return "CREATE_FAILED", err.Error()
		}
		d, err := m.cfn.DescribeStacks(m.ctx, &cloudformation.DescribeStacksInput{StackName: created.StackId})
		require.NoError(t, err)
		require.Len(t, d.Stacks, 1)
		return string(d.Stacks[0].StackStatus), aws.ToString(d.Stacks[0].StackStatusReason)
	}

	status, reason := create()
	require.Equal(t, "CREATE_COMPLETE", status, reason)
	before := inventory()
	require.NotEmpty(t, before["AWS::Lambda::Function"], "the stack's functions exist")

	_, err = m.cfn.DeleteStack(m.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(catalogStack)})
	require.NoError(t, err)
	left := inventory()
	// Exactly the retained resources are left: as many of each type as the
	// template retains, and nothing of the types it never retains.
	want := map[string]int{}
	for _, k := range retained(t, tmpl) {
		want[k.typ]++
	}
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::KMS::Key", "AWS::IAM::ManagedPolicy", "AWS::Lambda::Function"} {
		assert.Len(t, left[typ], want[typ], "%s left after the delete: %v", typ, left[typ])
	}

	status, reason = create()
	if status != "CREATE_COMPLETE" && regexp.MustCompile(`(?i)already exists|AlreadyOwnedByYou|ResourceAlreadyExists`).MatchString(reason+status) {
		t.Fatalf("the second creation collides with a name the first one kept (log groups must be unique per stack instance, "+
			"the workspace bucket's name generated): %s %s", status, reason)
	}
	require.Equal(t, "CREATE_COMPLETE", status, "the catalog comes back next to what it kept: %s", reason)
}

// kmsKeys lists the account's KMS keys through KMS's JSON API
// (TrentService.ListKeys), signed as the SDK signs its calls: this one call
// is all the tests ask of KMS, and the module has no KMS client.
func kmsKeys(t *testing.T, m *moto) []string {
	t.Helper()
	creds, err := m.Config().Credentials.Retrieve(m.ctx)
	require.NoError(t, err)
	var keys []string
	marker := ""
	for {
		body, err := json.Marshal(map[string]string{"Marker": marker})
		require.NoError(t, err)
		if marker == "" {
			body = []byte("{}")
		}
		req, err := http.NewRequestWithContext(m.ctx, http.MethodPost, m.Endpoint+"/", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "TrentService.ListKeys")
		req.Header.Set("x-moto-account-id", m.Account)
		sum := sha256.Sum256(body)
		require.NoError(t, v4.NewSigner().SignHTTP(m.ctx, creds, req, hex.EncodeToString(sum[:]), "kms", motoserver.Region, time.Now()))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var page struct {
			Keys       []struct{ KeyId string }
			NextMarker string
			Truncated  bool
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		for _, k := range page.Keys {
			keys = append(keys, k.KeyId)
		}
		if !page.Truncated {
			return keys
		}
		marker = page.NextMarker
	}
}
