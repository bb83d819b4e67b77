package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// res is a resource of a hand-written template.
func res(typ string, props map[string]any) map[string]any {
	r := map[string]any{"Type": typ}
	if props != nil {
		r["Properties"] = props
	}
	return r
}

func template(t *testing.T, resources map[string]any) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"Resources": resources})
	require.NoError(t, err)
	return data
}

func getAtt(id string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, "Arn"}} }

func metricStat(namespace, name string, period float64) map[string]any {
	return map[string]any{"MetricStat": map[string]any{
		"Metric": map[string]any{"Namespace": namespace, "MetricName": name}, "Period": period, "Stat": "Sum"}}
}

func filter(namespace, name string) map[string]any {
	return res("AWS::Logs::MetricFilter", map[string]any{"LogGroupName": map[string]any{"Ref": "Logs"}, "FilterPattern": "x",
		"MetricTransformations": []any{map[string]any{"MetricNamespace": namespace, "MetricName": name, "MetricValue": "1"}}})
}

func schedule(expr string, target any) map[string]any {
	return res("AWS::Scheduler::Schedule", map[string]any{"ScheduleExpression": expr,
		"FlexibleTimeWindow": map[string]any{"Mode": "OFF"}, "Target": map[string]any{"Arn": target, "RoleArn": "r"}})
}

func function(memory any, arch ...string) map[string]any {
	p := map[string]any{"Runtime": "provided.al2023"}
	if memory != nil {
		p["MemorySize"] = memory
	}
	if arch != nil {
		p["Architectures"] = arch
	}
	return res("AWS::Lambda::Function", p)
}

func TestCountHandWrittenTemplate(t *testing.T) {
	subnets := []any{map[string]any{"Ref": "A"}, map[string]any{"Ref": "B"}, map[string]any{"Ref": "C"}}
	data := template(t, map[string]any{
		"Meta":     res("AWS::CDK::Metadata", nil),
		"Role":     res("AWS::IAM::Role", map[string]any{"AssumeRolePolicyDocument": map[string]any{}}),
		"ApiEp":    res("AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Interface", "SubnetIds": subnets}),
		"StsEp":    res("AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Interface", "SubnetIds": subnets}),
		"S3Ep":     res("AWS::EC2::VPCEndpoint", map[string]any{"ServiceName": "s3"}), // Gateway: CloudFormation's default
		"Key1":     res("AWS::KMS::Key", nil),
		"Key2":     res("AWS::KMS::Key", nil),
		"Alias":    res("AWS::KMS::Alias", nil),
		"Flow":     res("AWS::EC2::FlowLog", map[string]any{"ResourceType": "VPC"}),
		"Param1":   res("AWS::SSM::Parameter", map[string]any{"Type": "String"}),
		"Param2":   res("AWS::SSM::Parameter", map[string]any{"Type": "String", "Tier": "Standard"}),
		"Board":    res("AWS::CloudWatch::Dashboard", map[string]any{"DashboardBody": "{}"}),
		"Simple":   res("AWS::CloudWatch::Alarm", map[string]any{"MetricName": "Errors", "Namespace": "AWS/Lambda", "Period": 300}),
		"Math":     res("AWS::CloudWatch::Alarm", map[string]any{"Metrics": []any{map[string]any{"Id": "e", "Expression": "a + b", "ReturnData": true}, metricStat("N", "A", 3600), metricStat("N", "B", 60)}}),
		"Filter1":  filter("N", "Warned"),
		"Filter2":  filter("N", "Terminated"),
		"Filter3":  filter("N", "Warned"), // the same metric as Filter1: one metric
		"Schedule": schedule("rate(15 minutes)", getAtt("Janitor")),
		"Janitor":  function(512, "arm64"),
		"Other":    function(nil),
		"Lookup":   res("Custom::AWS", nil),
		"Generic":  res("AWS::CloudFormation::CustomResource", nil),
		"Logs":     res("AWS::Logs::LogGroup", nil),
		"Bucket":   res("AWS::S3::Bucket", nil),
		"Topic":    res("AWS::SNS::Topic", nil),
		"Queue":    res("AWS::SQS::Queue", nil),
		"Doc":      res("AWS::SSM::Document", nil),
	})
	got, err := Count(data)
	require.NoError(t, err)
	assert.Equal(t, Counts{
		InterfaceEndpoints: 2, AZs: 3, GatewayEndpoints: 1, KMSKeys: 2, FlowLogs: 1, SSMParameters: 2,
		Dashboards: 1, AlarmMetrics: 3, CustomMetrics: 2,
		Schedules: 1, JanitorRunsPerMonth: 4 * 730, JanitorMemoryMB: 512,
		Functions: 2, CustomResources: 2, LogGroups: 1, Buckets: 1, Topics: 1, Queues: 1, SSMDocuments: 1,
	}, got)
}

