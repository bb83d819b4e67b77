package acceptance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"time"
)

// Defaults of Journey.
const (
	// DefaultCatalog is the catalog's name (its stack name), as
	// notebook.DefaultCatalogName.
	DefaultCatalog = "SageMakerCatalog"
	// DefaultProduct is the name the hub gives the notebook product.
	DefaultProduct = "SageMaker notebook"
	// DefaultPoll is how often the journey asks whether a wait is over.
	DefaultPoll = 15 * time.Second
)

// The product's outputs the journey reads, and its self-service actions
// (constructs/notebook and constructs/actions name them; contract_test.go
// checks these against them).
const (
	OutputNotebookName = "NotebookInstanceName"
	OutputNotebookArn  = "NotebookInstanceArn"
	OutputWorkspaceUri = "WorkspaceUri"
	ActionStop         = "StopNotebook"
	ActionStart        = "StartNotebook"
)

// Timeouts bound the journey's waits.
type Timeouts struct {
	// Provision: until a provisioned product is AVAILABLE (a notebook
	// takes 5 to 10 minutes).
	Provision time.Duration
	// Action: until a self-service action's record succeeded and the
	// notebook reached the status it asks for.
	Action time.Duration
	// Terminate: until a termination's record succeeded and the notebook
	// is gone.
	Terminate time.Duration
	// Restore: until the file written in the first notebook is in the
	// second (the restore runs in the background after the start).
	Restore time.Duration
	// Logs: until the janitor's decision is in its log group.
	Logs time.Duration
	// Cleanup: for the whole cleanup, which runs after the journey's own
	// context has ended.
	Cleanup time.Duration
}

// DefaultTimeouts are the Timeouts a zero field takes.
var DefaultTimeouts = Timeouts{
	Provision: 30 * time.Minute,
	Action:    20 * time.Minute,
	Terminate: 30 * time.Minute,
	Restore:   15 * time.Minute,
	Logs:      5 * time.Minute,
	Cleanup:   45 * time.Minute,
}

// Journey is one acceptance run. Analyst and Admin and RunID are required;
// every other field has a default.
type Journey struct {
	// Analyst provisions, opens, acts and terminates; Admin watches the
	// notebook, reads and cleans the workspace, and runs the janitor.
	Analyst, Admin Principal
	// RunID names what the run creates (provisioned products, the file, the
	// idempotency tokens): lower-case letters, digits and hyphens, at most
	// 40 characters. NewRunID makes one.
	RunID string
	// Catalog is the catalog's name. Default: DefaultCatalog.
	Catalog string
	// Product is the product's name as analysts see it. Default: DefaultProduct.
	Product string
	// Version is the name of the product version to launch.
	// Default: the newest version that is not deprecated.
	Version string
	// LaunchPath is the launch path's name or ID.
	// Default: the product's only launch path.
	LaunchPath string
	// Tags chooses values for the portfolio's TagOptions (and adds tags).
	// Default: each TagOption's first value.
	Tags map[string]string
	// JanitorFunction is the janitor's function name or ARN.
	// Default: the function whose FUNCTION variable is "janitor" and whose
	// log group is the catalog's (/<Catalog>/functions/janitor).
	JanitorFunction string
	// AllowOtherNotebooks lets the journey run while the analyst has other
	// notebooks of the product. Default: false, because the test notebooks
	// restore and save the analyst's workspace, which a notebook in use
	// saves to as well.
	AllowOtherNotebooks bool
	// HTTP returns the client for one Jupyter session.
	// Default: a client with a fresh cookie jar and a 60-second timeout.
	HTTP func() *http.Client
	// Out receives the steps and their times. Default: os.Stdout.
	Out io.Writer
	// Poll is how often waits ask. Default: DefaultPoll.
	Poll time.Duration
	// Timeouts bound the waits. Default: DefaultTimeouts, field by field.
	Timeouts Timeouts
}

// Step is one step of a run: its name, how long it took, and its error.
type Step struct {
	Name string
	Took time.Duration
	Err  error
}

// Summary is what a run did, step by step, cleanup included.
type Summary struct {
	RunID string
	Steps []Step
	Took  time.Duration
}

var runIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// NewRunID returns a run ID from the time and 4 random hex digits, such as
// 20260115-120301-a1b2.
func NewRunID(now time.Time) string {
	b := make([]byte, 2)
	rand.Read(b)
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b)
}

