// Package checks holds the cdk-nag findings the catalog accepts, each with
// its reason (Suppressions), and records them on a synthesized app's
// resources (Apply), where cdk-nag reads them. The rule packs themselves
// are in checks/nag, so that the app loads cdk-nag only when it runs them.
//
// Suppressions name their resources by construct path below the stack, so
// that the library constructs stay free of cdk-nag; a test synthesizes every
// configuration and fails on a suppression that matches nothing.
package checks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/constructs/workspaces"
	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// Suppression is one cdk-nag finding the catalog accepts, and why.
type Suppression struct {
	// Path is the construct path below the stack.
	Path string
	// Rule is the cdk-nag rule ID, for example "AwsSolutions-IAM5".
	Rule string
	// AppliesTo lists the granular findings (Resource::..., Action::...) it covers.
	AppliesTo []string
	// Reason says why the finding does not apply or what compensates.
	Reason string
}

const inlinePolicyReason = "The policy is inline on purpose: it lives and dies with this one role, " +
	"cannot be attached to any other principal, and is in place before anything can assume the role. " +
	"Its statements are generated and reviewed in code and tests; a managed policy would add a second " +
	"resource and an ordering gap, not control."

// Catalog lists every cdk-nag finding a hub or spoke stack (stacks.Hub,
// stacks.Spoke) suppresses, with the reason, for the resources it has;
// docs/security.md lists them. dataBucketArns are the configured data-lake
// buckets (their object ARNs appear in the notebook policies).
func Catalog(stack awscdk.Stack, catalog string, dataBucketArns []string) []Suppression {
	has := func(path string) bool { return find(stack, path) != nil }
	bucket := ""
	if b := find(stack, "Workspaces/Bucket"); b != nil {
		bucket = *stack.GetLogicalId(b.Node().DefaultChild().(awscdk.CfnElement))
	}
	return catalogSuppressions(has, bucket, catalog, dataBucketArns)
}

