package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Counts are what a synthesized catalog template holds that costs money
// whatever the analysts do, or is billed per use, as the model prices it.
// Count reads them from a template; each Deployment states them, and
// `costmodel -check` fails when the two differ.
type Counts struct {
	InterfaceEndpoints int
	AZs                int // subnets each interface endpoint is in (one per Availability Zone)
	GatewayEndpoints   int
	KMSKeys            int
	FlowLogs           int
	SSMParameters      int // standard tier
	Dashboards         int
	AlarmMetrics       int // metrics the alarms watch, standard resolution
	CustomMetrics      int // published by metric filters
	// The scheduled function (the janitor): its runs a month and memory.
	Schedules           int
	JanitorRunsPerMonth float64
	JanitorMemoryMB     int
	// Billed per request, GB or invocation: nothing while idle.
	Functions       int
	CustomResources int // each runs a function at deploy
	LogGroups       int
	Buckets         int
	Topics          int
	Queues          int
	SSMDocuments    int
}

// countItem is one count with the name the check reports it by.
type countItem struct {
	name  string
	value float64
}

func (c Counts) items() []countItem {
	return []countItem{
		{"interface endpoints (AWS::EC2::VPCEndpoint, Interface)", float64(c.InterfaceEndpoints)},
		{"subnets (AZs) of each interface endpoint", float64(c.AZs)},
		{"gateway endpoints (AWS::EC2::VPCEndpoint, Gateway)", float64(c.GatewayEndpoints)},
		{"KMS keys (AWS::KMS::Key)", float64(c.KMSKeys)},
		{"flow logs (AWS::EC2::FlowLog)", float64(c.FlowLogs)},
		{"standard SSM parameters (AWS::SSM::Parameter)", float64(c.SSMParameters)},
		{"dashboards (AWS::CloudWatch::Dashboard)", float64(c.Dashboards)},
		{"alarm metrics, standard resolution (AWS::CloudWatch::Alarm)", float64(c.AlarmMetrics)},
		{"custom metrics (AWS::Logs::MetricFilter)", float64(c.CustomMetrics)},
		{"schedules (AWS::Scheduler::Schedule)", float64(c.Schedules)},
		{"scheduled runs a month", c.JanitorRunsPerMonth},
		{"memory of the scheduled function (MB)", float64(c.JanitorMemoryMB)},
		{"functions (AWS::Lambda::Function)", float64(c.Functions)},
		{"custom resources (Custom::*)", float64(c.CustomResources)},
		{"log groups (AWS::Logs::LogGroup)", float64(c.LogGroups)},
		{"S3 buckets (AWS::S3::Bucket)", float64(c.Buckets)},
		{"SNS topics (AWS::SNS::Topic)", float64(c.Topics)},
		{"SQS queues (AWS::SQS::Queue)", float64(c.Queues)},
		{"SSM documents (AWS::SSM::Document)", float64(c.SSMDocuments)},
	}
}

// Diff names each count of got that differs from the deployment's, or
// returns nil when they agree.
func (d Deployment) Diff(got Counts) []string {
	var diffs []string
	want, have := d.items(), got.items()
	for i := range want {
		if want[i].value != have[i].value {
			diffs = append(diffs, fmt.Sprintf("%s: the model's %q says %v, the template has %v",
				want[i].name, d.Key, want[i].value, have[i].value))
		}
	}
	return diffs
}

