package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// HoursPerMonth is AWS's billing month (8760 / 12).
const HoursPerMonth = 730

// DaysPerMonth is 365 / 12.
const DaysPerMonth = 365.0 / 12

// DefaultInstanceType is the catalog's defaultInstanceType.
const DefaultInstanceType = "ml.t3.medium"

// JanitorRunsPerMonth: the janitor's schedule is rate(1 hour) (checked in
// the template: Counts.JanitorRunsPerMonth).
const JanitorRunsPerMonth = HoursPerMonth

// JanitorMemoryMB is the janitor function's memory (MemorySize, checked in
// the template: Counts.JanitorMemoryMB).
const JanitorMemoryMB = 256

// janitorDelayHours: the janitor runs hourly, so a notebook is terminated up
// to an hour after its lease ends (its owner was warned leaseNoticeHours
// before the end, see janitor.Decide).
const janitorDelayHours = 1

// Usage is an analyst's month with a notebook.
type Usage struct {
	HoursPerDay        float64 // working hours on the notebook
	WorkingDays        float64 // per month
	IdleTimeoutHours   float64 // the notebook runs this long after the last use
	VolumeGB           float64
	WorkspaceGB        float64 // saved in S3, old versions included
	LeaseDays          float64
	ForgottenAfterDays float64 // (d): used this many calendar days, then forgotten
}

// DefaultUsage is the daily analyst: 3 hours on each working day.
var DefaultUsage = Usage{HoursPerDay: 3, WorkingDays: 52.0 * 5 / 12, IdleTimeoutHours: 1, VolumeGB: 50, WorkspaceGB: 5, LeaseDays: 7, ForgottenAfterDays: 14}

// RunningHours is how long the notebook runs in a month when it stops when
// idle.
func (u Usage) RunningHours() float64 { return u.WorkingDays * (u.HoursPerDay + u.IdleTimeoutHours) }

// Row is one instance type's monthly notebook costs for one analyst.
type Row struct {
	InstanceType                       string
	AlwaysOn, StoppedIdle, ThisProject Amount
	// ForgottenStopped and ForgottenThisProject: used for ForgottenAfterDays, then forgotten.
	ForgottenStopped, ForgottenThisProject Amount
}

// Compute returns one row per instance type, sorted by name.
func Compute(p Prices, u Usage) []Row {
	running := u.RunningHours()
	volume := p.Rate("mlStorage").Times(u.VolumeGB) // a full month of the volume
	workspace := p.Rate("s3Standard").Times(u.WorkspaceGB)
	usedShare := u.ForgottenAfterDays / DaysPerMonth
	// Terminated at the first janitor run after the lease, which counts from
	// the last use.
	livedShare := min(1, (u.ForgottenAfterDays+u.LeaseDays+janitorDelayHours/24.0)/DaysPerMonth)
	var rows []Row
	for _, t := range p.InstanceTypes() {
		h := p.Rate(notebookPrefix + t)
		rows = append(rows, Row{
			InstanceType: t,
			AlwaysOn:     h.Times(HoursPerMonth).Plus(volume),
			StoppedIdle:  h.Times(running).Plus(volume),
			// A daily user never reaches a 7-day lease: the notebook lives all
			// month, as in (b), and the workspace is in S3 as well.
			ThisProject:          Sum(h.Times(running), volume, workspace),
			ForgottenStopped:     h.Times(running * usedShare).Plus(volume),
			ForgottenThisProject: Sum(h.Times(running*usedShare), volume.Times(livedShare), workspace),
		})
	}
	return rows
}

// Deployment is what the catalog stack deploys that costs money whatever the
// analysts do, or per use, as counted in its synthesized template. The
// counts are written here and checked against the template by
// `go run ./cmd/costmodel -check <template.json> -deployment <Key>` (CI runs
// it on each deployment below).
type Deployment struct {
	// Key names the deployment for -deployment.
	Key  string
	Name string
	// Context is the cdk context that gives this deployment.
	Context string
	Counts
}

