package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPrices are round numbers, all confirmed except the ones named.
func testPrices(unconfirmed ...string) Prices {
	values := map[string]float64{
		"notebook.ml.t3.medium": 0.05, "notebook.ml.m5.xlarge": 0.2,
		"mlStorage": 0.1, "s3Standard": 0.02, "s3PutList": 0.005, "s3Get": 0.0004,
		"interfaceEndpointHour": 0.01, "interfaceEndpointData": 0.01, "gatewayEndpoint": 0,
		"kmsKey": 1, "kmsRequests": 0.03,
		"cloudwatchDashboard": 3, "cloudwatchAlarmMetric": 0.1, "cloudwatchCustomMetric": 0.3,
		"logsIngest": 0.5, "logsVendedIngest": 0.25, "logsStorage": 0.03,
		"lambdaArmGBSecond": 0.00001, "lambdaRequests": 0.2, "schedulerInvocations": 1,
		"snsPublish": 0.5, "snsEmail": 2, "sqsRequests": 0.4,
		"ssmStandardParameter": 0, "serviceCatalogCall": 0.001,
	}
	per := map[string]float64{"s3PutList": 1000, "s3Get": 1000, "kmsRequests": 10000, "lambdaRequests": 1e6,
		"schedulerInvocations": 1e6, "snsPublish": 1e6, "snsEmail": 1e5, "sqsRequests": 1e6}
	free := map[string]float64{"cloudwatchDashboard": 3, "cloudwatchAlarmMetric": 10, "cloudwatchCustomMetric": 10}
	p := Prices{Region: "test-region", Currency: "USD"}
	for k, v := range values {
		pr := Price{Key: k, What: k, Value: v, Per: 1, Unit: "unit", Status: statusConfirmed,
			Source: "https://aws.amazon.com/" + k, LookedUp: "2026-12-01"}
		if n, ok := per[k]; ok {
			pr.Per = n
		}
		pr.Free = free[k]
		for _, u := range unconfirmed {
			if u == k {
				pr.Status, pr.Note = statusUnconfirmed, "not found"
			}
		}
		p.List = append(p.List, pr)
	}
	return p
}

func TestComputeByHand(t *testing.T) {
	p := testPrices()
	u := Usage{HoursPerDay: 3, WorkingDays: 20, IdleTimeoutHours: 1, VolumeGB: 50, WorkspaceGB: 10, LeaseDays: 7, ForgottenAfterDays: DaysPerMonth / 2}
	rows := Compute(p, u)
	require.Len(t, rows, 2)
	r := rows[1]
	require.Equal(t, "ml.t3.medium", r.InstanceType)
	assert.InDelta(t, 730*0.05+50*0.1, r.AlwaysOn.USD, 1e-9)
	assert.InDelta(t, 20*4*0.05+50*0.1, r.StoppedIdle.USD, 1e-9)
	assert.InDelta(t, 20*4*0.05+50*0.1+10*0.02, r.ThisProject.USD, 1e-9)
	assert.InDelta(t, 20*4*0.05/2+50*0.1, r.ForgottenStopped.USD, 1e-9)
	lived := (DaysPerMonth/2 + 7 + 1.0/24) / DaysPerMonth
	assert.InDelta(t, 20*4*0.05/2+50*0.1*lived+10*0.02, r.ForgottenThisProject.USD, 1e-9)
	// A lease longer than the rest of the month costs a full month of volume.
	u.LeaseDays = 40
	assert.InDelta(t, 20*4*0.05/2+50*0.1+10*0.02, Compute(p, u)[1].ForgottenThisProject.USD, 1e-9)
}