func TestCountScheduledFunctionDefaultMemory(t *testing.T) {
	got, err := Count(template(t, map[string]any{
		"Schedule": schedule("rate(1 hour)", getAtt("Fn")),
		"Fn":       function(nil, "arm64"),
	}))
	require.NoError(t, err)
	assert.Equal(t, 128, got.JanitorMemoryMB, "Lambda's default memory")
	assert.InDelta(t, 730, got.JanitorRunsPerMonth, 1e-9)
}

// Count fails on what the model cannot price, naming the resource, its
// type and what is wrong.
func TestCountFailsOnWhatItCannotPrice(t *testing.T) {
	ok := func(id string) map[string]any { return map[string]any{id: function(256, "arm64")} }
	for _, c := range []struct {
		name      string
		resources map[string]any
		want      string
	}{
		{"fails on an unknown type", map[string]any{"Nat": res("AWS::EC2::NatGateway", nil)},
			"Nat (AWS::EC2::NatGateway): a resource type the cost model does not know"},
		{"fails on another endpoint type", map[string]any{"Ep": res("AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "GatewayLoadBalancer"})},
			`Ep (AWS::EC2::VPCEndpoint): VpcEndpointType "GatewayLoadBalancer": the model prices Interface and Gateway endpoints`},
		{"fails on subnets it cannot count", map[string]any{"Ep": res("AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Interface", "SubnetIds": map[string]any{"Fn::Split": []any{",", "x"}}})},
			"Ep (AWS::EC2::VPCEndpoint): SubnetIds is not a list in the template"},
		{"fails on endpoints in different numbers of subnets", map[string]any{
			"A": res("AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Interface", "SubnetIds": []any{"s1", "s2"}}),
			"B": res("AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Interface", "SubnetIds": []any{"s1", "s2", "s3"}}),
		}, "interface endpoints in different numbers of subnets: 1 in 2 subnets (A); 1 in 3 subnets (B)"},
		{"fails on flow logs to S3", map[string]any{"Flow": res("AWS::EC2::FlowLog", map[string]any{"LogDestinationType": "s3"})},
			`Flow (AWS::EC2::FlowLog): LogDestinationType "s3"`},
		{"fails on an advanced parameter", map[string]any{"P": res("AWS::SSM::Parameter", map[string]any{"Tier": "Advanced"})},
			`P (AWS::SSM::Parameter): Tier "Advanced"`},
		{"fails on a high-resolution alarm", map[string]any{"A": res("AWS::CloudWatch::Alarm", map[string]any{"MetricName": "m", "Period": 10})},
			"A (AWS::CloudWatch::Alarm): Period 10: a high-resolution alarm"},
		{"fails on a high-resolution math alarm", map[string]any{"A": res("AWS::CloudWatch::Alarm", map[string]any{"Metrics": []any{metricStat("N", "m", 30)}})},
			"A (AWS::CloudWatch::Alarm): Period 30: a high-resolution alarm"},
		{"fails on a Metrics Insights alarm", map[string]any{"A": res("AWS::CloudWatch::Alarm", map[string]any{"Metrics": []any{map[string]any{"Id": "q", "Expression": "SELECT AVG(x) FROM y"}}})},
			"A (AWS::CloudWatch::Alarm): a Metrics Insights query alarm"},
		{"fails on an anomaly detection alarm", map[string]any{"A": res("AWS::CloudWatch::Alarm", map[string]any{"ThresholdMetricId": "band", "Metrics": []any{metricStat("N", "m", 300)}})},
			"A (AWS::CloudWatch::Alarm): an anomaly detection alarm"},
		{"fails on an alarm without metrics", map[string]any{"A": res("AWS::CloudWatch::Alarm", map[string]any{"Threshold": 1})},
			"A (AWS::CloudWatch::Alarm): neither MetricName nor Metrics"},
		{"fails on a metric with dimensions", map[string]any{"F": res("AWS::Logs::MetricFilter", map[string]any{"MetricTransformations": []any{
			map[string]any{"MetricNamespace": "N", "MetricName": "m", "Dimensions": []any{map[string]any{"Key": "owner", "Value": "$.owner"}}}}})},
			"F (AWS::Logs::MetricFilter): a metric with dimensions is one metric per value"},
		{"fails on a cron schedule", map[string]any{"S": schedule("cron(0 * * * ? *)", getAtt("Fn")), "Fn": function(256, "arm64")},
			`S (AWS::Scheduler::Schedule): ScheduleExpression "cron(0 * * * ? *)": the model counts runs of a rate(N minutes|hours|days) schedule`},
		{"fails on a zero rate", map[string]any{"S": schedule("rate(0 hours)", getAtt("Fn")), "Fn": function(256, "arm64")},
			`S (AWS::Scheduler::Schedule): ScheduleExpression "rate(0 hours)": a positive rate`},
		{"fails on a target outside the template", map[string]any{"S": schedule("rate(1 hour)", "arn:aws:lambda:eu-west-1:123456789012:function:f")},
			"S (AWS::Scheduler::Schedule): Target.Arn is not a function of the template"},
		{"fails on a target that is not a function", map[string]any{"S": schedule("rate(1 hour)", getAtt("Q")), "Q": res("AWS::SQS::Queue", nil)},
			`S (AWS::Scheduler::Schedule): Target.Arn names "Q", not a function of the template`},
		{"fails on an x86 scheduled function", map[string]any{"S": schedule("rate(1 hour)", getAtt("Fn")), "Fn": function(256)},
			"S (AWS::Scheduler::Schedule): the scheduled function Fn runs on x86_64 (no Architectures: Lambda's default): the model prices arm64"},
		{"fails on a second schedule", map[string]any{"S1": schedule("rate(1 hour)", getAtt("Fn")), "S2": schedule("rate(1 hour)", getAtt("Fn")), "Fn": function(256, "arm64")},
			"S2 (AWS::Scheduler::Schedule): a second schedule"},
		{"passes a function of its own", ok("Fn"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Count(template(t, c.resources))
			if c.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestCountNamesEveryProblemAtOnce(t *testing.T) {
	_, err := Count(template(t, map[string]any{
		"Nat":   res("AWS::EC2::NatGateway", nil),
		"Param": res("AWS::SSM::Parameter", map[string]any{"Tier": "Intelligent-Tiering"}),
	}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Nat (AWS::EC2::NatGateway)")
	assert.Contains(t, err.Error(), `Param (AWS::SSM::Parameter): Tier "Intelligent-Tiering"`)
}

func TestCountFailsOnWhatIsNotATemplate(t *testing.T) {
	_, err := Count([]byte("Resources: {}"))
	assert.ErrorContains(t, err, "not a CloudFormation template in JSON")
	_, err = Count([]byte(`{"Resources": {}}`))
	assert.ErrorContains(t, err, "the template has no resources")
}

func TestRunsPerMonth(t *testing.T) {
	for expr, want := range map[string]float64{
		"rate(1 hour)": 730, "rate(2 hours)": 365, "rate(30 minutes)": 1460, "rate(1 minute)": 730 * 60, "rate(1 day)": 730.0 / 24, "rate(7 days)": 730.0 / 24 / 7,
	} {
		got, err := runsPerMonth(expr)
		require.NoError(t, err, expr)
		assert.InDelta(t, want, got, 1e-9, expr)
	}
	for _, bad := range []string{"rate(1 week)", "rate(-1 hours)", "rate(1.5 hours)", "at(2026-12-01T00:00:00)", ""} {
		_, err := runsPerMonth(bad)
		assert.Error(t, err, bad)
	}
}

func TestDiffNamesEachCount(t *testing.T) {
	d := DefaultDeployment
	assert.Empty(t, d.Diff(d.Counts))
	got := d.Counts
	got.KMSKeys = 3
	got.AlarmMetrics = 5
	got.JanitorRunsPerMonth = 1460
	assert.Equal(t, []string{
		`KMS keys (AWS::KMS::Key): the model's "default" says 4, the template has 3`,
		`alarm metrics, standard resolution (AWS::CloudWatch::Alarm): the model's "default" says 3, the template has 5`,
		`scheduled runs a month: the model's "default" says 730, the template has 1460`,
	}, d.Diff(got))
}

// Every field of Counts is compared: a count left out of items would never
// fail the check.
func TestItemsCoverEveryCount(t *testing.T) {
	var c Counts
	n := len(c.items())
	data, err := json.Marshal(c)
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(data, &fields))
	assert.Equal(t, len(fields), n, "Counts has %d fields, items names %d", len(fields), n)
}

// templateFor writes a template with the resources counts says, the way
// the catalog's template has them.
func templateFor(t *testing.T, c Counts) []byte {
	t.Helper()
	r := map[string]any{}
	add := func(prefix string, n int, resource func(i int) map[string]any) {
		for i := range n {
			r[fmt.Sprintf("%s%d", prefix, i)] = resource(i)
		}
	}
	var subnets []any
	for i := range c.AZs {
		subnets = append(subnets, fmt.Sprintf("subnet-%d", i))
	}
	add("Interface", c.InterfaceEndpoints, func(int) map[string]any {
		return res("AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Interface", "SubnetIds": subnets})
	})
	add("Gateway", c.GatewayEndpoints, func(int) map[string]any {
		return res("AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Gateway"})
	})
	add("Key", c.KMSKeys, func(int) map[string]any { return res("AWS::KMS::Key", nil) })
	add("Flow", c.FlowLogs, func(int) map[string]any { return res("AWS::EC2::FlowLog", nil) })
	add("Param", c.SSMParameters, func(int) map[string]any { return res("AWS::SSM::Parameter", nil) })
	add("Board", c.Dashboards, func(int) map[string]any { return res("AWS::CloudWatch::Dashboard", nil) })
	add("Alarm", c.AlarmMetrics, func(i int) map[string]any {
		return res("AWS::CloudWatch::Alarm", map[string]any{"MetricName": fmt.Sprint(i), "Period": 300})
	})
	add("Filter", c.CustomMetrics, func(i int) map[string]any { return filter("N", fmt.Sprint(i)) })
	require.LessOrEqual(t, c.Schedules, 1)
	if c.Schedules == 1 {
		hours := HoursPerMonth / c.JanitorRunsPerMonth
		require.Equal(t, float64(int(hours)), hours, "a whole number of hours")
		r["Schedule"] = schedule(fmt.Sprintf("rate(%d hours)", int(hours)), getAtt("Function0"))
	}
	add("Function", c.Functions, func(i int) map[string]any {
		if i == 0 {
			return function(c.JanitorMemoryMB, "arm64")
		}
		return function(128)
	})
	add("Custom", c.CustomResources, func(int) map[string]any { return res("Custom::Thing", nil) })
	add("Logs", c.LogGroups, func(int) map[string]any { return res("AWS::Logs::LogGroup", nil) })
	add("Bucket", c.Buckets, func(int) map[string]any { return res("AWS::S3::Bucket", nil) })
	add("Topic", c.Topics, func(int) map[string]any { return res("AWS::SNS::Topic", nil) })
	add("Queue", c.Queues, func(int) map[string]any { return res("AWS::SQS::Queue", nil) })
	add("Doc", c.SSMDocuments, func(int) map[string]any { return res("AWS::SSM::Document", nil) })
	return template(t, r)
}

func writeTemplate(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "SageMakerCatalog.template.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// The command: a template with each deployment's counts passes as that
// deployment and fails as the others, naming the counts that differ.
func TestCheckCommand(t *testing.T) {
	for _, d := range Deployments {
		path := writeTemplate(t, templateFor(t, d.Counts))
		var out bytes.Buffer
		require.NoError(t, run([]string{"-check", path, "-deployment", d.Key}, &out), d.Key)
		assert.Contains(t, out.String(), fmt.Sprintf("%s matches the model's %q deployment: interface endpoints %d (%d AZs)", path, d.Key, d.InterfaceEndpoints, d.AZs))
		for _, other := range Deployments {
			if other.Key == d.Key {
				continue
			}
			err := run([]string{"-check", path, "-deployment", other.Key}, &out)
			require.Error(t, err, "%s checked as %s", d.Key, other.Key)
			assert.Contains(t, err.Error(), fmt.Sprintf("differs from the model's %q deployment", other.Key))
			assert.Contains(t, err.Error(), fmt.Sprintf("KMS keys (AWS::KMS::Key): the model's %q says %d, the template has %d", other.Key, other.KMSKeys, d.KMSKeys))
		}
	}
	// -deployment defaults to the default deployment.
	var out bytes.Buffer
	require.NoError(t, run([]string{"-check", writeTemplate(t, templateFor(t, DefaultDeployment.Counts))}, &out))
}

func TestCheckCommandFails(t *testing.T) {
	good := writeTemplate(t, templateFor(t, DefaultDeployment.Counts))
	nat := writeTemplate(t, template(t, map[string]any{"Nat": res("AWS::EC2::NatGateway", nil)}))
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"fails on an unknown deployment", []string{"-check", good, "-deployment", "prod"}, `-deployment "prod": one of default, existing-vpc, existing-vpc-and-key`},
		{"fails on -deployment without -check", []string{"-deployment", "existing-vpc"}, "-deployment: only with -check <template.json>"},
		{"fails on arguments", []string{good}, "unexpected arguments"},
		{"fails on a missing file", []string{"-check", filepath.Join(t.TempDir(), "none.json")}, "no such file"},
		{"fails on what it cannot price", []string{"-check", nat}, nat + ": the model cannot price what the template holds:\nNat (AWS::EC2::NatGateway)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(c.args, &out)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Empty(t, out.String())
		})
	}
}

// Without flags the command prints the report.
func TestRunPrintsTheReport(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(nil, &out))
	assert.True(t, strings.HasPrefix(out.String(), "<!-- Generated by `go run ./cmd/costmodel > docs/cost.md`"))
	assert.Equal(t, report(t), out.String())
}
