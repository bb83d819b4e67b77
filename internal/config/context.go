package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// FromContext builds a Config from a CDK app's whole context (cdk.json's
// "context", cdk.context.json and `-c` values merged, as
// Node.getAllContext returns it): each configuration key it holds is parsed
// (see Parse); a key that is neither a configuration key nor one of the
// CDK's own fails, with the nearest configuration key as a suggestion.
func FromContext(ctx map[string]any) (Config, error) {
	values := map[string]string{}
	var errs []error
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case known(k):
			s, err := ValueString(ctx[k])
			if err != nil {
				errs = append(errs, fmt.Errorf("context: %s: %w", k, err))
				continue
			}
			values[k] = s
		case cdkKey(k):
		default:
			errs = append(errs, fmt.Errorf("context: %s: unknown key%s", k, suggestion(k)))
		}
	}
	c, err := Parse(values)
	return c, errors.Join(append(errs, err)...)
}

func known(name string) bool {
	for _, k := range Keys {
		if k.Name == name {
			return true
		}
	}
	return false
}

// cdkKey reports whether a context key belongs to the CDK: feature flags
// (@aws-cdk/...), the CDK's own settings (aws:cdk:...), cached lookups
// (availability-zones:account=...:region=...), and the CLI's two keys
// without a colon.
func cdkKey(k string) bool {
	return strings.HasPrefix(k, "@") || strings.Contains(k, ":") ||
		k == "acknowledged-issue-numbers" || k == "cli-telemetry"
}

// suggestion names the configuration key nearest to k, if one is near.
func suggestion(k string) string {
	best, bestDistance := "", -1
	for _, key := range Keys {
		d := distance(strings.ToLower(k), strings.ToLower(key.Name))
		if bestDistance < 0 || d < bestDistance {
			best, bestDistance = key.Name, d
		}
	}
	if bestDistance <= max(2, len(k)/3) {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return " (the configuration keys are listed in docs/configuration.md)"
}

// distance is the edit distance between a and b: insertions, deletions,
// substitutions and swaps of neighbours each count one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range rb {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