func TestFixedByHand(t *testing.T) {
	p := testPrices()
	e := DefaultEstimates
	e.JanitorSecondsPerRun, e.JanitorLogKBPerRun, e.RetentionMonths = 4, 1024, 12 // 1 MB a run
	e.CustomMetricHourShare = 0.5
	lines := Fixed(p, DefaultDeployment, e)
	byItem := map[string]float64{}
	for _, l := range lines {
		byItem[l.Item] = l.Monthly.USD
	}
	assert.InDelta(t, 6*2*730*0.01, byItem["Interface VPC endpoints"], 1e-9)
	assert.InDelta(t, 4*1.0, byItem["KMS keys (first year)"], 1e-9)
	assert.InDelta(t, 3.0, byItem["Operator dashboard: CloudWatch dashboard"], 1e-9)
	assert.InDelta(t, 3*0.1, byItem["Operator alarms: CloudWatch alarm metrics"], 1e-9)
	assert.InDelta(t, 7*0.5*0.3, byItem["Metric filters: CloudWatch custom metrics, at most"], 1e-9)
	assert.InDelta(t, 730*4*0.25*0.00001+730*0.2/1e6, byItem["Janitor: Lambda arm64, 256 MB"], 1e-12)
	assert.InDelta(t, 730*1/1e6, byItem["Janitor schedule: EventBridge Scheduler"], 1e-12)
	logGB := 730.0 / 1024 // 1 MB a run
	assert.InDelta(t, logGB*0.5+logGB*12*0.03, byItem["Janitor logs: CloudWatch Logs"], 1e-9)
	monitoring := 3 + 0.3 + 7*0.5*0.3
	total := 87.6 + 4 + monitoring + 730*4*0.25*0.00001 + 730*0.2/1e6 + 730/1e6 + logGB*0.5 + logGB*12*0.03
	assert.InDelta(t, total, Total(lines).USD, 1e-9)

	// An existing VPC: no endpoints, one key fewer; the rest is the same.
	existing := Total(Fixed(p, ExistingVPC, e)).USD
	assert.InDelta(t, total-87.6-1, existing, 1e-9)
	assert.InDelta(t, total-87.6-2, Total(Fixed(p, ExistingVPCAndKey, e)).USD, 1e-9)

	// The dashboard's part, with its key; and what CloudWatch's free tier
	// would take off: all of it but the key, while the counts are within it.
	assert.InDelta(t, monitoring+1, Monitoring(p, DefaultDeployment, e).USD, 1e-9)
	assert.InDelta(t, monitoring, CloudWatchFreeTier(p, DefaultDeployment, e).USD, 1e-9)
	many := DefaultDeployment
	many.Dashboards, many.AlarmMetrics, many.CustomMetrics = 5, 12, 30 // 15 metrics billed: 30 at half the hours
	assert.InDelta(t, 3*3+10*0.1+10*0.3, CloudWatchFreeTier(p, many, e).USD, 1e-9)
}

func TestAnalystUsageByHand(t *testing.T) {
	p := testPrices()
	e := DefaultEstimates
	a := Activity{RunningHours: 100, NotebookShare: 0.5, Launches: 2, Notices: 2}
	byItem := func(d Deployment) map[string]float64 {
		m := map[string]float64{}
		for _, l := range AnalystUsage(p, d, e, a) {
			m[l.Item] = l.Monthly.USD
		}
		return m
	}
	got := byItem(DefaultDeployment)
	flowGB := 100 * 0.1 / 1024
	assert.InDelta(t, flowGB*0.25+flowGB*12*0.03, got["VPC flow logs"], 1e-12)
	assert.InDelta(t, 100*5.0/1024*0.01, got["Interface endpoint data"], 1e-12)
	putList, gets := 100*4*3+365.0, 365.0
	assert.InDelta(t, putList*0.005/1000+gets*0.0004/1000, got["S3 requests: saves, janitor reads"], 1e-12)
	assert.InDelta(t, (putList+gets)*500/1e9*12*0.02, got["S3 access logs, a year kept"], 1e-12)
	assert.InDelta(t, (20+2*20)*0.001, got["Service Catalog API calls"], 1e-12)
	assert.InDelta(t, 2*(0.5/1e6+2/1e5), got["Lease notices: SNS to e-mail"], 1e-12)
	// In an existing VPC the flow logs are not this stack's.
	_, ok := byItem(ExistingVPC)["VPC flow logs"]
	assert.False(t, ok)
}

func TestBurstLifetime(t *testing.T) {
	u := Usage{IdleTimeoutHours: 1, LeaseDays: 7}
	keep := (3.0+1+1)/24 + 7 // session, idle timeout, janitor delay, lease
	for _, c := range []struct {
		name            string
		days            []float64
		lived, launches float64
		wholeMonth      bool
		leaseDays       float64
	}{
		{name: "in a row", days: []float64{0, 1, 2, 3}, lived: 3 + keep, launches: 1},
		{name: "weekly: one lifetime from the first to the last session", days: []float64{0, 7, 14, 21}, lived: 21 + keep, launches: 1},
		{name: "two bursts, two launches", days: []float64{0, 15}, lived: 2 * keep, launches: 2},
		{name: "across the month's end: one launch", days: []float64{28}, lived: keep, launches: 1},
		// [25, end of month) runs on into the next month's [0, 1.8), which the
		// session on day 0 keeps until 7.2: one notebook from day 25 to day 7.2.
		{name: "a lifetime across the month's end joins the next month's first", days: []float64{0, 25}, lived: keep + DaysPerMonth - 25, launches: 1},
		{name: "every week day: never terminated", days: []float64{0, 3, 6, 9, 12, 15, 18, 21, 24, 27}, wholeMonth: true},
		{name: "lease longer than a month", days: []float64{0}, wholeMonth: true, leaseDays: 40},
	} {
		t.Run(c.name, func(t *testing.T) {
			uu := u
			if c.leaseDays > 0 {
				uu.LeaseDays = c.leaseDays
			}
			days, launches := Burst{UseDays: c.days, SessionHours: 3}.Lifetime(uu)
			if c.wholeMonth {
				assert.InDelta(t, DaysPerMonth, days, 1e-9)
				assert.Zero(t, launches)
				return
			}
			assert.InDelta(t, c.lived, days, 1e-9)
			assert.Equal(t, c.launches, launches)
		})
	}
}