// The deployments, counted in SageMakerCatalog.template.json synthesized
// with `npx cdk synth --quiet` (cdk.json defaults plus the context shown) on
// 2026-12-01, commit 5497eac.
var (
	// DefaultDeployment: 7 AWS::EC2::VPCEndpoint, 6 of them Interface
	// (sagemaker.api, sagemaker.runtime, notebook, sts, logs, kms), each in
	// the 2 notebook subnets, and 1 Gateway (s3); 4 AWS::KMS::Key (notebooks
	// and workspaces, flow logs, function logs, the operator alarms' topic);
	// 1 AWS::EC2::FlowLog (all traffic of the VPC, to CloudWatch Logs); 3
	// standard AWS::SSM::Parameter; the operator dashboard with 2 alarms
	// watching 3 metrics (janitor errors: its logged errors and Lambda's
	// Errors, in one math expression; dead letters) and 7 metric filters,
	// each publishing one metric; the janitor's hourly schedule (256 MB,
	// arm64); 4 functions (janitor, workspace, and the handlers of the 2
	// custom resources: the VPC default security group's restriction and the
	// S3 prefix-list lookup); 4 log groups (flow logs, the prefix-list
	// lookup's, the janitor's, the workspace function's); 2 buckets
	// (workspaces, access logs); 2 topics (lease notices, operator alarms);
	// the janitor's dead-letter queue; 2 SSM Automation documents.
	DefaultDeployment = Deployment{Key: "default", Name: "Default: a new VPC with endpoints", Context: "(none)",
		Counts: Counts{
			InterfaceEndpoints: 6, AZs: 2, GatewayEndpoints: 1, KMSKeys: 4, FlowLogs: 1, SSMParameters: 3,
			Dashboards: 1, AlarmMetrics: 3, CustomMetrics: 7,
			Schedules: 1, JanitorRunsPerMonth: JanitorRunsPerMonth, JanitorMemoryMB: JanitorMemoryMB,
			Functions: 4, CustomResources: 2, LogGroups: 4, Buckets: 2, Topics: 2, Queues: 1, SSMDocuments: 2,
		}}
	// ExistingVPC: no VPC, endpoint, flow log, flow-log key, flow-log group,
	// and no custom resource (nor their functions and the lookup's log
	// group); 3 keys.
	ExistingVPC = Deployment{Key: "existing-vpc", Name: "An existing VPC", Context: "`subnetIds`, `securityGroupIds`",
		Counts: Counts{
			KMSKeys: 3, SSMParameters: 3,
			Dashboards: 1, AlarmMetrics: 3, CustomMetrics: 7,
			Schedules: 1, JanitorRunsPerMonth: JanitorRunsPerMonth, JanitorMemoryMB: JanitorMemoryMB,
			Functions: 2, LogGroups: 2, Buckets: 2, Topics: 2, Queues: 1, SSMDocuments: 2,
		}}
	// ExistingVPCAndKey: also no notebook key; 2 keys (function logs,
	// operator alarms).
	ExistingVPCAndKey = Deployment{Key: "existing-vpc-and-key", Name: "An existing VPC and key", Context: "`subnetIds`, `securityGroupIds`, `kmsKeyArn`",
		Counts: Counts{
			KMSKeys: 2, SSMParameters: 3,
			Dashboards: 1, AlarmMetrics: 3, CustomMetrics: 7,
			Schedules: 1, JanitorRunsPerMonth: JanitorRunsPerMonth, JanitorMemoryMB: JanitorMemoryMB,
			Functions: 2, LogGroups: 2, Buckets: 2, Topics: 2, Queues: 1, SSMDocuments: 2,
		}}
	// Deployments are the deployments the model knows, for -deployment.
	Deployments = []Deployment{DefaultDeployment, ExistingVPC, ExistingVPCAndKey}
)

// DashboardKeys is the operator dashboard's own key (its alarm topic's,
// dashboard.alarmTopic), one of each deployment's KMSKeys.
const DashboardKeys = 1

// DeploymentFor returns the deployment of key, or an error naming the keys.
func DeploymentFor(key string) (Deployment, error) {
	var keys []string
	for _, d := range Deployments {
		if d.Key == key {
			return d, nil
		}
		keys = append(keys, d.Key)
	}
	return Deployment{}, fmt.Errorf("-deployment %q: one of %s", key, strings.Join(keys, ", "))
}

