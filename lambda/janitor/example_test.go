package janitor_test

import (
	"fmt"
	"time"

	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

// A notebook last used on 1 November with a 7-day lease and a day's notice:
// its owner is warned on the 7th, and it is terminated on the 8th, its
// workspace saved.
func ExampleDecide() {
	policy := janitor.Policy{Lease: 7 * 24 * time.Hour, NotifyBefore: 24 * time.Hour}
	used := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	nb := janitor.Notebook{Name: "SC-123456789012-pp-abcdefghijklm", LastActivity: used, LastSync: used}

	d := janitor.Decide(used.Add(6*24*time.Hour), policy, nb)
	fmt.Println(d.Action, d.Reason, d.TerminateAfter.Format(time.DateTime))

	nb.NotifiedAt = d.Now
	d = janitor.Decide(used.Add(7*24*time.Hour), policy, nb)
	fmt.Println(d.Action, d.Reason)
	// Output:
	// notify lease ends soon 2026-11-08 09:00:00
	// terminate lease ended; owner warned; workspace saved
}
