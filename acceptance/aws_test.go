//go:build aws

package acceptance_test

// The real run, against a sandbox account where the catalog is deployed
// (docs/acceptance.md):
//
//	go test -tags=aws -v -count=1 -timeout 3h -run TestAcceptance ./acceptance/ \
//	  -args -analyst-profile=sandbox-analyst -admin-profile=sandbox-admin

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/datalake-platform/sagemaker-catalog/acceptance"
)

// tagFlag collects -tag Key=Value.
type tagFlag map[string]string

func (f tagFlag) String() string {
	var kv []string
	for k, v := range f {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

func (f tagFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("-tag %q: want Key=Value", s)
	}
	f[k] = v
	return nil
}

var (
	analystProfile = flag.String("analyst-profile", "", "AWS profile of the analyst (required): a principal associated with the portfolio, with no other notebooks")
	adminProfile   = flag.String("admin-profile", "", "AWS profile of a platform admin of the same account (required)")
	region         = flag.String("region", "", "the catalog's region (default: the profiles')")
	catalogName    = flag.String("catalog", acceptance.DefaultCatalog, "the catalog's name (its stack name)")
	productFlag    = flag.String("product", acceptance.DefaultProduct, "the product's name as analysts see it")
	versionFlag    = flag.String("version", "", "the product version to launch (default: the newest that is not deprecated)")
	launchPath     = flag.String("launch-path", "", "the launch path's name or ID (default: the only one)")
	janitorFn      = flag.String("janitor-function", "", "the janitor's function name (default: found by its log group)")
	allowOthers    = flag.Bool("allow-other-notebooks", false, "run although the analyst has other notebooks of the product")
	tags           = tagFlag{}
)

func init() {
	flag.Var(tags, "tag", "Key=Value for a TagOption (repeatable; default: each TagOption's first value)")
}

// cleanupReserve is the time kept after the journey for its cleanup.
const cleanupReserve = 50 * time.Minute

func TestAcceptance(t *testing.T) {
	if *analystProfile == "" || *adminProfile == "" {
		t.Fatal("give the two profiles: go test -tags=aws -v -count=1 -timeout 3h -run TestAcceptance ./acceptance/ " +
			"-args -analyst-profile=PROFILE -admin-profile=PROFILE (docs/acceptance.md)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// go test's -timeout panics, and a panic runs no cleanup: end the
	// journey early enough for the cleanup to finish.
	if deadline, ok := t.Deadline(); ok {
		if time.Until(deadline) < 2*time.Hour {
			t.Fatalf("the test has %s left: run it with -timeout 3h (the journey takes about 40 minutes, its waits up to 2 hours, and the cleanup needs time of its own)",
				time.Until(deadline).Round(time.Minute))
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-cleanupReserve))
		defer cancel()
	}
	regions := map[string]string{}
	load := func(profile string) acceptance.Principal {
		opts := []func(*config.LoadOptions) error{config.WithSharedConfigProfile(profile)}
		if *region != "" {
			opts = append(opts, config.WithRegion(*region))
		}
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			t.Fatalf("profile %s: %v", profile, err)
		}
		if cfg.Region == "" {
			t.Fatalf("profile %s has no region: give -region", profile)
		}
		regions[profile] = cfg.Region
		return acceptance.NewPrincipal(cfg)
	}
	j := &acceptance.Journey{
		Analyst:             load(*analystProfile),
		Admin:               load(*adminProfile),
		RunID:               acceptance.NewRunID(time.Now()),
		Catalog:             *catalogName,
		Product:             *productFlag,
		Version:             *versionFlag,
		LaunchPath:          *launchPath,
		Tags:                tags,
		JanitorFunction:     *janitorFn,
		AllowOtherNotebooks: *allowOthers,
		Out:                 os.Stdout,
		Timeouts:            acceptance.Timeouts{Cleanup: cleanupReserve - 5*time.Minute},
	}
	if regions[*analystProfile] != regions[*adminProfile] {
		t.Fatalf("the analyst's profile is in %s and the admin's in %s: give -region", regions[*analystProfile], regions[*adminProfile])
	}
	if _, err := j.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