// Estimates are the usage figures the model assumes where the template says
// nothing: none of them was measured.
type Estimates struct {
	JanitorSecondsPerRun      float64 // billed duration of a run, whatever the notebooks
	JanitorSecondsPerNotebook float64 // added per notebook (ListTags, the sync status in S3)
	JanitorLogKBPerRun        float64 // START, END and REPORT lines, as JSON
	JanitorLogKBPerNotebook   float64 // one decision line per notebook and run
	FlowLogMBPerRunningHour   float64 // flow log records while a notebook runs
	EndpointMBPerRunningHour  float64 // through the interface endpoints (STS, SageMaker API, logs)
	SyncsPerRunningHour       float64 // the workspace is saved every 15 minutes
	PutListPerSync            float64 // one LIST page, one changed file, the status object
	AccessLogBytesPerRequest  float64 // one S3 server access log record
	KMSRequestsPerAnalyst     float64 // a month: volume attach, S3 and SNS data keys
	CatalogCallsPerAnalyst    float64 // a month: browsing the console
	CatalogCallsPerLaunch     float64 // launch, describe, terminate
	RetentionMonths           float64 // logs and access logs are kept 365 days: a year's worth is stored
	// CustomMetricHourShare is the share of the month's hours in which each
	// metric filter's metric gets a data point: custom metrics are billed
	// by the hour, only for hours with data, and the filters publish only
	// when a line matches.
	CustomMetricHourShare float64
}

// DefaultEstimates are the figures docs/cost.md uses.
var DefaultEstimates = Estimates{
	JanitorSecondsPerRun: 2, JanitorSecondsPerNotebook: 0.5,
	JanitorLogKBPerRun: 1.5, JanitorLogKBPerNotebook: 0.5,
	FlowLogMBPerRunningHour: 0.1, EndpointMBPerRunningHour: 5,
	SyncsPerRunningHour: 4, PutListPerSync: 3, AccessLogBytesPerRequest: 500,
	KMSRequestsPerAnalyst: 1000, CatalogCallsPerAnalyst: 20, CatalogCallsPerLaunch: 20,
	RetentionMonths: 12,
	// An upper bound: every metric every hour.
	CustomMetricHourShare: 1,
}

// Line is one item of a bill.
type Line struct {
	Item     string
	Quantity string
	Monthly  Amount
}

// Total adds the lines.
func Total(lines []Line) Amount {
	var t Amount
	for _, l := range lines {
		t = t.Plus(l.Monthly)
	}
	return t
}

const (
	kb = 1.0 / (1024 * 1024) // GB
	mb = 1.0 / 1024          // GB
)

// logs is the ingestion and a year of storage of gb a month at the ingest rate.
func logs(p Prices, ingestKey string, gb float64, e Estimates) Amount {
	return p.Rate(ingestKey).Times(gb).Plus(p.Rate("logsStorage").Times(gb * e.RetentionMonths))
}