// freeTypes are the resource types that cost nothing by themselves (what
// they do is billed elsewhere in the model, or not at all), with the reason.
var freeTypes = map[string]string{
	"AWS::CDK::Metadata": "the CDK's template metadata",
	// Amazon VPC: no charge for the VPC, its subnets, route tables and
	// security groups (https://aws.amazon.com/vpc/pricing/); the endpoints,
	// flow logs and NAT gateways are what cost.
	"AWS::EC2::VPC":                         "no charge for the VPC itself",
	"AWS::EC2::Subnet":                      "part of the VPC",
	"AWS::EC2::RouteTable":                  "part of the VPC",
	"AWS::EC2::SubnetRouteTableAssociation": "part of the VPC",
	"AWS::EC2::SecurityGroup":               "part of the VPC",
	"AWS::EC2::SecurityGroupEgress":         "part of the VPC",
	"AWS::EC2::SecurityGroupIngress":        "part of the VPC",
	// IAM is offered at no additional charge (https://aws.amazon.com/iam/).
	"AWS::IAM::Role":          "IAM: no charge",
	"AWS::IAM::Policy":        "IAM: no charge",
	"AWS::IAM::ManagedPolicy": "IAM: no charge",
	"AWS::KMS::Alias":         "an alias: the key is what costs",
	// Configuration of what is billed elsewhere.
	"AWS::Lambda::EventInvokeConfig": "configuration of a function",
	"AWS::Lambda::Permission":        "configuration of a function",
	"AWS::S3::BucketPolicy":          "configuration of a bucket",
	"AWS::SNS::TopicPolicy":          "configuration of a topic",
	"AWS::SNS::Subscription":         "deliveries are billed per notification",
	"AWS::SQS::QueuePolicy":          "configuration of a queue",
	// Service Catalog bills API calls (in the analysts' usage), not resources.
	"AWS::ServiceCatalog::Portfolio":                     "Service Catalog bills API calls",
	"AWS::ServiceCatalog::CloudFormationProduct":         "Service Catalog bills API calls",
	"AWS::ServiceCatalog::PortfolioProductAssociation":   "Service Catalog bills API calls",
	"AWS::ServiceCatalog::PortfolioPrincipalAssociation": "Service Catalog bills API calls",
	"AWS::ServiceCatalog::PortfolioShare":                "Service Catalog bills API calls",
	"AWS::ServiceCatalog::LaunchRoleConstraint":          "Service Catalog bills API calls",
	"AWS::ServiceCatalog::ServiceAction":                 "Service Catalog bills API calls",
	"AWS::ServiceCatalog::ServiceActionAssociation":      "Service Catalog bills API calls",
	"AWS::ServiceCatalog::TagOption":                     "Service Catalog bills API calls",
	"AWS::ServiceCatalog::TagOptionAssociation":          "Service Catalog bills API calls",
}

type resource struct {
	Type       string          `json:"Type"`
	Properties json.RawMessage `json:"Properties"`
}