// catalogSuppressions lists the suppressions of a catalog stack that has
// the constructs has reports, whose workspace bucket has the logical ID
// bucket.
func catalogSuppressions(has func(string) bool, bucket, catalog string, dataBucketArns []string) []Suppression {
	// finding is how cdk-nag names a resource ARN of this stack.
	finding := func(service, rest string) string {
		return "Resource::arn:<AWS::Partition>:" + service + ":<AWS::Region>:<AWS::AccountId>:" + rest
	}
	noInline := func(path string) []Suppression {
		var out []Suppression
		for _, pack := range []string{"HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"} {
			out = append(out, Suppression{Path: path, Rule: pack + "-IAMNoInlinePolicy", Reason: inlinePolicyReason})
		}
		return out
	}
	var out []Suppression
	out = append(out, noInline("LaunchRole")...)
	out = append(out,
		Suppression{"LaunchRole", "AwsSolutions-IAM5", []string{"Resource::*"},
			"Only three statements use Resource *: cloudformation:GetTemplateSummary and ValidateTemplate (no resource-level " +
				"permissions for a template body or URL), s3:GetObject limited by the condition " +
				"s3:ExistingObjectTag/servicecatalog:provisioning=true (AWS's documented launch-role statement; the template copy " +
				"is in a bucket Service Catalog owns), and six EC2 Describe actions (no resource-level permissions)."},
		Suppression{"LaunchRole", "AwsSolutions-IAM5", []string{finding("cloudformation", "stack/SC-*"), finding("cloudformation", "changeSet/SC-*")},
			"Service Catalog names every provisioned product's stack SC-<account>-pp-<id>: the role manages those stacks and their change sets only."},
		Suppression{"LaunchRole", "AwsSolutions-IAM5", []string{
			finding("sagemaker", "notebook-instance/sc-*"), finding("sagemaker", "notebook-instance-lifecycle-config/sc-*"),
			finding("sagemaker", "notebook-instance/SC-*"), finding("sagemaker", "notebook-instance-lifecycle-config/SC-*")},
			"The product names its notebook and lifecycle configuration after its SC-* stack (SageMaker authorizes creates against " +
				"the name as given and lower-cases ARNs, so both spellings); " +
				"creation is further limited by SageMaker condition keys (root access, internet access, IMDSv2, volume key, " +
				"instance types, subnets, security groups)."},
		Suppression{"LaunchRole", "AwsSolutions-IAM5", []string{finding("ec2", "network-interface/*")},
			"SageMaker creates the notebook's network interface, whose ID is not known in advance; the condition ec2:Subnet " +
				"limits it to the catalog's subnets."},
	)
	out = append(out, leaseSuppressions(bucket, catalog, dataBucketArns, finding, noInline)...)
	if has("AnalystRole") {
		out = append(out, noInline("AnalystRole")...)
		out = append(out, Suppression{"AnalystRole", "AwsSolutions-IAM5", []string{"Resource::*"},
			"servicecatalog:SearchProducts and the provisioned-product actions have no resource-level permissions; " +
				"SearchProducts shows only this portfolio's products, and the provisioned-product actions are limited by " +
				"servicecatalog:userLevel=self to what the analyst launched."},
			Suppression{"AnalystRole", "AwsSolutions-IAM5", []string{finding("sagemaker", "notebook-instance/sc-*")},
				"Opening a notebook is limited to catalog notebooks (sc-*) whose sagemaker-catalog:owner-id tag, written by " +
					"the workspace function at launch, equals the caller's aws:userid: their own, as a person."},
			Suppression{"AnalystRole", "AwsSolutions-IAM5", []string{finding("cloudformation", "stack/SC-*")},
				"Self-service actions: the console lists a provisioned stack's resources (the action's target) with the " +
					"analyst's credentials; Service Catalog names those stacks SC-<account>-pp-<id>."})
		if !has("Portfolio") {
			// A spoke: the shared product's ID is the hub's, which the spoke is not told.
			out = append(out, Suppression{"AnalystRole", "AwsSolutions-IAM5", []string{finding("catalog", "product/*")},
				"In an account the portfolio is shared with, the product statements name the account's products: the " +
					"portfolio share decides which products an analyst sees and may launch (the hub's product ID is not " +
					"part of the spoke's configuration)."})
		}
	}
	if has("Network/Vpc") {
		out = append(out, noInline("Network/Vpc/FlowLog/IAMRole")...)
	}
	if has("Network/S3PrefixListRole") {
		out = append(out, prefixListSuppressions(noInline)...)
	}
	for _, id := range []string{"Stop", "Start"} {
		path := "NotebookActions/" + id + "Policy"
		if !has(path) {
			continue
		}
		out = append(out, noInline(path)...)
		out = append(out, Suppression{path, "AwsSolutions-IAM5", []string{
			"Resource::*",
			finding("sagemaker", "notebook-instance/sc-*"),
			finding("ssm", "automation-execution/*"),
			`/^Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:automation-definition\/<NotebookActions` + id + `Document[A-F0-9]+>:\*$/`,
		}, "The action's role calls one SageMaker API (with DescribeNotebookInstance and ListTags for its owner check) on " +
			"catalog notebooks (sc-*); its automation acts on the one notebook Service Catalog passes, from a provisioned " +
			"product the caller owns. Service Catalog starts every version of the action's own document with it (the new " +
			"execution, whose ID is not known in advance, is a resource of that call too); the " +
			"script reads its own execution, whose ID is not known in advance, and checks the notebook's provisioned product's " +
			"records in progress (servicecatalog:ListRecordHistory has no resource-level permissions)."})
		if id == "Start" {
			out = append(out, Suppression{path, "AwsSolutions-IAM5", []string{
				"Resource::*",
				finding("ec2", "network-interface/*"),
				"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role" + names.NotebookRolePath(catalog, "<AWS::Region>") + "*",
			}, "Starting a notebook does with its caller's permissions what creating it did: it passes the notebook's role " +
				"(the catalog's notebook roles, only to SageMaker), creates its network interface (whose ID is not known in " +
				"advance; ec2:Subnet limits it to the catalog's subnets) and describes the network (EC2 Describe actions " +
				"have no resource-level permissions)."})
		}
	}
	return out
}

