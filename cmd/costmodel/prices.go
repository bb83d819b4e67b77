package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

//go:embed prices.json
var pricesJSON []byte

// Price is one list price, with where and when it was read and whether the
// number itself was seen in an AWS source.
type Price struct {
	Key  string `json:"key"`
	What string `json:"what"`
	// Value is the price of Per units.
	Value float64 `json:"value"`
	Per   float64 `json:"per"`
	Unit  string  `json:"unit"`
	// Status is "confirmed" when the number was read in a copy of the AWS
	// page named by Source, "unconfirmed" otherwise (Note says what was found).
	Status string `json:"status"`
	Source string `json:"source"`
	// SourceDate is the date the source carries; empty when it shows none.
	SourceDate string `json:"sourceDate"`
	LookedUp   string `json:"lookedUp"`
	Note       string `json:"note"`
	// Free is how many units a month the AWS free tier gives each account
	// (0: none, or not recorded). The model does not subtract it: it is per
	// account and shared with whatever else runs there.
	Free float64 `json:"free,omitempty"`
}

// Confirmed reports whether the value was read in an AWS source.
func (p Price) Confirmed() bool { return p.Status == statusConfirmed }

const (
	statusConfirmed   = "confirmed"
	statusUnconfirmed = "unconfirmed"
)

// Prices are the list prices of one region.
type Prices struct {
	Region   string  `json:"region"`
	Currency string  `json:"currency"`
	List     []Price `json:"prices"`
}

// Notebook instance prices are keyed notebookPrefix + instance type.
const notebookPrefix = "notebook."

// requiredKeys are the prices the model uses besides the notebook instances.
var requiredKeys = []string{
	"mlStorage", "s3Standard", "s3PutList", "s3Get",
	"interfaceEndpointHour", "interfaceEndpointData", "gatewayEndpoint",
	"kmsKey", "kmsRequests",
	"cloudwatchDashboard", "cloudwatchAlarmMetric", "cloudwatchCustomMetric",
	"logsIngest", "logsVendedIngest", "logsStorage",
	"lambdaArmGBSecond", "lambdaRequests", "schedulerInvocations",
	"snsPublish", "snsEmail", "sqsRequests",
	"ssmStandardParameter", "serviceCatalogCall",
	notebookPrefix + DefaultInstanceType,
}

// awsHosts are where a confirmed price may come from.
var awsHosts = []string{"aws.amazon.com", "docs.aws.amazon.com"}

// Load reads the embedded prices and checks them (see Validate).
func Load() (Prices, error) { return Parse(pricesJSON) }

// Parse reads prices from JSON and checks them (see Validate).
func Parse(data []byte) (Prices, error) {
	var p Prices
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Prices{}, err
	}
	return p, p.Validate()
}