// Validate reports every missing or invalid field, or nil.
func (j *Journey) Validate() error {
	var errs []error
	if !runIDPattern.MatchString(j.RunID) {
		errs = append(errs, fmt.Errorf("acceptance.Journey: RunID %q: want 1-40 lower-case letters, digits and hyphens, starting with a letter or digit (NewRunID makes one)", j.RunID))
	}
	for _, p := range []struct {
		name string
		p    Principal
	}{{"Analyst", j.Analyst}, {"Admin", j.Admin}} {
		if p.p.STS == nil || p.p.ServiceCatalog == nil || p.p.SageMaker == nil {
			errs = append(errs, fmt.Errorf("acceptance.Journey: %s: STS, ServiceCatalog and SageMaker are required (NewPrincipal gives them all)", p.name))
		}
	}
	if j.Admin.S3 == nil || j.Admin.Lambda == nil || j.Admin.Logs == nil {
		errs = append(errs, errors.New("acceptance.Journey: Admin: S3, Lambda and Logs are required (NewPrincipal gives them all)"))
	}
	for k := range j.Tags {
		if k == "" || strings.HasPrefix(k, "aws:") {
			errs = append(errs, fmt.Errorf("acceptance.Journey: Tags: key %q: want a non-empty key not starting with aws:", k))
		}
	}
	return errors.Join(errs...)
}

// run is the state of one run of a Journey.
type run struct {
	*Journey
	start    time.Time
	analyst  identity
	admin    identity
	product  choice
	janitor  janitorFunction
	products []*provisioned
	files    []object
	summary  Summary
	prefix   string // indents the lines of the current step
}

// Run runs the journey, then cleans up (also when ctx ends: the cleanup
// has a context of its own, Timeouts.Cleanup long). It returns what each
// step took, and the first failure joined with the cleanup's.
func (j *Journey) Run(ctx context.Context) (Summary, error) {
	if err := j.Validate(); err != nil {
		return Summary{RunID: j.RunID}, err
	}
	cfg := *j
	cfg.defaults()
	r := &run{Journey: &cfg, start: time.Now(), summary: Summary{RunID: j.RunID}}
	r.logf("acceptance run %s", r.RunID)
	err := r.journey(ctx)
	cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.Timeouts.Cleanup)
	defer cancel()
	cleanupErr := r.step("cleanup", func() error { return r.cleanup(cleanupCtx) })
	r.summary.Took = time.Since(r.start)
	r.printSummary(err, cleanupErr)
	if cleanupErr != nil {
		cleanupErr = fmt.Errorf("cleanup: %w", cleanupErr)
	}
	return r.summary, errors.Join(err, cleanupErr)
}

func (j *Journey) defaults() {
	if j.Catalog == "" {
		j.Catalog = DefaultCatalog
	}
	if j.Product == "" {
		j.Product = DefaultProduct
	}
	if j.Out == nil {
		j.Out = os.Stdout
	}
	if j.Poll <= 0 {
		j.Poll = DefaultPoll
	}
	if j.HTTP == nil {
		j.HTTP = func() *http.Client {
			jar, _ := cookiejar.New(nil)
			return &http.Client{Jar: jar, Timeout: 60 * time.Second}
		}
	}
	t, d := &j.Timeouts, DefaultTimeouts
	for _, f := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&t.Provision, d.Provision}, {&t.Action, d.Action}, {&t.Terminate, d.Terminate},
		{&t.Restore, d.Restore}, {&t.Logs, d.Logs}, {&t.Cleanup, d.Cleanup},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
}

