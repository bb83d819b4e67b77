// Package janitor decides what to do with a provisioned notebook whose lease
// may have run out: keep it, warn its owner, or terminate it. The decision is
// a pure function of the notebook's state and the clock, so that running the
// janitor twice decides the same thing, and every rule is tested.
//
// A notebook's lease runs for Policy.Lease after its last activity; the owner
// extends it by using the notebook, or by updating the provisioned product's
// lease parameter (a longer Lease). The janitor warns the owner
// Policy.NotifyBefore ahead, and never terminates a notebook whose owner was
// not warned at least NotifyBefore earlier, whose last workspace sync failed,
// or whose last sync is older than its last activity: terminating must lose
// nothing.
package janitor

import (
	"fmt"
	"time"
)

// Action is what the janitor does with a notebook.
type Action string

// The actions, from the mildest.
const (
	Keep      Action = "keep"
	Notify    Action = "notify"
	Terminate Action = "terminate"
)

// Policy is how long leases last and how early owners hear of their end.
type Policy struct {
	// Lease is how long a notebook lives after its last activity.
	Lease time.Duration
	// NotifyBefore is how long before the lease ends the owner is warned,
	// and the least time between a warning and a termination.
	NotifyBefore time.Duration
}

// Notebook is what the janitor knows of a provisioned notebook.
type Notebook struct {
	Name string
	// LastActivity is the latest of the notebook's last use and the last
	// update of its provisioned product.
	LastActivity time.Time
	// LastSync is when the workspace was last saved; zero if never.
	LastSync time.Time
	// LastSyncFailed reports that the latest sync attempt failed.
	LastSyncFailed bool
	// NotifiedAt is when the owner was last warned; zero if never.
	NotifiedAt time.Time
	// Running reports that the notebook is in service (or starting,
	// stopping, updating): it is in use, whatever its lease says.
	Running bool
}

// Decision is the janitor's verdict on one notebook, logged as JSON.
type Decision struct {
	Notebook       string    `json:"notebook"`
	Action         Action    `json:"action"`
	Reason         string    `json:"reason"`
	Now            time.Time `json:"now"`
	LeaseExpiresAt time.Time `json:"leaseExpiresAt"`
	// TerminateAfter is the earliest termination, when a warning is due
	// first or was sent late; zero otherwise.
	TerminateAfter time.Time `json:"terminateAfter,omitzero"`
	// LastActivity and LastSync are the inputs the decision rests on.
	LastActivity time.Time `json:"lastActivity"`
	LastSync     time.Time `json:"lastSync,omitzero"`
	// Owner, ProvisionedProductID and Status are filled in by Janitor.Run.
	Owner                string `json:"owner,omitempty"`
	ProvisionedProductID string `json:"provisionedProductId,omitempty"`
	Status               string `json:"status,omitempty"`
	// Skipped says why the action was not carried out (the janitor's
	// mode); empty when it was.
	Skipped string `json:"skipped,omitempty"`
}

// Decide applies the policy to the notebook at now.
func Decide(now time.Time, p Policy, n Notebook) Decision {
	expires := n.LastActivity.Add(p.Lease)
	warnFrom := expires.Add(-p.NotifyBefore)
	d := Decision{Notebook: n.Name, Now: now, LeaseExpiresAt: expires, LastActivity: n.LastActivity, LastSync: n.LastSync}
	warned := !n.NotifiedAt.IsZero() && !n.NotifiedAt.Before(warnFrom)
	switch {
	case n.Running:
		d.Action, d.Reason = Keep, "running: in use"
	case now.Before(warnFrom):
		d.Action, d.Reason = Keep, "lease runs"
	case !warned:
		// The warning window has begun (or passed, if the janitor did not
		// run): warn now, terminate no earlier than NotifyBefore from now.
		d.Action, d.Reason = Notify, "lease ends soon"
		d.TerminateAfter = later(expires, now.Add(p.NotifyBefore))
	case now.Before(expires):
		d.Action, d.Reason = Keep, "owner warned; lease runs"
	case now.Before(n.NotifiedAt.Add(p.NotifyBefore)):
		d.Action, d.Reason = Keep, "owner warned late; waiting the full notice"
		d.TerminateAfter = n.NotifiedAt.Add(p.NotifyBefore)
	case n.LastSyncFailed:
		d.Action, d.Reason = Keep, "last workspace sync failed: terminating could lose work"
	case n.LastSync.Before(n.LastActivity):
		d.Action, d.Reason = Keep, fmt.Sprintf("workspace last saved %s, before the last activity", n.LastSync.Format(time.RFC3339))
	default:
		d.Action, d.Reason = Terminate, "lease ended; owner warned; workspace saved"
	}
	return d
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