func TestBurstByHand(t *testing.T) {
	p := testPrices()
	u := Usage{IdleTimeoutHours: 1, LeaseDays: 7}
	rows := ComputeBurst(p, u, BurstInARow)
	r := burstRowFor(rows, "ml.t3.medium")
	lived := 3 + (3.0+1+1)/24 + 7
	assert.InDelta(t, 4*4*0.05+50*0.1, r.StopWhenIdle.USD, 1e-9)
	assert.InDelta(t, 4*4*0.05+50*0.1*lived/DaysPerMonth+5*0.02, r.LeaseAndTerminate.USD, 1e-9)
	assert.InDelta(t, 50*0.1*(1-lived/DaysPerMonth)-5*0.02, r.Saving().USD, 1e-9)
	a := BurstInARow.Activity(u)
	assert.InDelta(t, lived/DaysPerMonth, a.NotebookShare, 1e-12)
	assert.Equal(t, Activity{RunningHours: 16, NotebookShare: a.NotebookShare, Launches: 1, Notices: 1}, a)
}

func TestTeamByHand(t *testing.T) {
	p := testPrices()
	e := DefaultEstimates
	a := DailyActivity(DefaultUsage)
	notebook := Amount{USD: 12}
	team := NewTeam(p, DefaultDeployment, e, 10, notebook, a)
	usage := Total(AnalystUsage(p, DefaultDeployment, e, a)).USD
	fixed := Total(Fixed(p, DefaultDeployment, e)).USD
	assert.InDelta(t, 120+10*usage+fixed, team.Total().USD, 1e-9)
	assert.InDelta(t, (120+10*usage+fixed)/10, team.PerAnalyst().USD, 1e-9)
}

func TestUnconfirmedPricesAreMarked(t *testing.T) {
	all := testPrices()
	assert.Equal(t, "$87.60", money(Fixed(all, DefaultDeployment, DefaultEstimates)[0].Monthly))
	some := testPrices("interfaceEndpointHour")
	fixed := Fixed(some, DefaultDeployment, DefaultEstimates)
	assert.Equal(t, "$87.60†", money(fixed[0].Monthly))
	assert.Equal(t, "$4.00", money(fixed[2].Monthly), "the keys' price is confirmed")
	assert.True(t, Total(fixed).Unconfirmed, "a total with an unconfirmed line is unconfirmed")
	assert.False(t, Total(Fixed(some, ExistingVPC, DefaultEstimates)).Unconfirmed, "no endpoint, no unconfirmed price")
	assert.Equal(t, "$0.0042", money(Amount{USD: 0.0042}))
	assert.Equal(t, "$0.00", money(Amount{}))
}

func TestPricesFileIsValid(t *testing.T) {
	p, err := Load()
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", p.Region)
	assert.Contains(t, p.InstanceTypes(), DefaultInstanceType)
	for _, pr := range p.List {
		if pr.Confirmed() {
			assert.True(t, strings.HasPrefix(pr.Source, "https://aws.amazon.com/") || strings.HasPrefix(pr.Source, "https://docs.aws.amazon.com/"), pr.Key)
		} else {
			assert.NotEmpty(t, pr.Note, pr.Key)
		}
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	p := testPrices()
	raw, err := json.Marshal(p)
	require.NoError(t, err)
	_, err = Parse(raw)
	require.NoError(t, err, "the test prices are valid")

	bad := testPrices()
	bad.List[0].Status = "recalled"
	bad.List[1].Per = 0
	bad.List[2].Source = "http://example.com/"
	bad.List[3].LookedUp = "today"
	bad.List = append(bad.List, bad.List[4])
	third := Price{Key: "thirdParty", What: "x", Value: 1, Per: 1, Unit: "u", Status: statusConfirmed, Source: "https://example.com/", LookedUp: "2026-12-01"}
	bad.List = append(bad.List, third, Price{Key: "noNote", What: "x", Per: 1, Unit: "u", Status: statusUnconfirmed, Source: "https://example.com/", LookedUp: "2026-12-01"})
	var missing Prices
	for _, pr := range testPrices().List {
		if pr.Key != "kmsKey" {
			missing.List = append(missing.List, pr)
		}
	}
	msg := bad.Validate().Error()
	for _, want := range []string{
		fmt.Sprintf("%q: status \"recalled\": confirmed or unconfirmed", bad.List[0].Key),
		fmt.Sprintf("%q: per is 0: a positive number of units", bad.List[1].Key),
		fmt.Sprintf("%q: source \"http://example.com/\": an https URL", bad.List[2].Key),
		fmt.Sprintf("%q: lookedUp \"today\": a date, YYYY-MM-DD", bad.List[3].Key),
		fmt.Sprintf("%q: key appears twice", bad.List[4].Key),
		`"thirdParty": confirmed from "example.com": a confirmed price comes from aws.amazon.com or docs.aws.amazon.com`,
		`"noNote": unconfirmed without a note saying what was found`,
	} {
		assert.Contains(t, msg, want)
	}
	err = missing.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `price "kmsKey" is missing`)
	assert.Contains(t, err.Error(), "region and currency are required")

	_, err = Parse([]byte(`{"region": "r", "currency": "USD", "prices": [], "asOf": "2024"}`))
	assert.ErrorContains(t, err, `unknown field "asOf"`)
}

