package janitor_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

func TestDecide(t *testing.T) {
	policy := janitor.Policy{Lease: 7 * 24 * time.Hour, NotifyBefore: 24 * time.Hour}
	used := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	expires := used.Add(policy.Lease)
	warnFrom := expires.Add(-policy.NotifyBefore)
	saved := used.Add(time.Hour)
	for _, tc := range []struct {
		name   string
		now    time.Time
		nb     janitor.Notebook
		want   janitor.Action
		reason string
		after  time.Time
	}{
		{"fresh", used.Add(time.Hour), janitor.Notebook{LastActivity: used}, janitor.Keep, "lease runs", time.Time{}},
		{"a second before the warning window", warnFrom.Add(-time.Second), janitor.Notebook{LastActivity: used}, janitor.Keep, "lease runs", time.Time{}},
		{"warning window opens", warnFrom, janitor.Notebook{LastActivity: used}, janitor.Notify, "lease ends soon", expires},
		{"warned, still in the lease", expires.Add(-time.Hour), janitor.Notebook{LastActivity: used, NotifiedAt: warnFrom}, janitor.Keep, "owner warned; lease runs", time.Time{}},
		{"warned, lease ended, saved", expires, janitor.Notebook{LastActivity: used, NotifiedAt: warnFrom, LastSync: saved}, janitor.Terminate, "lease ended; owner warned; workspace saved", time.Time{}},
		{"lease ended, never warned (janitor was down)", expires.Add(48 * time.Hour), janitor.Notebook{LastActivity: used, LastSync: saved}, janitor.Notify, "lease ends soon", expires.Add(72 * time.Hour)},
		{"warned late, notice not yet over", expires.Add(48*time.Hour + time.Hour), janitor.Notebook{LastActivity: used, LastSync: saved, NotifiedAt: expires.Add(48 * time.Hour)}, janitor.Keep, "owner warned late; waiting the full notice", expires.Add(72 * time.Hour)},
		{"warned late, notice over", expires.Add(72 * time.Hour), janitor.Notebook{LastActivity: used, LastSync: saved, NotifiedAt: expires.Add(48 * time.Hour)}, janitor.Terminate, "lease ended; owner warned; workspace saved", time.Time{}},
		{"warned for an older lease, then used again", used.Add(10*24*time.Hour - 23*time.Hour), janitor.Notebook{LastActivity: used.Add(3 * 24 * time.Hour), NotifiedAt: warnFrom}, janitor.Notify, "lease ends soon", used.Add(10*24*time.Hour + time.Hour)},
		{"sync failed", expires.Add(time.Hour), janitor.Notebook{LastActivity: used, NotifiedAt: warnFrom, LastSync: saved, LastSyncFailed: true}, janitor.Keep, "last workspace sync failed: terminating could lose work", time.Time{}},
		{"never synced", expires.Add(time.Hour), janitor.Notebook{LastActivity: used, NotifiedAt: warnFrom}, janitor.Keep, "workspace last saved 0001-01-01T00:00:00Z, before the last activity", time.Time{}},
		{"synced before the last activity", expires.Add(time.Hour), janitor.Notebook{LastActivity: used, NotifiedAt: warnFrom, LastSync: used.Add(-time.Minute)}, janitor.Keep, "workspace last saved 2026-11-01T08:59:00Z, before the last activity", time.Time{}},
		{"synced exactly at the last activity", expires, janitor.Notebook{LastActivity: used, NotifiedAt: warnFrom, LastSync: used}, janitor.Terminate, "lease ended; owner warned; workspace saved", time.Time{}},
		{"running past its lease, warned, saved", expires.Add(time.Hour), janitor.Notebook{LastActivity: used, NotifiedAt: warnFrom, LastSync: saved, Running: true}, janitor.Keep, "running: in use", time.Time{}},
		{"clock behind the last activity", used.Add(-time.Hour), janitor.Notebook{LastActivity: used}, janitor.Keep, "lease runs", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.nb.Name = "SC-123456789012-pp-abc"
			d := janitor.Decide(tc.now, policy, tc.nb)
			assert.Equal(t, tc.want, d.Action)
			assert.Equal(t, tc.reason, d.Reason)
			assert.Equal(t, tc.after, d.TerminateAfter)
			assert.Equal(t, tc.nb.LastActivity.Add(policy.Lease), d.LeaseExpiresAt)
			// Deciding again with the same facts decides the same.
			assert.Equal(t, d, janitor.Decide(tc.now, policy, tc.nb))
		})
	}
}

// A warning is recorded once: the next run keeps the notebook until the notice is over.
func TestNotifyThenTerminate(t *testing.T) {
	policy := janitor.Policy{Lease: 72 * time.Hour, NotifyBefore: 12 * time.Hour}
	used := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	nb := janitor.Notebook{Name: "nb", LastActivity: used, LastSync: used}
	var actions []janitor.Action
	for now := used; now.Before(used.Add(96 * time.Hour)); now = now.Add(time.Hour) {
		d := janitor.Decide(now, policy, nb)
		if len(actions) == 0 || actions[len(actions)-1] != d.Action {
			actions = append(actions, d.Action)
		}
		switch d.Action {
		case janitor.Notify:
			nb.NotifiedAt = now
		case janitor.Terminate:
			assert.False(t, now.Before(nb.NotifiedAt.Add(policy.NotifyBefore)), "never before the full notice")
			assert.False(t, now.Before(used.Add(policy.Lease)), "never before the lease ends")
		}
	}
	assert.Equal(t, []janitor.Action{janitor.Keep, janitor.Notify, janitor.Keep, janitor.Terminate}, actions)
}

func TestDecisionIsStructuredJSON(t *testing.T) {
	d := janitor.Decide(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), janitor.Policy{Lease: time.Hour, NotifyBefore: time.Minute},
		janitor.Notebook{Name: "nb", LastActivity: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)})
	body, err := json.Marshal(d)
	require.NoError(t, err)
	assert.JSONEq(t, `{"notebook":"nb","action":"notify","reason":"lease ends soon","now":"2026-11-26T00:00:00Z",
		"leaseExpiresAt":"2026-11-25T01:00:00Z","terminateAfter":"2026-11-26T00:01:00Z","lastActivity":"2026-11-25T00:00:00Z"}`, string(body))
}