// leaseSuppressions are the findings of the workspace bucket, the notebook
// policies and the functions, and why they do not apply.
func leaseSuppressions(bucket, catalog string, dataBucketArns []string, finding func(service, rest string) string, noInline func(string) []Suppression) []Suppression {
	var out []Suppression
	workspaceBucket := "Resource::<" + bucket + ".Arn>"
	// A function's log group ends with the stack instance
	// (internal/arns.StackInstance), which cdk-nag prints as its intrinsic.
	logStreams := func(group string) string {
		return finding("logs", "log-group:"+group+`/{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}:log-stream:*`)
	}
	replication := "Versioning keeps every replaced or deleted version for 30 days, which is what protects the work " +
		"against mistakes; a replica in another region is an organisation's choice of cost and data residency " +
		"(add a replication rule to the bucket where one is required)."
	for _, pack := range []string{"HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"} {
		out = append(out,
			Suppression{"Workspaces/Bucket", pack + "-S3BucketReplicationEnabled", nil, replication},
			Suppression{"Workspaces/AccessLogs", pack + "-S3BucketReplicationEnabled", nil, "An access-log bucket: " + replication},
			Suppression{"Workspaces/AccessLogs", pack + "-S3DefaultEncryptionKMS", nil,
				"S3 delivers server access logs only to buckets encrypted with S3-managed keys (SSE-S3), not SSE-KMS."},
			Suppression{"Janitor/Function", pack + "-LambdaInsideVPC", nil, lambdaOutsideVpc},
			Suppression{"Workspaces/Function", pack + "-LambdaInsideVPC", nil, lambdaOutsideVpc},
		)
		if pack != "PCI.DSS.321" {
			out = append(out, Suppression{"Workspaces/Function", pack + "-LambdaDLQ", nil,
				"CloudFormation invokes it synchronously for the Custom::Workspace resource and reports a failure on the " +
					"provisioned stack; an asynchronous dead-letter queue would never receive anything."})
		}
	}
	var dataObjects []string
	for _, o := range workspaces.DataObjectArns(dataBucketArns) {
		dataObjects = append(dataObjects, "Resource::"+o)
	}
	owner := "<aws:PrincipalTag/" + names.TagOwner + ">"
	boundaryWildcards := append([]string{
		"Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/NotebookInstances:log-stream:" + names.NotebookNamePrefix + "*",
		finding("sagemaker", "notebook-instance/"+names.NotebookNamePrefix+"*"),
		workspaceBucket + "/" + names.WorkspacePrefix + owner + "/*",
		workspaceBucket + "/" + names.StatusPrefix + owner + "/*",
	}, dataObjects...)
	dataReason := "The data-lake object ARNs are the buckets and prefixes the platform team configured (dataBucketArns), " +
		"the same for every notebook."
	boundaryReason := "Everything a notebook role may ever do: its own owner's workspace and status (the owner its role is " +
		"tagged with, aws:PrincipalTag), log streams and stopping of catalog notebooks (sc-*), which each role's own " +
		"policy narrows to its own notebook; the data-lake object ARNs are the configured buckets and prefixes."
	out = append(out,
		Suppression{"Workspaces/NotebookBoundary", "AwsSolutions-IAM5", boundaryWildcards, boundaryReason},
		Suppression{"LaunchRole", "AwsSolutions-IAM5", []string{"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role" + names.NotebookRolePath(catalog, "<AWS::Region>") + "*"},
			"Each notebook's role is created by its template under the catalog's path, with a name CloudFormation " +
				"generates; creating and changing one requires the catalog's permissions boundary (iam:PermissionsBoundary) " +
				"and attaching only the catalog's notebook policy (iam:PolicyARN), and the boundary can never be removed."},
	)
	if len(dataObjects) > 0 {
		out = append(out, Suppression{"Workspaces/NotebookPolicy", "AwsSolutions-IAM5", dataObjects, dataReason})
	}
	for _, id := range []string{"Janitor/FunctionRole", "Workspaces/FunctionRole", "Janitor/ScheduleRole"} {
		out = append(out, noInline(id)...)
	}
	out = append(out,
		Suppression{"Janitor/FunctionRole", "AwsSolutions-IAM5", []string{
			"Resource::*",
			finding("sagemaker", "notebook-instance/sc-*"),
			workspaceBucket + "/" + names.StatusPrefix + "*",
			logStreams(names.FunctionLogGroups(catalog) + "janitor"),
		}, "ListNotebookInstances, DescribeProvisionedProduct and TerminateProvisionedProduct have no resource-level " +
			"permissions (the janitor terminates only the provisioned products Service Catalog reports as launched with " +
			"the catalog's launch role, from its product); it reads the tags of catalog notebooks (sc-*) and may add only " +
			"its notice tag (aws:TagKeys); it reads only the sync status objects (status/*), apart from the workspaces; " +
			"its log streams are named by Lambda."},
		Suppression{"Workspaces/FunctionRole", "AwsSolutions-IAM5", []string{
			finding("cloudformation", "stack/SC-*/*"),
			logStreams(names.FunctionLogGroups(catalog) + "workspace"),
			"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*",
			"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*",
		}, "It reads the tags of the stack that calls it: Service Catalog names those stacks SC-<account>-pp-<id> " +
			"(the stack ID follows); its log streams are named by Lambda; it reads the role or user that launched the " +
			"notebook (iam:GetRole, iam:GetUser: the unique ID that aws:userid carries), which may be any principal of " +
			"the account the portfolio admits (principal patterns), and reading one changes nothing."},
	)
	return out
}

