package main

// A launch simulation in a real CloudFormation engine: moto_server (moto
// 5.2.1, on the machine image) creates, updates and deletes the product
// stack the way Service Catalog does on launch, update and terminate.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notVerifiableInMoto lists what moto 5.2.1 cannot show, and why; the
// product tests (products/notebook_test.go) assert these on the template.
var notVerifiableInMoto = map[string]string{
	"NotebookInstanceName": "moto names the notebook <stack>-<logical id>-<random>, ignoring the property",
	"VolumeSizeInGB, SubnetId, SecurityGroupIds, KmsKeyId, RootAccess, DirectInternetAccess, PlatformIdentifier, InstanceMetadataServiceConfiguration": "moto's CloudFormation handler passes only InstanceType and RoleArn to CreateNotebookInstance (sagemaker/models.py, create_from_cloudformation_json) and reports SageMaker's defaults",
	"{{resolve:ssm:...}} dynamic references":          "moto does not resolve them; the values reach SageMaker verbatim",
	"AWS::SageMaker::NotebookInstanceLifecycleConfig": "moto creates it under a generated name and its ListNotebookInstanceLifecycleConfigs answers 500",
	"AllowedValues, MinValue, MaxValue":               "moto does not enforce parameter constraints; the test checks them on the template",
}

type moto struct {
	endpoint string
	env      []string
}

// startMoto runs moto_server on a free port of 127.0.0.1 until the test ends.
func startMoto(t *testing.T) *moto {
	for _, tool := range []string{"moto_server", "aws"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: the machine image provides it", tool)
			}
			t.Skipf("%s is not installed (pip install 'moto[server]' awscli): skipping the launch simulation", tool)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	server := exec.Command("moto_server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	server.Stdout, server.Stderr = nil, nil
	require.NoError(t, server.Start())
	t.Cleanup(func() { server.Process.Kill(); server.Wait() })

	m := &moto{endpoint: fmt.Sprintf("http://127.0.0.1:%d", port)}
	m.env = append(os.Environ(), "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION=eu-west-1", "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(m.endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return m
		}
		require.True(t, time.Now().Before(deadline), "moto_server did not start: %v", err)
		time.Sleep(200 * time.Millisecond)
	}
}

// aws runs an AWS CLI command against moto and decodes its JSON answer.
func (m *moto) aws(t *testing.T, args ...string) map[string]any {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", m.endpoint, "--output", "json"}, args...)...)
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

	m := startMoto(t)
	// Service Catalog names a provisioned product's stack SC-<account>-pp-<id>.
	onDefaults, custom := "SC-123456789012-pp-abcdefghijklm", "SC-123456789012-pp-nopqrstuvwxyz"
	template := "file://" + templateFile

	// Launch with the form's defaults: no parameters at all.
	m.aws(t, "cloudformation", "create-stack", "--stack-name", onDefaults, "--template-body", template)
	out := m.outputs(t, onDefaults)
	nb := m.notebook(t, out["NotebookInstanceName"])
	assert.Equal(t, defaultType, nb["InstanceType"])
	assert.Equal(t, out["NotebookInstanceArn"], nb["NotebookInstanceArn"])
	assert.Contains(t, out["OpenNotebookUrl"], "openNotebook/"+out["NotebookInstanceName"])
	assert.True(t, strings.HasPrefix(out["NotebookInstanceName"], onDefaults), "named after the SC-* stack")

	// Launch with non-default parameters.
	m.aws(t, append([]string{"cloudformation", "create-stack", "--stack-name", custom, "--template-body", template},
		parameters("InstanceType", other, "VolumeSizeInGB", "50", "IdleTimeoutMinutes", "30")...)...)
	customOut := m.outputs(t, custom)
	assert.Equal(t, other, m.notebook(t, customOut["NotebookInstanceName"])["InstanceType"])

	// Update the first: another instance type, as an analyst's UpdateProvisionedProduct would.
	m.aws(t, append([]string{"cloudformation", "update-stack", "--stack-name", onDefaults, "--template-body", template},
		parameters("InstanceType", resized)...)...)
	out = m.outputs(t, onDefaults)
	assert.Equal(t, resized, m.notebook(t, out["NotebookInstanceName"])["InstanceType"])

	// Terminate both: the stacks go, and so do the notebooks.
	for _, stack := range []string{onDefaults, custom} {
		m.aws(t, "cloudformation", "delete-stack", "--stack-name", stack)
	}
	list := m.aws(t, "sagemaker", "list-notebook-instances")
	var left []string
	for _, n := range list["NotebookInstances"].([]any) {
		left = append(left, n.(map[string]any)["NotebookInstanceName"].(string))
	}
	assert.Empty(t, left, "no notebook outlives its provisioned product")
}
