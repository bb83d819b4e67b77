package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// HoursPerMonth is AWS's billing month (8760 / 12).
const HoursPerMonth = 730

// DaysPerMonth is 365 / 12.
const DaysPerMonth = 365.0 / 12

// DefaultInstanceType is the catalog's defaultInstanceType.
const DefaultInstanceType = "ml.t3.medium"

// JanitorRunsPerMonth: the janitor's schedule is rate(1 hour).
const JanitorRunsPerMonth = HoursPerMonth

// JanitorMemoryGB is the janitor function's memory (MemorySize 256).
const JanitorMemoryGB = 0.25

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
// analysts do, as counted in its synthesized template.
type Deployment struct {
	Name string
	// Context is the cdk context that gives this deployment.
	Context            string
	InterfaceEndpoints int
	AZs                int // subnets each interface endpoint is in
	GatewayEndpoints   int
	KMSKeys            int
	FlowLogs           bool
	SSMParameters      int
}

// The deployments, counted in SageMakerCatalog.template.json synthesized
// with `npx cdk synth --quiet` on 2026-12-01 (commit 816fa5b, cdk.json
// defaults plus the context shown).
var (
	// DefaultDeployment: 7 AWS::EC2::VPCEndpoint, 6 of them Interface
	// (sagemaker.api, sagemaker.runtime, notebook, sts, logs, kms), each in the
	// 2 notebook subnets, and 1 Gateway (s3); 3 AWS::KMS::Key (NotebookKey,
	// FlowLogKey, FunctionLogKey); 1 AWS::EC2::FlowLog (all traffic of the
	// VPC, to CloudWatch Logs); 3 AWS::SSM::Parameter (standard tier).
	DefaultDeployment = Deployment{Name: "Default: a new VPC with endpoints", Context: "(none)",
		InterfaceEndpoints: 6, AZs: 2, GatewayEndpoints: 1, KMSKeys: 3, FlowLogs: true, SSMParameters: 3}
	// ExistingVPC: no VPC, endpoint, flow log or FlowLogKey; 2 keys.
	ExistingVPC = Deployment{Name: "An existing VPC", Context: "`subnetIds`, `securityGroupIds`",
		KMSKeys: 2, SSMParameters: 3}
	// ExistingVPCAndKey: also no NotebookKey; 1 key (FunctionLogKey).
	ExistingVPCAndKey = Deployment{Name: "An existing VPC and key", Context: "`subnetIds`, `securityGroupIds`, `kmsKeyArn`",
		KMSKeys: 1, SSMParameters: 3}
)

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
}

// DefaultEstimates are the figures docs/cost.md uses.
var DefaultEstimates = Estimates{
	JanitorSecondsPerRun: 2, JanitorSecondsPerNotebook: 0.5,
	JanitorLogKBPerRun: 1.5, JanitorLogKBPerNotebook: 0.5,
	FlowLogMBPerRunningHour: 0.1, EndpointMBPerRunningHour: 5,
	SyncsPerRunningHour: 4, PutListPerSync: 3, AccessLogBytesPerRequest: 500,
	KMSRequestsPerAnalyst: 1000, CatalogCallsPerAnalyst: 20, CatalogCallsPerLaunch: 20,
	RetentionMonths: 12,
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

// Fixed is the platform's monthly cost with no analyst at all.
func Fixed(p Prices, d Deployment, e Estimates) []Line {
	runs := float64(JanitorRunsPerMonth)
	janitorGBs := runs * e.JanitorSecondsPerRun * JanitorMemoryGB
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
		Line{"Janitor: Lambda arm64, 256 MB", fmt.Sprintf("%.0f runs × %.1f s = %.0f GB-s; %.0f requests", runs, e.JanitorSecondsPerRun, janitorGBs, runs),
			p.Rate("lambdaArmGBSecond").Times(janitorGBs).Plus(p.Rate("lambdaRequests").Times(runs))},
		Line{"Janitor schedule: EventBridge Scheduler", fmt.Sprintf("%.0f invocations", runs), p.Rate("schedulerInvocations").Times(runs)},
		Line{"Janitor logs: CloudWatch Logs", fmt.Sprintf("%.2f MB a month, a year kept", janitorLogGB/mb), logs(p, "logsIngest", janitorLogGB, e)},
		Line{"SSM parameters (standard)", fmt.Sprintf("%d", d.SSMParameters), p.Rate("ssmStandardParameter").Times(float64(d.SSMParameters))},
		// Billed per request only: they cost nothing while idle.
		Line{"SNS topic, SQS dead-letter queue, S3 buckets", "per request and GB: see the analysts' usage", Amount{}},
	)
	return lines
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
	runs := JanitorRunsPerMonth * a.NotebookShare
	putList := a.RunningHours*e.SyncsPerRunningHour*e.PutListPerSync + runs // the janitor lists the status prefix
	gets := runs                                                            // and reads the status object
	accessLogGB := (putList + gets) * e.AccessLogBytesPerRequest / 1e9
	endpointGB := a.RunningHours * e.EndpointMBPerRunningHour * mb
	janitorGBs := runs * e.JanitorSecondsPerNotebook * JanitorMemoryGB
	janitorLogGB := runs * e.JanitorLogKBPerNotebook * kb
	calls := e.CatalogCallsPerAnalyst + a.Launches*e.CatalogCallsPerLaunch
	var lines []Line
	if d.FlowLogs {
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