// prefixListSuppressions are the findings of the S3 prefix list lookup
// (network.Network: the CDK's AwsCustomResource provider and its role),
// and why they do not apply.
func prefixListSuppressions(noInline func(string) []Suppression) []Suppression {
	const provider = "AWS679f53fac002430cb0da5b7982bd2287"
	out := noInline("Network/S3PrefixListRole")
	out = append(out, Suppression{"Network/S3PrefixListRole", "AwsSolutions-IAM5", []string{
		"Resource::*",
		`/^Resource::<NetworkS3PrefixListLogs[A-F0-9]+\.Arn>:log-stream:\*$/`,
	}, "ec2:DescribeManagedPrefixLists supports no resource-level permissions (Service Authorization Reference, Amazon EC2); " +
		"it is the role's only action besides writing its own log group's streams, whose names Lambda chooses."})
	for _, pack := range []string{"HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"} {
		out = append(out, Suppression{provider, pack + "-LambdaInsideVPC", nil, "The CDK's AwsCustomResource provider looks up S3's " +
			"managed prefix list for the notebooks' security group, during deployments only. Inside the VPC it would need an EC2 " +
			"interface endpoint (about $15 a month) and CloudFormation's response bucket through the S3 endpoint; its role may " +
			"call one Describe action and write its own logs, so its network adds nothing to contain."})
		if pack != "PCI.DSS.321" {
			out = append(out,
				Suppression{provider, pack + "-LambdaConcurrency", nil, "It runs only when CloudFormation creates or updates " +
					"the lookup (once per deployment that changes it): nothing to throttle."},
				Suppression{provider, pack + "-LambdaDLQ", nil, "CloudFormation waits for the custom resource's response and " +
					"fails the deployment on an error; an asynchronous dead-letter queue would never receive anything."})
		}
	}
	return out
}

const lambdaOutsideVpc = "The function calls only AWS APIs and keeps no data; inside the VPC it would need interface " +
	"endpoints for Service Catalog, SNS, CloudFormation and SageMaker's control plane, at a monthly cost per endpoint " +
	"and zone, for no isolation gain: its role, not its network, limits what it can reach."

