package main

// A launch simulation in a real CloudFormation engine: moto_server (moto
// 5.2.1, on the machine image) creates, updates and deletes the product
// stack the way Service Catalog does on launch, update and terminate.
// testdata/moto_server.py completes moto's SageMaker notebook handlers (they
// drop most properties) and resolves {{resolve:ssm:...}}, as CloudFormation
// does; see its comment.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	"PlatformIdentifier, InstanceMetadataServiceConfiguration": "moto's notebook model has no such fields",
	"AllowedValues, MinValue, MaxValue":                        "moto does not enforce parameter constraints; the test checks its values against the template",
	"ml.r5.* instance types":                                   "moto's instance-type enum predates them; the test launches ml.m5.xlarge and ml.t3.large",
	"ListNotebookInstanceLifecycleConfigs":                     "answers 500 in moto; the test describes each config by name instead",
}

type moto struct {
	endpoint string
	env      []string
}

// startMoto runs testdata/moto_server.py on a free port of 127.0.0.1 until
// the test ends.
func startMoto(t *testing.T) *moto {
	missing := ""
	if _, err := exec.LookPath("aws"); err != nil {
		missing = "the aws CLI"
	} else if err := exec.Command("python3", "-c", "import moto.server, flask").Run(); err != nil {
		missing = "moto with its server (python3 -c 'import moto.server')"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: the machine image provides it", missing)
		}
		t.Skipf("%s is not installed (pip install 'moto[server]' awscli): skipping the launch simulation", missing)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	server := exec.Command("python3", "testdata/moto_server.py", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
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

// awsFails runs an AWS CLI command that must fail, and returns its error output.
func (m *moto) awsFails(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", m.endpoint, "--output", "json"}, args...)...)
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

	m := startMoto(t)
	// The catalog stack publishes the shared resources in SSM; do the same.
	shared := map[string]string{}
	for _, ref := range regexp.MustCompile(`\{\{resolve:ssm:([^}]+)\}\}`).FindAllStringSubmatch(string(body), -1) {
		name := ref[1]
		switch base := filepath.Base(name); {
		case base == "role-arn":
			shared[name] = "arn:aws:iam::123456789012:role/SageMakerCatalog-notebook"
		case base == "kms-key-arn":
			shared[name] = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		case base == "subnet-id":
			shared[name] = "subnet-0123456789abcdef0"
		case strings.HasPrefix(base, "security-group-"):
			shared[name] = "sg-0123456789abcdef" + strings.TrimPrefix(base, "security-group-")
		default:
			t.Fatalf("unexpected SSM reference %s", name)
		}
		m.aws(t, "ssm", "put-parameter", "--name", name, "--type", "String", "--value", shared[name], "--overwrite")
	}
	require.Len(t, shared, 4, "role, key, subnet and one security group")
	byBase := map[string]string{}
	for name, value := range shared {
		byBase[filepath.Base(name)] = value
	}

	// Service Catalog names a provisioned product's stack SC-<account>-pp-<id>.
	onDefaults, custom := "SC-123456789012-pp-abcdefghijklm", "SC-123456789012-pp-nopqrstuvwxyz"
	template := "file://" + templateFile

	// checkNotebook asserts, through the SageMaker API, what the launch requested.
	checkNotebook := func(stack, instanceType string, volume, idleMinutes int) {
		t.Helper()
		out := m.outputs(t, stack)
		require.Equal(t, stack, out["NotebookInstanceName"], "the notebook is named after its SC-* stack")
		nb := m.notebook(t, stack)
		assert.Equal(t, instanceType, nb["InstanceType"])
		assert.EqualValues(t, volume, nb["VolumeSizeInGB"])
		assert.Equal(t, byBase["subnet-id"], nb["SubnetId"])
		assert.Equal(t, []any{byBase["security-group-1"]}, nb["SecurityGroups"])
		assert.Equal(t, byBase["kms-key-arn"], nb["KmsKeyId"])
		assert.Equal(t, byBase["role-arn"], nb["RoleArn"])
		assert.Equal(t, "Disabled", nb["RootAccess"])
		assert.Equal(t, "Disabled", nb["DirectInternetAccess"])
		assert.Equal(t, stack+"-autostop", nb["NotebookInstanceLifecycleConfigName"])
		assert.Equal(t, out["NotebookInstanceArn"], nb["NotebookInstanceArn"])
		assert.Contains(t, out["OpenNotebookUrl"], "openNotebook/"+stack)

		lc := m.aws(t, "sagemaker", "describe-notebook-instance-lifecycle-config", "--notebook-instance-lifecycle-config-name", stack+"-autostop")
		script, err := base64.StdEncoding.DecodeString(lc["OnStart"].([]any)[0].(map[string]any)["Content"].(string))
		require.NoError(t, err)
		assert.Contains(t, string(script), fmt.Sprintf(`IDLE_MINUTES="%d"`, idleMinutes), "the idle time reaches the lifecycle script")
	}

	// Launch with the form's defaults: no parameters at all.
	m.aws(t, "cloudformation", "create-stack", "--stack-name", onDefaults, "--template-body", template)
	checkNotebook(onDefaults, defaultType, int(tmpl.Parameters["VolumeSizeInGB"].Default.(float64)), int(idle.Default.(float64)))

	// Launch with non-default parameters.
	m.aws(t, append([]string{"cloudformation", "create-stack", "--stack-name", custom, "--template-body", template},
		parameters("InstanceType", other, "VolumeSizeInGB", "50", "IdleTimeoutMinutes", "30")...)...)
	checkNotebook(custom, other, 50, 30)

	// Update the first: another instance type, as an analyst's UpdateProvisionedProduct would.
	m.aws(t, append([]string{"cloudformation", "update-stack", "--stack-name", onDefaults, "--template-body", template},
		parameters("InstanceType", resized)...)...)
	checkNotebook(onDefaults, resized, int(tmpl.Parameters["VolumeSizeInGB"].Default.(float64)), int(idle.Default.(float64)))

	// Terminate both: the stacks go, and so do the notebooks and their lifecycle configs.
	for _, stack := range []string{onDefaults, custom} {
		m.aws(t, "cloudformation", "delete-stack", "--stack-name", stack)
		assert.Contains(t, m.awsFails(t, "sagemaker", "describe-notebook-instance-lifecycle-config", "--notebook-instance-lifecycle-config-name", stack+"-autostop"), "does not exist")
	}
	list := m.aws(t, "sagemaker", "list-notebook-instances")
	var left []string
	for _, n := range list["NotebookInstances"].([]any) {
		left = append(left, n.(map[string]any)["NotebookInstanceName"].(string))
	}
	assert.Empty(t, left, "no notebook outlives its provisioned product")
}
