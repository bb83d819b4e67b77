package main

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datalake-platform/sagemaker-catalog/lambda/janitor"
)

func TestJanitorEnvironment(t *testing.T) {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, tc := range []struct{ days, hours, mode, err string }{
		{"7", "24", "enforce", ""},
		{"0", "24", "enforce", `LEASE_DAYS is "0"`},
		{"seven", "24", "enforce", `LEASE_DAYS is "seven"`},
		{"7", "", "enforce", `NOTICE_HOURS is ""`},
		{"7", "24", "", `MODE is ""`},
		{"7", "24", "off", `MODE is "off"`},
	} {
		t.Setenv("LEASE_DAYS", tc.days)
		t.Setenv("NOTICE_HOURS", tc.hours)
		t.Setenv("MODE", tc.mode)
		t.Setenv("TOPIC_ARN", "arn:aws:sns:eu-west-1:123456789012:notices")
		j, err := newJanitor(aws.Config{Region: "eu-west-1"}, log)
		if tc.err != "" {
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, 7*24*time.Hour, j.Lease)
		assert.Equal(t, 24*time.Hour, j.NotifyBefore)
		assert.Equal(t, janitor.Enforce, j.Mode)
		assert.Equal(t, "arn:aws:sns:eu-west-1:123456789012:notices", j.TopicArn)
		assert.IsType(t, terminator{}, j.Terminator, "Service Catalog's TerminateProvisionedProduct")
	}
}