// Suppress records suppressions on the CloudFormation resources
// under the constructs of stack they name, in the metadata cdk-nag reads
// ("cdk_nag": {"rules_to_suppress": [...]}), as cdk-nag's
// NagSuppressions.addResourceSuppressions(construct, rules, true) does. Writing
// it directly keeps cdk-nag out of every synthesis that runs no pack.
func Suppress(stack awscdk.Stack, suppressions []Suppression) {
	type resource struct {
		cfn   awscdk.CfnResource
		rules []any
		seen  map[string]bool
	}
	var order []string
	resources := map[string]*resource{}
	byPath := map[string][]Suppression{}
	var paths []string
	for _, sup := range suppressions {
		if _, ok := byPath[sup.Path]; !ok {
			paths = append(paths, sup.Path)
		}
		byPath[sup.Path] = append(byPath[sup.Path], sup)
	}
	for _, path := range paths {
		node := find(stack, path)
		if node == nil {
			panic(fmt.Errorf("%s: a cdk-nag suppression names %s, which the stack does not have", *stack.Node().Path(), path))
		}
		for _, c := range *node.Node().FindAll(constructs.ConstructOrder_PREORDER) {
			cfn, ok := c.(awscdk.CfnResource)
			if !ok {
				continue
			}
			key := *c.Node().Path()
			r := resources[key]
			if r == nil {
				r = &resource{cfn: cfn, seen: map[string]bool{}}
				resources[key] = r
				order = append(order, key)
			}
			for _, sup := range byPath[path] {
				rule := map[string]any{"reason": sup.Reason, "id": sup.Rule}
				if len(sup.AppliesTo) > 0 {
					appliesTo := make([]any, len(sup.AppliesTo))
					for i, a := range sup.AppliesTo {
						// "/.../" is a regular expression, as cdk-nag accepts it.
						if strings.HasPrefix(a, "/") && strings.HasSuffix(a, "/") {
							appliesTo[i] = map[string]any{"regex": a + "g"}
						} else {
							appliesTo[i] = a
						}
					}
					rule["applies_to"] = appliesTo
				}
				if id := fmt.Sprint(rule); !r.seen[id] {
					r.seen[id] = true
					r.rules = append(r.rules, rule)
				}
			}
		}
	}
	for _, key := range order {
		r := resources[key]
		r.cfn.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": r.rules})
	}
}

const (
	pipelineRoleReason = "CDK Pipelines generates this role and its default policy, scoped by the CDK to the one step it " +
		"serves (the pipeline's artifact bucket and key, its CodeBuild projects, the CDK bootstrap roles); the policy is inline " +
		"because it belongs to that one role."
	codeBuildSourceReason = "The project's source is CodePipeline (source type CODEPIPELINE): no repository URL and no " +
		"credentials are stored in the project; the repository is read through a CodeStar/CodeConnections connection."
)

// Pipeline lists every cdk-nag finding the pipeline stack (stacks.PipelineStack)
// suppresses: all are in resources CDK Pipelines generates, some named after
// the source repository (owner/name). The catalog stacks of its stages
// carry their own (Catalog).
func Pipeline(repository string) []Suppression {
	var out []Suppression
	noInline := func(path string) {
		for _, pack := range []string{"HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"} {
			out = append(out, Suppression{Path: path, Rule: pack + "-IAMNoInlinePolicy", Reason: pipelineRoleReason})
		}
	}
	for _, role := range []string{"Pipeline/Pipeline/Role", "Pipeline/Pipeline/Build/Synth/CdkBuildProject/Role",
		"Pipeline/UpdatePipeline/SelfMutation/Role", "Pipeline/Assets/FileRole", "Pipeline/CodeBuildActionRole",
		"Pipeline/Pipeline/Source/" + strings.ReplaceAll(repository, "/", "_") + "/CodePipelineActionRole"} {
		noInline(role)
	}
	out = append(out,
		Suppression{"Pipeline", "AwsSolutions-IAM5", []string{
			"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
			"Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
			`/^Resource::<PipelineArtifactsBucket[A-Z0-9]+\.Arn>\/\*$/`,
			// Deploying to another region adds a replication bucket there (the CDK
			// truncates its generated name).
			`/^Resource::arn:[^:]+:s3:::[a-z0-9.-]*eplicationbucket[a-z0-9]*\/\*$/`,
		}, "The CDK's grant helpers (bucket.grantReadWrite, key.grantEncryptDecrypt) on the pipeline's own artifact " +
			"buckets (and cross-region replication buckets) and their KMS keys, and on nothing else."},
		Suppression{"Pipeline", "AwsSolutions-IAM5", []string{
			`/^Resource::arn:[^:]+:codebuild:[^:]+:[0-9]+:report-group\/.*$/`,
			`/^Resource::arn:[^:]+:logs:[^:]+:[0-9]+:log-group:\/aws\/codebuild\/.*$/`,
		}, "CodeBuild names a project's log streams and report groups after the build; the CDK limits them to the " +
			"pipeline's own projects (or /aws/codebuild, where CodeBuild writes)."},
		Suppression{"Pipeline", "AwsSolutions-IAM5", []string{`/^Resource::arn:\*:iam::[0-9]{12}:role\/\*$/`},
			"sts:AssumeRole on the CDK bootstrap roles only: the CDK's condition iam:ResourceTag/aws-cdk:bootstrap-role " +
				"(deploy, file-publishing, image-publishing) selects them."},
		Suppression{"Pipeline", "AwsSolutions-IAM5", []string{"Resource::*"},
			"cloudformation:DescribeStacks and s3:ListBucket (self-mutation) and codebuild:StartBuild/BatchGetBuilds/StopBuild " +
				"(asset publishing) as the CDK writes them; the self-mutation's real power is the bootstrap deploy role it assumes."},
	)
	for _, project := range []string{"Pipeline/Pipeline/Build/Synth/CdkBuildProject", "Pipeline/UpdatePipeline/SelfMutation", "Pipeline/Assets"} {
		for _, pack := range []string{"HIPAA.Security", "PCI.DSS.321"} {
			out = append(out, Suppression{Path: project, Rule: pack + "-CodeBuildProjectSourceRepoUrl", Reason: codeBuildSourceReason})
		}
	}
	out = append(out, ArtifactStore("Pipeline/Pipeline/ArtifactsBucket")...)
	return out
}

