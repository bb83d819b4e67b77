package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestComputeByHand(t *testing.T) {
	p := Prices{InstanceHourly: map[string]float64{"ml.t3.medium": 0.05}, MLStorageGBMonth: 0.14, S3StandardGBMonth: 0.023}
	u := Usage{HoursPerDay: 3, WorkingDays: 20, IdleTimeoutHours: 1, VolumeGB: 50, WorkspaceGB: 10, LeaseDays: 7, ForgottenAfterDays: DaysPerMonth / 2}
	rows := Compute(p, u)
	require.Len(t, rows, 1)
	r := rows[0]
	assert.InDelta(t, 730*0.05+50*0.14, r.AlwaysOn, 1e-9)
	assert.InDelta(t, 20*4*0.05+50*0.14, r.StoppedIdle, 1e-9)
	assert.InDelta(t, 20*4*0.05+50*0.14+10*0.023, r.ThisProject, 1e-9)
	assert.InDelta(t, 20*4*0.05/2+50*0.14, r.ForgottenStopped, 1e-9)
	lived := (DaysPerMonth/2 + 8) / DaysPerMonth
	assert.InDelta(t, 20*4*0.05/2+50*0.14*lived+10*0.023, r.ForgottenThisProject, 1e-9)
	// A lease longer than the rest of the month costs a full month of volume.
	u.LeaseDays = 40
	assert.InDelta(t, 20*4*0.05/2+50*0.14+10*0.023, Compute(p, u)[0].ForgottenThisProject, 1e-9)
}

func TestPricesAreComplete(t *testing.T) {
	p, err := Load()
	require.NoError(t, err)
	assert.NotEmpty(t, p.Sources)
	assert.NotEmpty(t, p.AsOf)
	for _, typ := range []string{"ml.t3.medium", "ml.m5.xlarge"} {
		assert.Greater(t, p.InstanceHourly[typ], 0.0, typ)
	}
	assert.Greater(t, p.MLStorageGBMonth, 0.0)
	assert.Greater(t, p.S3StandardGBMonth, 0.0)
}

// The README shows exactly what the program prints: change prices.json,
// run `go run ./cmd/costmodel`, paste.
func TestReadmeTableIsCurrent(t *testing.T) {
	p, err := Load()
	require.NoError(t, err)
	var out bytes.Buffer
	Table(&out, p, DefaultUsage)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), out.String(), "README's cost table is stale: go run ./cmd/costmodel")
}