// Count reads a synthesized catalog template (JSON). It fails, naming each,
// on what the model cannot price: a resource type it does not know (add a
// count and a price, or list it in freeTypes with the reason), an endpoint,
// alarm, parameter, metric filter or flow log of a kind with another price,
// interface endpoints in different numbers of subnets, a scheduled function
// that is not arm64 or not on a rate.
func Count(template []byte) (Counts, error) {
	var t struct {
		Resources map[string]resource `json:"Resources"`
	}
	if err := json.Unmarshal(template, &t); err != nil {
		return Counts{}, fmt.Errorf("not a CloudFormation template in JSON: %w", err)
	}
	if len(t.Resources) == 0 {
		return Counts{}, errors.New("the template has no resources")
	}
	var c Counts
	var errs []error
	problem := func(id, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s (%s): %s", id, t.Resources[id].Type, fmt.Sprintf(format, args...)))
	}
	ids := make([]string, 0, len(t.Resources))
	for id := range t.Resources {
		ids = append(ids, id)
	}
	slices.Sort(ids) // the errors in a stable order
	metrics := map[string]bool{}
	subnets := map[int][]string{} // interface endpoints by their number of subnets
	for _, id := range ids {
		r := t.Resources[id]
		var p map[string]any
		if len(r.Properties) > 0 {
			if err := json.Unmarshal(r.Properties, &p); err != nil {
				problem(id, "properties: %v", err)
				continue
			}
		}
		switch typ := r.Type; {
		case typ == "AWS::EC2::VPCEndpoint":
			// VpcEndpointType: Gateway when absent (CloudFormation's default).
			switch kind := stringOr(p["VpcEndpointType"], "Gateway"); kind {
			case "Gateway":
				c.GatewayEndpoints++
			case "Interface":
				c.InterfaceEndpoints++
				list, ok := p["SubnetIds"].([]any)
				if !ok {
					problem(id, "SubnetIds is not a list in the template: its subnets (billed per AZ) cannot be counted")
					continue
				}
				subnets[len(list)] = append(subnets[len(list)], id)
			default:
				problem(id, "VpcEndpointType %q: the model prices Interface and Gateway endpoints", kind)
			}
		case typ == "AWS::KMS::Key":
			c.KMSKeys++
		case typ == "AWS::EC2::FlowLog":
			if dest := stringOr(p["LogDestinationType"], "cloud-watch-logs"); dest != "cloud-watch-logs" {
				problem(id, "LogDestinationType %q: the model prices flow logs delivered to CloudWatch Logs", dest)
			}
			c.FlowLogs++
		case typ == "AWS::SSM::Parameter":
			if tier := stringOr(p["Tier"], "Standard"); tier != "Standard" {
				problem(id, "Tier %q: the model prices standard parameters (no charge); an advanced one is billed a month", tier)
			}
			c.SSMParameters++
		case typ == "AWS::CloudWatch::Dashboard":
			c.Dashboards++
		case typ == "AWS::CloudWatch::Alarm":
			n, err := alarmMetrics(p)
			if err != nil {
				problem(id, "%v", err)
			}
			c.AlarmMetrics += n
		case typ == "AWS::Logs::MetricFilter":
			ts, _ := p["MetricTransformations"].([]any)
			if len(ts) == 0 {
				problem(id, "no MetricTransformations: the metrics it publishes cannot be counted")
			}
			for _, m := range ts {
				mt, _ := m.(map[string]any)
				if mt["Dimensions"] != nil {
					problem(id, "a metric with dimensions is one metric per value: not countable from the template")
				}
				key, _ := json.Marshal([]any{mt["MetricNamespace"], mt["MetricName"]})
				metrics[string(key)] = true
			}
		case typ == "AWS::Scheduler::Schedule":
			c.Schedules++
			runs, err := runsPerMonth(stringOr(p["ScheduleExpression"], ""))
			if err != nil {
				problem(id, "%v", err)
			}
			c.JanitorRunsPerMonth += runs
			memory, err := scheduledFunction(t.Resources, p)
			if err != nil {
				problem(id, "%v", err)
			}
			if c.Schedules > 1 {
				problem(id, "a second schedule: the model knows one scheduled function, the janitor")
			}
			c.JanitorMemoryMB = memory
		case typ == "AWS::Lambda::Function":
			c.Functions++
		case typ == "AWS::CloudFormation::CustomResource" || strings.HasPrefix(typ, "Custom::"):
			c.CustomResources++
		case typ == "AWS::Logs::LogGroup":
			c.LogGroups++
		case typ == "AWS::S3::Bucket":
			c.Buckets++
		case typ == "AWS::SNS::Topic":
			c.Topics++
		case typ == "AWS::SQS::Queue":
			c.Queues++
		case typ == "AWS::SSM::Document":
			c.SSMDocuments++
		case freeTypes[typ] != "":
		default:
			problem(id, "a resource type the cost model does not know: give it a count and a price in cmd/costmodel, or list it as free with the reason")
		}
	}
	c.CustomMetrics = len(metrics)
	if len(subnets) > 1 {
		var parts []string
		for n, eps := range subnets {
			parts = append(parts, fmt.Sprintf("%d in %d subnets (%s)", len(eps), n, strings.Join(eps, ", ")))
		}
		slices.Sort(parts)
		errs = append(errs, fmt.Errorf("interface endpoints in different numbers of subnets: %s: the model bills every endpoint in the same AZs", strings.Join(parts, "; ")))
	}
	for n := range subnets {
		c.AZs = max(c.AZs, n)
	}
	return c, errors.Join(errs...)
}