// CrossRegionSupport lists the findings of a cross-region support stack
// the pipeline adds for each other region a stage deploys to: the CDK's
// replication bucket and the bucket of its access logs.
func CrossRegionSupport() []Suppression {
	return ArtifactStore("Default/CrossRegionCodePipelineReplicationBucket")
}

// artifactsReason explains why a pipeline's artifact bucket has no replica.
const artifactsReason = "The pipeline's artifacts are transient build outputs, made again from the repository on every run and " +
	"expired after 30 days; the bucket is versioned, logs its access, is encrypted with the pipeline's rotating KMS key, blocks " +
	"public access and enforces TLS. A replica in another region would protect nothing that is not in the repository already."

// artifactsAccessLogsReason explains why the bucket of an artifact bucket's
// access logs has no replica.
const artifactsAccessLogsReason = "The bucket receives the server access logs of the pipeline's artifact bucket in its region " +
	"(stacks.PipelineStack.AccessLogs); it is versioned and kept when the stack is deleted. A replica in another region is an " +
	"organisation's choice of cost and data residency (add a replication rule to the bucket where one is required)."

// ArtifactStore lists the findings of a pipeline's artifact bucket at path
// and of the bucket beside it, ArtifactsAccessLogs, that receives its
// server access logs.
func ArtifactStore(path string) []Suppression {
	var out []Suppression
	for _, pack := range []string{"HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"} {
		out = append(out,
			Suppression{path, pack + "-S3BucketReplicationEnabled", nil, artifactsReason},
			Suppression{"ArtifactsAccessLogs", pack + "-S3BucketReplicationEnabled", nil, artifactsAccessLogsReason},
			Suppression{"ArtifactsAccessLogs", pack + "-S3DefaultEncryptionKMS", nil,
				"S3 delivers server access logs only to buckets encrypted with S3-managed keys (SSE-S3), not SSE-KMS."},
		)
	}
	return out
}

// find returns the construct at path below stack, or nil.
func find(stack awscdk.Stack, path string) constructs.IConstruct {
	var node constructs.IConstruct = stack
	for _, part := range strings.Split(path, "/") {
		if node = node.Node().TryFindChild(jsii.String(part)); node == nil {
			return nil
		}
	}
	return node
}

// Apply records the suppressions on every catalog and pipeline stack under
// scope (an App or a Stage): Catalog for the stacks that hold a notebook
// product, Pipeline for the pipeline stack, CrossRegionSupport for a
// cross-region support stack. Without the packs (checks/nag) they are inert
// metadata.
func Apply(scope constructs.IConstruct, catalog, repository string, dataBucketArns []string) {
	for _, c := range *scope.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		stack, ok := c.(awscdk.Stack)
		if !ok {
			continue
		}
		switch {
		case find(stack, "NotebookProduct") != nil && find(stack, "Workspaces") != nil:
			Suppress(stack, Catalog(stack, catalog, dataBucketArns))
		case find(stack, "Pipeline/Pipeline") != nil:
			Suppress(stack, Pipeline(repository))
		case strings.HasPrefix(*c.Node().Id(), "cross-region-stack-"):
			Suppress(stack, CrossRegionSupport())
		}
	}
}