// Validate returns every problem at once: a missing or repeated key, a
// non-positive Per, a negative value or free tier, a status other than confirmed or
// unconfirmed, a source that is not an https URL, a confirmed price whose
// source is not an AWS page, an unconfirmed price without a note, or a date
// not written YYYY-MM-DD.
func (p Prices) Validate() error {
	var errs []error
	if p.Region == "" || p.Currency == "" {
		errs = append(errs, errors.New("region and currency are required"))
	}
	seen := map[string]bool{}
	for i, pr := range p.List {
		where := fmt.Sprintf("prices[%d] %q", i, pr.Key)
		if pr.Key == "" {
			errs = append(errs, fmt.Errorf("%s: key is required", where))
		}
		if seen[pr.Key] {
			errs = append(errs, fmt.Errorf("%s: key appears twice", where))
		}
		seen[pr.Key] = true
		if pr.What == "" || pr.Unit == "" {
			errs = append(errs, fmt.Errorf("%s: what and unit are required", where))
		}
		if pr.Per <= 0 {
			errs = append(errs, fmt.Errorf("%s: per is %v: a positive number of units", where, pr.Per))
		}
		if pr.Free < 0 {
			errs = append(errs, fmt.Errorf("%s: free is %v: zero or more units", where, pr.Free))
		}
		if pr.Value < 0 {
			errs = append(errs, fmt.Errorf("%s: value is %v: zero or more", where, pr.Value))
		}
		u, err := url.Parse(pr.Source)
		switch {
		case err != nil || u.Scheme != "https" || u.Host == "":
			errs = append(errs, fmt.Errorf("%s: source %q: an https URL", where, pr.Source))
		case pr.Status == statusConfirmed && !slices.Contains(awsHosts, u.Host):
			errs = append(errs, fmt.Errorf("%s: confirmed from %q: a confirmed price comes from %s", where, u.Host, strings.Join(awsHosts, " or ")))
		}
		switch pr.Status {
		case statusConfirmed:
		case statusUnconfirmed:
			if pr.Note == "" {
				errs = append(errs, fmt.Errorf("%s: unconfirmed without a note saying what was found", where))
			}
		default:
			errs = append(errs, fmt.Errorf("%s: status %q: %s or %s", where, pr.Status, statusConfirmed, statusUnconfirmed))
		}
		if _, err := time.Parse(time.DateOnly, pr.LookedUp); err != nil {
			errs = append(errs, fmt.Errorf("%s: lookedUp %q: a date, YYYY-MM-DD", where, pr.LookedUp))
		}
		if _, err := time.Parse(time.DateOnly, pr.SourceDate); pr.SourceDate != "" && err != nil {
			errs = append(errs, fmt.Errorf("%s: sourceDate %q: a date, YYYY-MM-DD, or empty when the source shows none", where, pr.SourceDate))
		}
	}
	for _, k := range requiredKeys {
		if !seen[k] {
			errs = append(errs, fmt.Errorf("price %q is missing", k))
		}
	}
	return errors.Join(errs...)
}

// FreeUnits returns the free tier of key, in its units a month.
func (p Prices) FreeUnits(key string) float64 {
	for _, pr := range p.List {
		if pr.Key == key {
			return pr.Free
		}
	}
	panic(fmt.Sprintf("costmodel: no price %q", key))
}

// Rate returns the price of one unit of key as an Amount. It panics on a key
// that Validate does not require: that is a bug in the model, not in the data.
func (p Prices) Rate(key string) Amount {
	for _, pr := range p.List {
		if pr.Key == key {
			return Amount{USD: pr.Value / pr.Per, Unconfirmed: !pr.Confirmed()}
		}
	}
	panic(fmt.Sprintf("costmodel: no price %q", key))
}

// InstanceTypes returns the notebook instance types that have a price, sorted.
func (p Prices) InstanceTypes() []string {
	var types []string
	for _, pr := range p.List {
		if t, ok := strings.CutPrefix(pr.Key, notebookPrefix); ok {
			types = append(types, t)
		}
	}
	slices.Sort(types)
	return types
}

// Counts returns how many prices are confirmed, and how many there are.
func (p Prices) Counts() (confirmed, total int) {
	for _, pr := range p.List {
		if pr.Confirmed() {
			confirmed++
		}
	}
	return confirmed, len(p.List)
}

// Amount is money computed from prices. Unconfirmed is true when any price
// that went into it is not confirmed, so the output can say so.
type Amount struct {
	USD         float64
	Unconfirmed bool
}

// Times scales a by f.
func (a Amount) Times(f float64) Amount { return Amount{a.USD * f, a.Unconfirmed} }

// Plus adds b to a.
func (a Amount) Plus(b Amount) Amount {
	return Amount{a.USD + b.USD, a.Unconfirmed || b.Unconfirmed}
}

// Minus subtracts b from a.
func (a Amount) Minus(b Amount) Amount { return a.Plus(b.Times(-1)) }

// Sum adds amounts.
func Sum(as ...Amount) Amount {
	var s Amount
	for _, a := range as {
		s = s.Plus(a)
	}
	return s
}