// journey runs the steps in order, up to the first failure.
func (r *run) journey(ctx context.Context) error {
	var first, second *provisioned
	var nb *notebookSession
	file := "acceptance-" + r.RunID + ".txt"
	content := fmt.Sprintf("sagemaker-catalog acceptance run %s, written %s\n", r.RunID, time.Now().UTC().Format(time.RFC3339))
	steps := []struct {
		name string
		f    func() error
	}{
		{"identities", func() error { return r.identities(ctx) }},
		{"janitor mode", func() error { return r.janitorMode(ctx) }},
		{"find product", func() error { return r.findProduct(ctx) }},
		{"provision", func() (err error) { first, err = r.provision(ctx, 1); return err }},
		{"outputs", func() error { return r.outputs(ctx, first) }},
		{"open", func() (err error) { nb, err = r.open(ctx, first); return err }},
		{"write file", func() error { return r.writeFile(ctx, first, nb, file, content) }},
		{"stop action", func() error { return r.action(ctx, first, ActionStop, "Stopped") }},
		{"saved in workspace", func() error { return r.saved(ctx, first, file, content) }},
		{"start action", func() error { return r.action(ctx, first, ActionStart, "InService") }},
		{"open after start", func() (err error) { nb, err = r.reopen(ctx, first, file, content); return err }},
		{"terminate", func() error { return r.terminate(ctx, first, r.Analyst, "terminate") }},
		{"provision again", func() (err error) { second, err = r.provision(ctx, 2); return err }},
		{"outputs again", func() error { return r.outputs(ctx, second) }},
		{"open again", func() (err error) { nb, err = r.open(ctx, second); return err }},
		{"file restored", func() error { return r.restored(ctx, nb, file, content) }},
		{"janitor dry run", func() error { return r.runJanitor(ctx, second) }},
	}
	for _, s := range steps {
		if err := r.step(s.name, s.f); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// step runs f as the named step, printing its start, its end and its time.
func (r *run) step(name string, f func() error) error {
	start := time.Now()
	r.logf("%s", name)
	r.prefix = "  "
	err := f()
	r.prefix = ""
	took := time.Since(start)
	r.summary.Steps = append(r.summary.Steps, Step{Name: name, Took: took, Err: err})
	if err != nil {
		r.logf("%s: FAILED after %s: %v", name, round(took), err)
	} else {
		r.logf("%s: ok (%s)", name, round(took))
	}
	return err
}

// logf prints a line with the time since the run started.
func (r *run) logf(format string, args ...any) {
	e := time.Since(r.start)
	fmt.Fprintf(r.Out, "[%02d:%02d:%02d] %s%s\n", int(e.Hours()), int(e.Minutes())%60, int(e.Seconds())%60, r.prefix, fmt.Sprintf(format, args...))
}

func (r *run) printSummary(err, cleanupErr error) {
	r.logf("summary of run %s", r.RunID)
	for _, s := range r.summary.Steps {
		result := "ok"
		if s.Err != nil {
			result = "FAILED"
		}
		r.logf("  %-20s %8s  %s", s.Name, round(s.Took), result)
	}
	switch {
	case err == nil && cleanupErr == nil:
		r.logf("PASSED in %s", round(r.summary.Took))
	case err == nil:
		r.logf("PASSED in %s, but the cleanup FAILED: see above what is left", round(r.summary.Took))
	default:
		r.logf("FAILED in %s: %v", round(r.summary.Took), err)
	}
}

func round(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// wait calls check every Poll until it reports done, for at most timeout,
// printing each new status with the time since the wait began.
func (r *run) wait(ctx context.Context, what string, timeout time.Duration, check func(context.Context) (status string, done bool, err error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start, last := time.Now(), ""
	for {
		status, done, err := check(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: still %s after %s: %w", what, orNone(last), round(time.Since(start)), err)
			}
			return err
		}
		if status != last {
			r.logf("%s: %s (%s)", what, status, round(time.Since(start)))
			last = status
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: still %s after %s: %w", what, orNone(last), round(time.Since(start)), ctx.Err())
		case <-time.After(r.Poll):
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// identities reads who the analyst and the admin are: the analyst's
// aws:userid must be what the product tags the notebook's owner with.
func (r *run) identities(ctx context.Context) error {
	var err error
	if r.analyst, err = whoami(ctx, r.Analyst.STS); err != nil {
		return fmt.Errorf("analyst: sts:GetCallerIdentity: %w", err)
	}
	if r.admin, err = whoami(ctx, r.Admin.STS); err != nil {
		return fmt.Errorf("admin: sts:GetCallerIdentity: %w", err)
	}
	r.logf("analyst %s (aws:userid %s)", r.analyst.Arn, r.analyst.UserId)
	r.logf("admin   %s", r.admin.Arn)
	if r.analyst.Account != r.admin.Account {
		return fmt.Errorf("the analyst is in account %s and the admin in %s: give two profiles of the sandbox account", r.analyst.Account, r.admin.Account)
	}
	return nil
}
