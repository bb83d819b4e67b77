// Package buckets holds the settings the catalog's S3 buckets share: the
// bucket that receives server access logs, and object events sent to
// EventBridge.
package buckets

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Access logs are kept this many days, and replaced versions this many.
const (
	AccessLogsDays        = 365
	AccessLogsVersionDays = 30
)

// NewAccessLogs creates a bucket for S3 server access logs in scope, named
// name (nil: a generated name): S3-managed keys, the only encryption log
// delivery supports; public access blocked; TLS only; versioned;
// bucket-owner-enforced ownership, so log delivery is allowed by the bucket
// policy, not an ACL; kept when the stack is deleted; logs expire after
// AccessLogsDays, replaced versions after AccessLogsVersionDays; object
// events to EventBridge (SendEvents).
func NewAccessLogs(scope constructs.Construct, id string, name *string) awss3.Bucket {
	logs := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		BucketName:        name,
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                          jsii.String("ExpireAccessLogs"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(AccessLogsDays)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(AccessLogsVersionDays)),
		}},
	})
	SendEvents(logs)
	return logs
}

// SendEvents sends the bucket's object-level events to EventBridge's
// default bus (free for AWS service events), where a security team can
// watch them; AWS Control Tower's CT.S3.PR.4 asks for it. It is set on the
// L1 because the L2's eventBridgeEnabled adds a Lambda-backed custom
// resource.
func SendEvents(b awss3.IBucket) {
	b.Node().DefaultChild().(awss3.CfnBucket).SetNotificationConfiguration(&awss3.CfnBucket_NotificationConfigurationProperty{
		EventBridgeConfiguration: &awss3.CfnBucket_EventBridgeConfigurationProperty{EventBridgeEnabled: jsii.Bool(true)},
	})
}