// alarmMetrics returns how many alarm metrics an alarm is billed for: its
// metric, or each metric its math expression reads (MetricStat); an
// expression itself is not a metric. It fails on what has another price: a
// high-resolution period (under 60 s), a Metrics Insights query, an anomaly
// detection band.
func alarmMetrics(p map[string]any) (int, error) {
	highRes := func(period any) bool { f, ok := period.(float64); return ok && f < 60 }
	if p["ThresholdMetricId"] != nil {
		return 0, errors.New("an anomaly detection alarm: billed for its band's metrics too; the model prices standard alarms")
	}
	queries, _ := p["Metrics"].([]any)
	if len(queries) == 0 {
		if p["MetricName"] == nil {
			return 0, errors.New("neither MetricName nor Metrics: the metrics it watches cannot be counted")
		}
		if highRes(p["Period"]) {
			return 1, fmt.Errorf("Period %v: a high-resolution alarm; the model prices standard resolution", p["Period"])
		}
		return 1, nil
	}
	n := 0
	for _, q := range queries {
		m, _ := q.(map[string]any)
		if expr, ok := m["Expression"].(string); ok && strings.HasPrefix(strings.ToUpper(strings.TrimSpace(expr)), "SELECT") {
			return n, errors.New("a Metrics Insights query alarm: the model prices standard alarms")
		}
		stat, ok := m["MetricStat"].(map[string]any)
		if !ok {
			continue
		}
		n++
		if highRes(stat["Period"]) {
			return n, fmt.Errorf("Period %v: a high-resolution alarm; the model prices standard resolution", stat["Period"])
		}
	}
	return n, nil
}

var ratePattern = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// runsPerMonth returns how many times a month a rate expression runs.
func runsPerMonth(expr string) (float64, error) {
	m := ratePattern.FindStringSubmatch(expr)
	if m == nil {
		return 0, fmt.Errorf("ScheduleExpression %q: the model counts runs of a rate(N minutes|hours|days) schedule", expr)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n == 0 {
		return 0, fmt.Errorf("ScheduleExpression %q: a positive rate", expr)
	}
	hours := float64(n)
	switch strings.TrimSuffix(m[2], "s") {
	case "minute":
		hours /= 60
	case "day":
		hours *= 24
	}
	return HoursPerMonth / hours, nil
}

// scheduledFunction returns the memory of the function a schedule runs
// (Target.Arn: a Fn::GetAtt of a function in the template), and fails unless
// it runs on arm64, the architecture the model prices.
func scheduledFunction(resources map[string]resource, schedule map[string]any) (int, error) {
	target, _ := schedule["Target"].(map[string]any)
	arn, _ := target["Arn"].(map[string]any)
	getAtt, _ := arn["Fn::GetAtt"].([]any)
	if len(getAtt) != 2 || getAtt[1] != "Arn" {
		return 0, errors.New("Target.Arn is not a function of the template (Fn::GetAtt [id, Arn]): its memory cannot be read")
	}
	id, _ := getAtt[0].(string)
	fn, ok := resources[id]
	if !ok || fn.Type != "AWS::Lambda::Function" {
		return 0, fmt.Errorf("Target.Arn names %q, not a function of the template", id)
	}
	var p struct {
		MemorySize    *float64 `json:"MemorySize"`
		Architectures []string `json:"Architectures"`
	}
	if err := json.Unmarshal(fn.Properties, &p); err != nil {
		return 0, fmt.Errorf("the scheduled function %s: %v", id, err)
	}
	memory := 128 // Lambda's default
	if p.MemorySize != nil {
		memory = int(*p.MemorySize)
	}
	if !slices.Equal(p.Architectures, []string{"arm64"}) {
		arch := strings.Join(p.Architectures, ", ")
		if arch == "" {
			arch = "x86_64 (no Architectures: Lambda's default)"
		}
		return memory, fmt.Errorf("the scheduled function %s runs on %s: the model prices arm64", id, arch)
	}
	return memory, nil
}

// stringOr returns v when it is a string, or else def.
func stringOr(v any, def string) string {
	if s, ok := v.(string); ok {
		return s
	}
	return def
}