// Fixed is the platform's monthly cost with no analyst at all (the custom
// metrics: at most, see Estimates.CustomMetricHourShare).
func Fixed(p Prices, d Deployment, e Estimates) []Line {
	runs := d.JanitorRunsPerMonth
	memoryGB := float64(d.JanitorMemoryMB) / 1024
	janitorGBs := runs * e.JanitorSecondsPerRun * memoryGB
	janitorLogGB := runs * e.JanitorLogKBPerRun * kb
	lines := []Line{}
	if d.InterfaceEndpoints > 0 {
		lines = append(lines, Line{"Interface VPC endpoints",
			fmt.Sprintf("%d endpoints × %d AZs × %d h", d.InterfaceEndpoints, d.AZs, HoursPerMonth),
			p.Rate("interfaceEndpointHour").Times(float64(d.InterfaceEndpoints * d.AZs * HoursPerMonth))})
	}
	if d.GatewayEndpoints > 0 {
		lines = append(lines, Line{"S3 gateway endpoint", fmt.Sprintf("%d", d.GatewayEndpoints),
			p.Rate("gatewayEndpoint").Times(float64(d.GatewayEndpoints))})
	}
	lines = append(lines,
		Line{"KMS keys (first year)", fmt.Sprintf("%d keys", d.KMSKeys), p.Rate("kmsKey").Times(float64(d.KMSKeys))},
		Line{"Operator dashboard: CloudWatch dashboard", fmt.Sprintf("%d", d.Dashboards), p.Rate("cloudwatchDashboard").Times(float64(d.Dashboards))},
		Line{"Operator alarms: CloudWatch alarm metrics", fmt.Sprintf("%d, standard resolution", d.AlarmMetrics), p.Rate("cloudwatchAlarmMetric").Times(float64(d.AlarmMetrics))},
		Line{"Metric filters: CloudWatch custom metrics, at most", fmt.Sprintf("%d metrics × %.0f%% of the hours", d.CustomMetrics, 100*e.CustomMetricHourShare),
			p.Rate("cloudwatchCustomMetric").Times(float64(d.CustomMetrics) * e.CustomMetricHourShare)},
		Line{fmt.Sprintf("Janitor: Lambda arm64, %d MB", d.JanitorMemoryMB), fmt.Sprintf("%.0f runs × %.1f s = %.0f GB-s; %.0f requests", runs, e.JanitorSecondsPerRun, janitorGBs, runs),
			p.Rate("lambdaArmGBSecond").Times(janitorGBs).Plus(p.Rate("lambdaRequests").Times(runs))},
		Line{"Janitor schedule: EventBridge Scheduler", fmt.Sprintf("%.0f invocations", runs), p.Rate("schedulerInvocations").Times(runs)},
		Line{"Janitor logs: CloudWatch Logs", fmt.Sprintf("%.2f MB a month, a year kept", janitorLogGB/mb), logs(p, "logsIngest", janitorLogGB, e)},
		Line{"SSM parameters (standard)", fmt.Sprintf("%d", d.SSMParameters), p.Rate("ssmStandardParameter").Times(float64(d.SSMParameters))},
		// Billed per request, GB or invocation only: they cost nothing while idle.
		Line{"Other functions and custom resources, log groups, buckets, topics, queue, SSM documents",
			fmt.Sprintf("%d functions (%d custom resources, run at deploy), %d log groups, %d buckets, %d topics, %d queue, %d documents: per use, see the analysts' usage",
				d.Functions-d.Schedules, d.CustomResources, d.LogGroups, d.Buckets, d.Topics, d.Queues, d.SSMDocuments),
			Amount{}},
	)
	return lines
}

// Monitoring is the operator dashboard's part of Fixed: the dashboard, the
// metrics its alarms read, the metric filters' custom metrics (at most) and
// the alarm topic's key.
func Monitoring(p Prices, d Deployment, e Estimates) Amount {
	return Sum(
		p.Rate("cloudwatchDashboard").Times(float64(d.Dashboards)),
		p.Rate("cloudwatchAlarmMetric").Times(float64(d.AlarmMetrics)),
		p.Rate("cloudwatchCustomMetric").Times(float64(d.CustomMetrics)*e.CustomMetricHourShare),
		p.Rate("kmsKey").Times(DashboardKeys),
	)
}

// CloudWatchFreeTier is what CloudWatch's free tier (dashboards, alarm
// metrics, custom metrics) would take off Fixed in an account where nothing
// else uses it. The model does not subtract it.
func CloudWatchFreeTier(p Prices, d Deployment, e Estimates) Amount {
	free := func(key string, units float64) Amount {
		return p.Rate(key).Times(min(units, p.FreeUnits(key)))
	}
	return Sum(
		free("cloudwatchDashboard", float64(d.Dashboards)),
		free("cloudwatchAlarmMetric", float64(d.AlarmMetrics)),
		free("cloudwatchCustomMetric", float64(d.CustomMetrics)*e.CustomMetricHourShare),
	)
}

// Activity is what one analyst's notebook does to the platform in a month.
type Activity struct {
	RunningHours  float64
	NotebookShare float64 // of the month a notebook exists (the janitor looks at it)
	Launches      float64
	Notices       float64 // lease notices by e-mail
}

// DailyActivity is the daily analyst's: the notebook lives all month.
func DailyActivity(u Usage) Activity {
	return Activity{RunningHours: u.RunningHours(), NotebookShare: 1}
}

