package acceptance

// The steps' pure parts that the moto test cannot reach: finding the
// janitor by its logging configuration (moto's Lambda has none), reading
// its log lines as Lambda may wrap them, and a presigned URL that leads
// away from the notebook.

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

func function(name, handler, group string) lambdatypes.FunctionConfiguration {
	fn := lambdatypes.FunctionConfiguration{FunctionName: aws.String(name),
		Environment: &lambdatypes.EnvironmentResponse{Variables: map[string]string{"FUNCTION": handler, "MODE": "dry-run"}}}
	if group != "" {
		fn.LoggingConfig = &lambdatypes.LoggingConfig{LogGroup: aws.String(group)}
	}
	return fn
}

func TestFindJanitor(t *testing.T) {
	group := JanitorLogGroup("SageMakerCatalog")
	assert.Equal(t, "/SageMakerCatalog/functions/janitor", group)
	fns := []lambdatypes.FunctionConfiguration{
		function("SageMakerCatalog-Workspace", "workspace", "/SageMakerCatalog/functions/workspace"),
		function("Other-Janitor", "janitor", "/Other/functions/janitor"),
		function("SageMakerCatalog-Janitor", "janitor", group),
		{FunctionName: aws.String("unrelated")},
	}
	fn, err := findJanitor(fns, group)
	require.NoError(t, err)
	assert.Equal(t, "SageMakerCatalog-Janitor", aws.ToString(fn.FunctionName))

	_, err = findJanitor(fns[:2], group)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no function with FUNCTION=janitor logs to /SageMakerCatalog/functions/janitor in this region (janitors: Other-Janitor (log group "/Other/functions/janitor"))`)

	_, err = findJanitor(append(fns, function("SageMakerCatalog-Janitor2", "janitor", group)), group)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 functions are the janitor")
}

func TestLogDecision(t *testing.T) {
	plain := `{"time":"2026-01-01T00:00:00Z","level":"INFO","msg":"decision","decision":{"notebook":"sc-1","action":"keep","reason":"running: in use"}}`
	for name, line := range map[string]string{
		"as the function writes it": plain,
		"wrapped as a string":       `{"timestamp":"2026-01-01T00:00:00Z","level":"INFO","message":` + quote(plain) + `}`,
		"wrapped as an object":      `{"timestamp":"2026-01-01T00:00:00Z","level":"INFO","message":` + plain + `}`,
	} {
		d, ok := logDecision(line)
		require.True(t, ok, name)
		assert.Equal(t, "sc-1", d.Notebook, name)
		assert.Equal(t, janitor.Keep, d.Action, name)
	}
	for _, line := range []string{
		"START RequestId: 1 Version: $LATEST",
		`{"level":"ERROR","msg":"notebook failed","notebook":"sc-1","error":"list tags: denied"}`,
		`{"message":"plain text"}`,
	} {
		_, ok := logDecision(line)
		assert.False(t, ok, line)
	}
	d, ok := decisionOn([]janitor.Decision{{Notebook: "SC-123456789012-pp-abc"}}, "sc-123456789012-pp-abc")
	assert.True(t, ok, "names compare without case")
	assert.Equal(t, "SC-123456789012-pp-abc", d.Notebook)
	assert.Error(t, checkDecision(janitor.Decision{Action: janitor.Terminate, ProvisionedProductID: "pp-1"}, &provisioned{ID: "pp-1"}))
	assert.Error(t, checkDecision(janitor.Decision{Action: janitor.Keep, ProvisionedProductID: "pp-2"}, &provisioned{ID: "pp-1"}))
	assert.NoError(t, checkDecision(janitor.Decision{Action: janitor.Keep, ProvisionedProductID: "pp-1"}, &provisioned{ID: "pp-1"}))
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

func TestParseS3URI(t *testing.T) {
	bucket, prefix, err := parseS3URI("s3://catalog-ws-123456789012-eu-west-1/owners/assumed-role/Analyst/alice@example.com/")
	require.NoError(t, err)
	assert.Equal(t, "catalog-ws-123456789012-eu-west-1", bucket)
	assert.Equal(t, "owners/assumed-role/Analyst/alice@example.com/", prefix)
	for _, bad := range []string{"", "s3://bucket", "s3://bucket/owners/", "s3://bucket/other/alice/", "s3://bucket/owners/alice", "https://bucket/owners/alice/"} {
		_, _, err := parseS3URI(bad)
		assert.Error(t, err, bad)
	}
}

func TestChooseVersionAndPath(t *testing.T) {
	at := func(d int) *time.Time { t := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &t }
	versions := []sctypes.ProvisioningArtifact{
		{Id: aws.String("pa-1"), Name: aws.String("v1"), CreatedTime: at(1)},
		{Id: aws.String("pa-3"), Name: aws.String("v3"), CreatedTime: at(3), Guidance: sctypes.ProvisioningArtifactGuidanceDeprecated},
		{Id: aws.String("pa-2"), Name: aws.String("v2"), CreatedTime: at(2), Guidance: sctypes.ProvisioningArtifactGuidanceDefault},
	}
	v, err := chooseVersion(versions, "")
	require.NoError(t, err)
	assert.Equal(t, "v2", aws.ToString(v.Name), "the newest that is not deprecated")
	v, err = chooseVersion(versions, "v3")
	require.NoError(t, err)
	assert.Equal(t, "pa-3", aws.ToString(v.Id), "asked for by name")
	_, err = chooseVersion(versions, "v9")
	assert.ErrorContains(t, err, `the product has no version "v9"; it has v1, v3, v2`)
	_, err = chooseVersion(versions[1:2], "")
	assert.ErrorContains(t, err, "no version the analyst may launch")

	paths := []sctypes.LaunchPath{{Id: aws.String("lpv-1"), Name: aws.String("Analysts")}, {Id: aws.String("lpv-2"), Name: aws.String("Shared")}}
	_, err = choosePath(paths, "")
	assert.ErrorContains(t, err, "2 launch paths for the analyst (Analysts (lpv-1), Shared (lpv-2)): choose one (-launch-path)")
	p, err := choosePath(paths, "lpv-2")
	require.NoError(t, err)
	assert.Equal(t, "Shared", aws.ToString(p.Name))
	p, err = choosePath(paths[:1], "")
	require.NoError(t, err)
	assert.Equal(t, "lpv-1", aws.ToString(p.Id))
}

func TestOpenJupyterRefusesWhereTheURLDoesNotLead(t *testing.T) {
	signin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("sign in")) }))
	defer signin.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("authToken") == "expired" {
			http.Redirect(w, r, signin.URL+"/signin?redirect_uri=x", http.StatusFound)
			return
		}
		http.Error(w, "denied", http.StatusForbidden)
	}))
	defer proxy.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}

	_, landed, err := openJupyter(context.Background(), client, proxy.URL+"/?authToken=expired")
	assert.ErrorContains(t, err, "the presigned URL led away from the notebook, to "+signin.URL+"/signin")
	assert.NotContains(t, landed, "redirect_uri", "no query is printed")
	_, _, err = openJupyter(context.Background(), client, proxy.URL+"/?authToken=other")
	assert.ErrorContains(t, err, "403 Forbidden: denied")
	assert.NotContains(t, err.Error(), "authToken")
	_, _, err = openJupyter(context.Background(), &http.Client{}, proxy.URL)
	assert.ErrorContains(t, err, "no cookie jar")
}