func report(t *testing.T) string {
	t.Helper()
	p, err := Load()
	require.NoError(t, err)
	var out bytes.Buffer
	Report(&out, p, DefaultUsage, DefaultEstimates)
	return out.String()
}

// docs/cost.md is exactly what the program prints: change prices.json or the
// model, then `go run ./cmd/costmodel > docs/cost.md`.
func TestDocIsCurrent(t *testing.T) {
	doc, err := os.ReadFile("../../docs/cost.md")
	require.NoError(t, err)
	assert.Equal(t, report(t), string(doc), "docs/cost.md is stale: go run ./cmd/costmodel > docs/cost.md")
}

// A few cells of docs/cost.md, computed here by hand from the prices.
func TestDocCellsByHand(t *testing.T) {
	p, err := Load()
	require.NoError(t, err)
	price := func(key string) float64 {
		for _, pr := range p.List {
			if pr.Key == key {
				return pr.Value / pr.Per
			}
		}
		t.Fatalf("no price %q", key)
		return 0
	}
	t3, storage, s3 := price("notebook.ml.t3.medium"), price("mlStorage"), price("s3Standard")
	doc := report(t)
	cell := func(v float64) string { return fmt.Sprintf("$%.2f†", v) }

	endpoints := 6 * 2 * 730 * price("interfaceEndpointHour")
	assert.Contains(t, doc, "| Interface VPC endpoints | 6 endpoints × 2 AZs × 730 h | "+cell(endpoints)+" |")
	assert.Contains(t, doc, fmt.Sprintf("| KMS keys (first year) | 4 keys | $%.2f |", 4*price("kmsKey")))
	assert.Contains(t, doc, "| Operator dashboard: CloudWatch dashboard | 1 | "+cell(price("cloudwatchDashboard"))+" |")
	assert.Contains(t, doc, "| Operator alarms: CloudWatch alarm metrics | 3, standard resolution | "+cell(3*price("cloudwatchAlarmMetric"))+" |")
	assert.Contains(t, doc, "| Metric filters: CloudWatch custom metrics, at most | 7 metrics × 100% of the hours | "+cell(7*price("cloudwatchCustomMetric"))+" |")

	running := 52.0 * 5 / 12 * 4
	assert.Contains(t, doc, fmt.Sprintf("| `ml.t3.medium` | %s | %s | %s |", cell(730*t3+50*storage), cell(running*t3+50*storage), cell(running*t3+50*storage+5*s3)))

	lived := 3 + 5.0/24 + 7
	stop, lease := 16*t3+50*storage, 16*t3+50*storage*lived/DaysPerMonth+5*s3
	assert.Contains(t, doc, fmt.Sprintf("| 4 days in a row | `ml.t3.medium` | %s | %s | %s | %.1f days | 1 |", cell(stop), cell(lease), cell(stop-lease), lived))

	// The team: 10 notebooks, 10 analysts' usage, the fixed platform.
	fixed := Total(Fixed(p, DefaultDeployment, DefaultEstimates)).USD
	usage := Total(AnalystUsage(p, DefaultDeployment, DefaultEstimates, DailyActivity(DefaultUsage))).USD
	notebooks := 10 * (running*t3 + 50*storage + 5*s3)
	assert.Contains(t, doc, fmt.Sprintf("| 10 daily | `ml.t3.medium` | %s | %s | %s | %s |", cell(notebooks), cell(10*usage), cell(fixed), cell(notebooks+10*usage+fixed)))
}