// AnalystUsage is the platform cost one analyst's activity adds.
func AnalystUsage(p Prices, d Deployment, e Estimates, a Activity) []Line {
	runs := d.JanitorRunsPerMonth * a.NotebookShare
	putList := a.RunningHours*e.SyncsPerRunningHour*e.PutListPerSync + runs // the janitor lists the status prefix
	gets := runs                                                            // and reads the status object
	accessLogGB := (putList + gets) * e.AccessLogBytesPerRequest / 1e9
	endpointGB := a.RunningHours * e.EndpointMBPerRunningHour * mb
	janitorGBs := runs * e.JanitorSecondsPerNotebook * float64(d.JanitorMemoryMB) / 1024
	janitorLogGB := runs * e.JanitorLogKBPerNotebook * kb
	calls := e.CatalogCallsPerAnalyst + a.Launches*e.CatalogCallsPerLaunch
	var lines []Line
	if d.FlowLogs > 0 {
		flowGB := a.RunningHours * e.FlowLogMBPerRunningHour * mb
		lines = append(lines, Line{"VPC flow logs", fmt.Sprintf("%.1f MB a month, a year kept", flowGB/mb), logs(p, "logsVendedIngest", flowGB, e)})
	}
	lines = append(lines,
		Line{"Interface endpoint data", fmt.Sprintf("%.2f GB", endpointGB), p.Rate("interfaceEndpointData").Times(endpointGB)},
		Line{"Janitor: time and log lines for the notebook", fmt.Sprintf("%.0f GB-s, %.2f MB", janitorGBs, janitorLogGB/mb),
			p.Rate("lambdaArmGBSecond").Times(janitorGBs).Plus(logs(p, "logsIngest", janitorLogGB, e))},
		Line{"S3 requests: saves, janitor reads", fmt.Sprintf("%s PUT/LIST, %s GET", groupThousands(putList), groupThousands(gets)),
			p.Rate("s3PutList").Times(putList).Plus(p.Rate("s3Get").Times(gets))},
		Line{"S3 access logs, a year kept", fmt.Sprintf("%.1f MB a month", accessLogGB*1e3), p.Rate("s3Standard").Times(accessLogGB * e.RetentionMonths)},
		Line{"KMS requests", groupThousands(e.KMSRequestsPerAnalyst), p.Rate("kmsRequests").Times(e.KMSRequestsPerAnalyst)},
		Line{"Service Catalog API calls", fmt.Sprintf("%.0f", calls), p.Rate("serviceCatalogCall").Times(calls)},
	)
	if a.Notices > 0 {
		lines = append(lines, Line{"Lease notices: SNS to e-mail", fmt.Sprintf("%.0f", a.Notices),
			p.Rate("snsPublish").Plus(p.Rate("snsEmail")).Times(a.Notices)})
	}
	return lines
}

// Burst is an analyst who uses a notebook a few days a month.
type Burst struct {
	Name         string
	UseDays      []float64 // the day of the month each session starts, from 0
	SessionHours float64
	VolumeGB     float64
	WorkspaceGB  float64
}

// The burst analyst: 3 hours on 4 days a month, 50 GB volume, either on 4
// working days in a row or once a week.
var (
	BurstInARow  = Burst{Name: "4 days in a row", UseDays: []float64{0, 1, 2, 3}, SessionHours: 3, VolumeGB: 50, WorkspaceGB: 5}
	BurstWeekly  = Burst{Name: "once a week", UseDays: []float64{0, 7, 14, 21}, SessionHours: 3, VolumeGB: 50, WorkspaceGB: 5}
	BurstAnalyst = []Burst{BurstInARow, BurstWeekly}
)

// BurstRow is one instance type's month for a burst analyst.
type BurstRow struct {
	InstanceType string
	// StopWhenIdle: one notebook kept all month, stopped when idle; its
	// volume holds the work and is billed all month.
	StopWhenIdle Amount
	// LeaseAndTerminate: the notebook is terminated after its lease and
	// launched again for the next session; the volume is billed while it
	// exists, the workspace in S3 all month.
	LeaseAndTerminate Amount
	LivedDays         float64
	Launches          float64
}

