// Command costmodel prints the README's cost table: the monthly cost of a
// SageMaker notebook for an analyst who uses it 3 hours a day on working
// days, (a) always on, (b) stopped when idle, (c) with this project (stopped
// when idle, workspace in S3, terminated after its lease), from the list
// prices in prices.json. A test keeps the README's table equal to its output.
package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

//go:embed prices.json
var pricesJSON []byte

// Prices are list prices, with where and when they were read.
type Prices struct {
	Region            string             `json:"region"`
	Currency          string             `json:"currency"`
	Sources           []string           `json:"sources"`
	AsOf              string             `json:"asOf"`
	InstanceHourly    map[string]float64 `json:"instanceHourly"`
	MLStorageGBMonth  float64            `json:"mlStorageGBMonth"`
	S3StandardGBMonth float64            `json:"s3StandardGBMonth"`
}

// Usage is the analyst's month.
type Usage struct {
	HoursPerDay        float64 // working hours on the notebook
	WorkingDays        float64 // per month
	IdleTimeoutHours   float64 // the notebook runs this long after the last use
	VolumeGB           float64
	WorkspaceGB        float64 // saved in S3, old versions included
	LeaseDays          float64
	ForgottenAfterDays float64 // (d): used this many calendar days, then forgotten
}

// HoursPerMonth is AWS's billing month (8760 / 12).
const HoursPerMonth = 730

// DaysPerMonth is 365 / 12.
const DaysPerMonth = 365.0 / 12

// DefaultUsage is the README's scenario.
var DefaultUsage = Usage{HoursPerDay: 3, WorkingDays: 52.0 * 5 / 12, IdleTimeoutHours: 1, VolumeGB: 50, WorkspaceGB: 5, LeaseDays: 7, ForgottenAfterDays: 14}

// Row is one instance type's monthly costs.
type Row struct {
	InstanceType                       string
	AlwaysOn, StoppedIdle, ThisProject float64
	// ForgottenStopped and ForgottenThisProject: used for ForgottenAfterDays, then forgotten.
	ForgottenStopped, ForgottenThisProject float64
}

// Compute returns one row per instance type, sorted by name.
func Compute(p Prices, u Usage) []Row {
	running := u.WorkingDays * (u.HoursPerDay + u.IdleTimeoutHours) // hours a month when stopped when idle
	volume := u.VolumeGB * p.MLStorageGBMonth                       // a full month of the volume
	workspace := u.WorkspaceGB * p.S3StandardGBMonth
	usedShare := u.ForgottenAfterDays / DaysPerMonth
	// Terminated after the lease runs out (plus up to a day of notice).
	livedShare := min(1, (u.ForgottenAfterDays+u.LeaseDays+1)/DaysPerMonth)
	var rows []Row
	for _, t := range slices.Sorted(keys(p.InstanceHourly)) {
		h := p.InstanceHourly[t]
		rows = append(rows, Row{
			InstanceType: t,
			AlwaysOn:     HoursPerMonth*h + volume,
			StoppedIdle:  running*h + volume,
			// A daily user never reaches a 7-day lease: the notebook lives all
			// month, as in (b), and the workspace is in S3 as well.
			ThisProject:          running*h + volume + workspace,
			ForgottenStopped:     running*usedShare*h + volume,
			ForgottenThisProject: running*usedShare*h + volume*livedShare + workspace,
		})
	}
	return rows
}

func keys(m map[string]float64) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Table writes the markdown table.
func Table(w io.Writer, p Prices, u Usage) {
	fmt.Fprintf(w, "| Instance type | (a) always on | (b) stopped when idle | (c) this project | (d) forgotten after %.0f days: (b) | (d) forgotten: (c) |\n", u.ForgottenAfterDays)
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, r := range Compute(p, u) {
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s |\n", r.InstanceType,
			money(r.AlwaysOn), money(r.StoppedIdle), money(r.ThisProject), money(r.ForgottenStopped), money(r.ForgottenThisProject))
	}
	fmt.Fprintf(w, "\nPrices: %s, %s, %s. Sources: %s.\n", p.Region, p.Currency, p.AsOf, strings.Join(p.Sources, "; "))
}

func money(v float64) string { return fmt.Sprintf("$%.2f", v) }

// Load reads the embedded prices.
func Load() (Prices, error) {
	var p Prices
	err := json.Unmarshal(pricesJSON, &p)
	return p, err
}

func main() {
	p, err := Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "prices.json:", err)
		os.Exit(1)
	}
	Table(os.Stdout, p, DefaultUsage)
}
