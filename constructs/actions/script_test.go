package actions_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/constructs/actions"
)

// fakeBoto3 stands in for boto3 in the automation's aws:executeScript step:
// each client answers from the scenario in SCENARIO (JSON) and records the
// SageMaker calls it is asked to make.
const fakeBoto3 = `import json, os
scenario = json.loads(os.environ['SCENARIO'])
calls = []

class _SageMaker:
    def list_tags(self, ResourceArn):
        return {'Tags': [{'Key': k, 'Value': v} for k, v in scenario['tags'].items()]}
    def stop_notebook_instance(self, NotebookInstanceName):
        calls.append('stop ' + NotebookInstanceName)
    def start_notebook_instance(self, NotebookInstanceName):
        calls.append('start ' + NotebookInstanceName)

class _SSM:
    def get_automation_execution(self, AutomationExecutionId):
        return {'AutomationExecution': {'ExecutedBy': scenario['executedBy']}}

class _ServiceCatalog:
    def list_record_history(self, AccessLevelFilter, SearchFilter, PageSize):
        assert AccessLevelFilter == {'Key': 'Account', 'Value': 'self'}
        assert SearchFilter['Key'] == 'provisionedproduct'
        return {'RecordDetails': [r for r in scenario['records'] if r['ProvisionedProductId'] == SearchFilter['Value']]}

def client(name):
    return {'sagemaker': _SageMaker, 'ssm': _SSM, 'servicecatalog': _ServiceCatalog}[name]()
`

// runScript runs the action's script with the fake boto3 on scenario and
// returns the SageMaker calls it made, or the error it raised.
func runScript(t *testing.T, call string, scenario map[string]any) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is missing: the machine image provides it")
		}
		t.Skip("python3 is not installed: skipping the automation script's test")
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "boto3.py"), []byte(fakeBoto3), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "action.py"), []byte(actions.Script(call)), 0o644))
	body, err := json.Marshal(scenario)
	require.NoError(t, err)
	run := `import sys, action, boto3
try:
    action.handler({'NotebookInstanceArn': sys.argv[1], 'ExecutionId': 'e-1', 'ActionRole': 'Catalog-NotebookActionsStopRole-ABC'}, None)
    print('calls:' + ','.join(boto3.calls))
except Exception as e:
    print('error:' + str(e))
`
	cmd := exec.Command("python3", "-c", run, "arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/sc-123456789012-pp-alice0000000-a1b2")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SCENARIO="+string(body), "PYTHONPATH="+dir, "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	result := strings.TrimSpace(string(out))
	if rest, ok := strings.CutPrefix(result, "calls:"); ok {
		return rest, ""
	}
	return "", strings.TrimPrefix(result, "error:")
}

// The automation acts on the notebook only when its caller may: Service
// Catalog (the action's role) with a record in progress on the notebook's
// own provisioned product, or the notebook's owner.
func TestScriptActsOnlyOnTheCallersNotebook(t *testing.T) {
	alicesTags := map[string]any{
		"sagemaker-catalog:provisioned-product-id": "pp-alice0000000",
		"sagemaker-catalog:owner":                  "assumed-role/Analyst/alice",
	}
	actionRole := "arn:aws:sts::123456789012:assumed-role/Catalog-NotebookActionsStopRole-ABC/servicecatalog"
	inProgress := func(pp string) map[string]any {
		return map[string]any{"ProvisionedProductId": pp, "Status": "IN_PROGRESS", "RecordType": "EXECUTE_PROVISIONED_PRODUCT_SERVICE_ACTION"}
	}
	for _, tc := range []struct {
		name      string
		scenario  map[string]any
		wantCalls string
		wantError string
	}{
		{"alice's action on her own product", map[string]any{"tags": alicesTags, "executedBy": actionRole,
			"records": []any{inProgress("pp-alice0000000")}}, "stop sc-123456789012-pp-alice0000000-a1b2", ""},
		{"bob's action on his product, aimed at alice's notebook (TARGET overridden)", map[string]any{"tags": alicesTags, "executedBy": actionRole,
			"records": []any{inProgress("pp-bob000000000")}}, "", "refused: the action was not run on pp-alice0000000"},
		{"a finished record of alice's does not count", map[string]any{"tags": alicesTags, "executedBy": actionRole,
			"records": []any{map[string]any{"ProvisionedProductId": "pp-alice0000000", "Status": "SUCCEEDED"}}}, "", "refused: the action was not run on pp-alice0000000"},
		{"a notebook without its provisioned product's tag", map[string]any{"tags": map[string]any{"sagemaker-catalog:owner": "assumed-role/Analyst/alice"},
			"executedBy": actionRole, "records": []any{inProgress("pp-alice0000000")}}, "", "names no provisioned product"},
		{"alice starts the automation herself", map[string]any{"tags": alicesTags,
			"executedBy": "arn:aws:sts::123456789012:assumed-role/Analyst/alice", "records": []any{}}, "stop sc-123456789012-pp-alice0000000-a1b2", ""},
		{"bob starts the automation on alice's notebook", map[string]any{"tags": alicesTags,
			"executedBy": "arn:aws:sts::123456789012:assumed-role/Analyst/bob", "records": []any{}}, "", "does not own sc-123456789012-pp-alice0000000-a1b2"},
		{"bob, with a session named like alice's role path", map[string]any{"tags": alicesTags,
			"executedBy": "arn:aws:sts::123456789012:assumed-role/Analyst/alice/x", "records": []any{}}, "", "does not own"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls, errText := runScript(t, "stop_notebook_instance", tc.scenario)
			assert.Equal(t, tc.wantCalls, calls)
			if tc.wantError == "" {
				assert.Empty(t, errText)
			} else {
				assert.Contains(t, errText, tc.wantError)
			}
		})
	}
}