// Saving is what lease-and-terminate saves against stop-when-idle.
func (r BurstRow) Saving() Amount { return r.StopWhenIdle.Minus(r.LeaseAndTerminate) }

// RunningHours is how long the notebook runs in a month.
func (b Burst) RunningHours(u Usage) float64 {
	return float64(len(b.UseDays)) * (b.SessionHours + u.IdleTimeoutHours)
}

// Lifetime returns how many days of a month a notebook exists under the
// lease, and how many times a month it is launched, in a steady state where
// every month repeats the pattern: each session keeps the notebook until the
// session ends, the idle timeout stops it, the lease runs out and the janitor
// next runs.
func (b Burst) Lifetime(u Usage) (days, launches float64) {
	keep := (b.SessionHours+u.IdleTimeoutHours+janitorDelayHours)/24 + u.LeaseDays
	if keep >= DaysPerMonth {
		return DaysPerMonth, 0
	}
	type span struct{ from, to float64 }
	var spans []span
	for _, d := range b.UseDays {
		from := math.Mod(d, DaysPerMonth)
		to := from + keep
		if to <= DaysPerMonth {
			spans = append(spans, span{from, to})
		} else { // wraps into the next month, which repeats this one
			spans = append(spans, span{from, DaysPerMonth}, span{0, to - DaysPerMonth})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	var merged []span
	for _, s := range spans {
		if n := len(merged); n > 0 && s.from <= merged[n-1].to {
			merged[n-1].to = max(merged[n-1].to, s.to)
			continue
		}
		merged = append(merged, s)
	}
	for _, s := range merged {
		days += s.to - s.from
	}
	if days >= DaysPerMonth-1e-9 {
		return DaysPerMonth, 0
	}
	launches = float64(len(merged))
	if len(merged) > 1 && merged[0].from == 0 && merged[len(merged)-1].to == DaysPerMonth {
		launches-- // one lifetime across the month's end
	}
	return days, launches
}

// Activity is what the burst analyst's notebook does to the platform under
// the lease.
func (b Burst) Activity(u Usage) Activity {
	days, launches := b.Lifetime(u)
	return Activity{RunningHours: b.RunningHours(u), NotebookShare: days / DaysPerMonth, Launches: launches, Notices: launches}
}

// ComputeBurst returns one row per instance type, sorted by name.
func ComputeBurst(p Prices, u Usage, b Burst) []BurstRow {
	running := b.RunningHours(u)
	days, launches := b.Lifetime(u)
	volume := p.Rate("mlStorage").Times(b.VolumeGB)
	workspace := p.Rate("s3Standard").Times(b.WorkspaceGB)
	var rows []BurstRow
	for _, t := range p.InstanceTypes() {
		compute := p.Rate(notebookPrefix + t).Times(running)
		rows = append(rows, BurstRow{
			InstanceType:      t,
			StopWhenIdle:      compute.Plus(volume),
			LeaseAndTerminate: Sum(compute, volume.Times(days/DaysPerMonth), workspace),
			LivedDays:         days,
			Launches:          launches,
		})
	}
	return rows
}

// Team is the monthly bill of n analysts alike.
type Team struct {
	Analysts  int
	Notebooks Amount // the analysts' notebooks and workspaces
	Usage     Amount // what their activity adds to the platform
	Fixed     Amount // the platform with no analyst
}

// Total is the whole bill.
func (t Team) Total() Amount { return Sum(t.Notebooks, t.Usage, t.Fixed) }

// PerAnalyst is the whole bill divided by the analysts.
func (t Team) PerAnalyst() Amount { return t.Total().Times(1 / float64(t.Analysts)) }

// NewTeam is the bill of n analysts whose notebooks cost notebook each and
// whose activity is a, on deployment d.
func NewTeam(p Prices, d Deployment, e Estimates, n int, notebook Amount, a Activity) Team {
	return Team{
		Analysts:  n,
		Notebooks: notebook.Times(float64(n)),
		Usage:     Total(AnalystUsage(p, d, e, a)).Times(float64(n)),
		Fixed:     Total(Fixed(p, d, e)),
	}
}
