package stacks

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/datalake-platform/sagemaker-catalog/constructs/notebook"
	"github.com/datalake-platform/sagemaker-catalog/constructs/principals"
	"github.com/datalake-platform/sagemaker-catalog/constructs/product"
	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// Config is the catalog's configuration. The app reads it from CDK context
// (ParseContext); the zero value of a field means its default.
type Config struct {
	// StackName names the catalog stack; also the SSM path of its shared values.
	StackName string
	// PortfolioName and ProviderName are shown to analysts.
	PortfolioName string
	ProviderName  string
	// PrincipalArns are IAM role, user and group ARNs given access to the portfolio.
	PrincipalArns []string
	// PrincipalPatterns are IAM_PATTERN ARNs (wildcards, empty account field).
	PrincipalPatterns []string
	// AllowedInstanceTypes and DefaultInstanceType shape the launch form.
	AllowedInstanceTypes []string
	DefaultInstanceType  string
	// DefaultVolumeSizeGB and MaxVolumeSizeGB bound the volume size.
	DefaultVolumeSizeGB int
	MaxVolumeSizeGB     int
	// IdleTimeoutMinutes is the default idle time before a notebook stops;
	// MaxIdleTimeoutMinutes the longest an analyst may choose.
	IdleTimeoutMinutes    int
	MaxIdleTimeoutMinutes int
	// LeaseDays is the default lease: a notebook unused this many days is
	// terminated (its workspace is kept); MaxLeaseDays the longest an
	// analyst may choose. LeaseNoticeHours is how long before termination
	// the owner is warned.
	LeaseDays        int
	MaxLeaseDays     int
	LeaseNoticeHours int
	// JanitorMode is "enforce", "notify-only" or "dry-run".
	JanitorMode string
	// IdleIgnoresConnections lets an idle notebook stop while a browser is
	// still connected to a kernel.
	IdleIgnoresConnections bool
	// SubnetIds and SecurityGroupIds place notebooks in an existing network;
	// empty means the stack creates a VPC.
	SubnetIds        []string
	SecurityGroupIds []string
	// KmsKeyArn encrypts notebook volumes; empty means the stack creates a key.
	KmsKeyArn string
	// DataBucketArns are the data-lake buckets notebooks may read.
	DataBucketArns []string
	// DataAccess is "read" or "read-write".
	DataAccess string
	// SupportEmail, SupportUrl and SupportDescription tell analysts where to get help.
	SupportEmail       string
	SupportUrl         string
	SupportDescription string
	// CostCenters and Projects are the TagOptions analysts choose from.
	CostCenters []string
	Projects    []string
	// Nag checks the app with the cdk-nag packs during synthesis.
	Nag bool
	// NotifyStackEvents creates an encrypted SNS topic that receives the
	// provisioned stacks' events (a launch notification constraint).
	NotifyStackEvents bool
	// ShareWithAccounts are the accounts the hub shares its portfolio with.
	ShareWithAccounts []string
	// ImportPortfolioId makes this deployment a spoke: it accepts the hub's
	// shared portfolio of this ID instead of creating one.
	ImportPortfolioId string
	// ProductVersion names the notebook product's current version;
	// PreviousProductVersions are the released versions kept in the product.
	ProductVersion          string
	PreviousProductVersions []string
	// Pipeline, when set, deploys the catalog through CDK Pipelines.
	Pipeline *PipelineConfig
	// Context holds the context values the configuration was parsed from
	// (keys given explicitly only), so that a pipeline can synthesize with
	// the same ones.
	Context map[string]string
	// ProductVersionsDir holds the versions' snapshots. NewCatalogStack needs
	// it absolute; the app resolves the context value against the working
	// directory (where cdk.json is).
	ProductVersionsDir string
}

// ContextKey documents one CDK context key.
type ContextKey struct {
	Name    string
	Default string
	Allowed string
}

// ContextKeys are the context keys the app reads, with their defaults (the
// same as in cdk.json) and what they allow. Lists are comma-separated.
var ContextKeys = []ContextKey{
	{"stackName", "SageMakerCatalog", "a CloudFormation stack name: a letter, then letters, digits and hyphens, at most 100 characters"},
	{"portfolioName", "SageMaker notebooks", "1-100 characters"},
	{"providerName", "Data platform team", "1-50 characters"},
	{"principalArns", "", "IAM role, user or group ARNs (arn:aws:iam::123456789012:role/name); empty with no principalPatterns creates an analyst role"},
	{"principalPatterns", "", "up to 10 IAM_PATTERN ARNs with an empty account field (arn:aws:iam:::role/path/Name_*)"},
	{"allowedInstanceTypes", strings.Join(notebook.DefaultAllowedInstanceTypes, ","), "SageMaker notebook instance types (ml.t3.medium, ...), each once"},
	{"defaultInstanceType", notebook.DefaultInstanceType, "one of allowedInstanceTypes"},
	{"defaultVolumeSizeGB", strconv.Itoa(notebook.DefaultVolumeSizeGB), "a whole number of GB from 5 to maxVolumeSizeGB"},
	{"maxVolumeSizeGB", strconv.Itoa(notebook.DefaultMaxVolumeSizeGB), "a whole number of GB from 5 to 16384"},
	{"idleTimeoutMinutes", strconv.Itoa(notebook.DefaultIdleTimeoutMinutes), "a whole number of minutes from 5 to maxIdleTimeoutMinutes"},
	{"maxIdleTimeoutMinutes", strconv.Itoa(notebook.DefaultMaxIdleTimeoutMinutes), "a whole number of minutes from idleTimeoutMinutes to 1440"},
	{"leaseDays", strconv.Itoa(notebook.DefaultLeaseDays), "a whole number of days from 1 to maxLeaseDays: a notebook unused this long is terminated (its workspace is kept)"},
	{"maxLeaseDays", strconv.Itoa(notebook.DefaultMaxLeaseDays), "a whole number of days from leaseDays to 365: the longest lease an analyst may choose"},
	{"leaseNoticeHours", "24", "a whole number of hours from 1 to 168: owners are warned this long before their notebook is terminated"},
	{"janitorMode", "enforce", `"enforce" (warn, then terminate), "notify-only" (warn, never terminate) or "dry-run" (decide and log only)`},
	{"idleIgnoresConnections", "true", `"true": an idle notebook stops even with a browser tab still open; "false": an open browser keeps it running`},
	{"subnetIds", "", "private subnet IDs (subnet-0123456789abcdef0); empty creates a VPC; requires securityGroupIds"},
	{"securityGroupIds", "", "1-5 security group IDs (sg-0123456789abcdef0); only with subnetIds"},
	{"kmsKeyArn", "", "a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); empty creates a key"},
	{"dataBucketArns", "", "S3 bucket ARNs (arn:aws:s3:::bucket), optionally with a key prefix (arn:aws:s3:::bucket/prefix)"},
	{"dataAccess", "read", `"read" or "read-write"`},
	{"supportEmail", "", "an e-mail address (team@example.com)"},
	{"supportUrl", "", "an https:// URL"},
	{"supportDescription", "", "at most 8191 characters"},
	{"costCenters", "analytics", "TagOption values for the CostCenter tag, each once"},
	{"projects", "datalake", "TagOption values for the Project tag, each once"},
	{"nag", "false", `"true" to check the app with the cdk-nag packs during synthesis, or "false"`},
	{"shareWithAccounts", "", "12-digit AWS account IDs to share the portfolio (and its TagOptions) with"},
	{"importPortfolioId", "", "port-... : deploy a spoke that accepts this portfolio shared by the hub; requires principalArns or principalPatterns"},
	{"notifyStackEvents", "false", `"true" to send the provisioned stacks' events to an encrypted SNS topic, or "false"`},
	{"pipelineConnectionArn", "", "a CodeStar/CodeConnections connection ARN (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID): deploy through a CDK pipeline"},
	{"pipelineRepository", "", "the source repository as owner/name, with pipelineConnectionArn"},
	{"pipelineBranch", "main", "the branch the pipeline follows"},
	{"pipelineEnvironment", "", "ACCOUNT/REGION of the pipeline itself, with pipelineConnectionArn"},
	{"deployEnvironments", "", "NAME=ACCOUNT/REGION stages the pipeline deploys, in order, with pipelineConnectionArn"},
	{"productVersion", "v1", "the notebook product's current version name: 1-100 letters, digits, dots, hyphens or underscores"},
	{"previousProductVersions", "", "released version names kept in the product (their snapshots must exist), oldest first, without productVersion"},
	{"productVersionsDir", "product-versions", "the directory of the versions' snapshots, relative to cdk.json's directory or absolute"},
}

var (
	stackNamePattern   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,99}$`)
	versionPattern     = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	accountPattern     = regexp.MustCompile(`^[0-9]{12}$`)
	portfolioIdPattern = regexp.MustCompile(`^port-[a-z0-9]{13}$`)
	subnetPattern      = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	sgPattern          = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
	kmsKeyPattern      = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
	bucketArnPattern   = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/[A-Za-z0-9!_.*'()/-]*)?$`)
	partitionPattern   = regexp.MustCompile(`^arn:([^:]*):`)
)

// DefaultConfig returns the configuration on embedded defaults.
func DefaultConfig() Config {
	c, err := ParseContext(nil)
	if err != nil {
		panic(err) // the defaults are constants and tested
	}
	return c
}

// ParseContext builds a Config from context values: each key missing from
// values takes its default. It returns every problem found, one per line,
// each naming the key, the value and what is allowed. It never panics.
func ParseContext(values map[string]string) (Config, error) {
	p := check.New("context")
	get := func(key string) string {
		if v, ok := values[key]; ok {
			return strings.TrimSpace(v)
		}
		for _, k := range ContextKeys {
			if k.Name == key {
				return k.Default
			}
		}
		panic("unknown context key " + key)
	}
	list := func(key string) []string {
		raw := get(key)
		if raw == "" {
			return nil
		}
		var out []string
		seen := map[string]bool{}
		for _, item := range strings.Split(raw, ",") {
			item = strings.TrimSpace(item)
			switch {
			case item == "":
				p.Add(key, raw, "a comma-separated list without empty items")
				return nil
			case seen[item]:
				p.Add(key, item, "each item may appear once")
			}
			seen[item] = true
			out = append(out, item)
		}
		return out
	}
	valid := map[string]bool{} // numbers that parsed and are in range
	number := func(key string, lo, hi int) int {
		raw := get(key)
		n, err := strconv.Atoi(raw)
		if err != nil || n < lo || n > hi {
			p.Add(key, raw, fmt.Sprintf("a whole number from %d to %d", lo, hi))
			return lo
		}
		valid[key] = true
		return n
	}
	text := func(key string, lo, hi int) string {
		s := get(key)
		if n := len([]rune(s)); n < lo || n > hi {
			p.Add(key, s, fmt.Sprintf("%d-%d characters", lo, hi))
		}
		return s
	}

	c := Config{
		StackName:          get("stackName"),
		PortfolioName:      text("portfolioName", 1, 100),
		ProviderName:       text("providerName", 1, 50),
		PrincipalArns:      list("principalArns"),
		PrincipalPatterns:  list("principalPatterns"),
		SubnetIds:          list("subnetIds"),
		SecurityGroupIds:   list("securityGroupIds"),
		KmsKeyArn:          get("kmsKeyArn"),
		DataBucketArns:     list("dataBucketArns"),
		DataAccess:         get("dataAccess"),
		SupportEmail:       get("supportEmail"),
		SupportUrl:         get("supportUrl"),
		SupportDescription: text("supportDescription", 0, 8191),
		CostCenters:        list("costCenters"),
		Projects:           list("projects"),
	}
	boolean := func(key string) bool {
		switch v := get(key); v {
		case "true", "false":
			return v == "true"
		default:
			p.Add(key, v, `"true" or "false"`)
			return false
		}
	}
	c.Nag = boolean("nag")
	c.NotifyStackEvents = boolean("notifyStackEvents")
	c.IdleIgnoresConnections = boolean("idleIgnoresConnections")
	c.ProductVersion = get("productVersion")
	if !versionPattern.MatchString(c.ProductVersion) {
		p.Add("productVersion", c.ProductVersion, "1-100 letters, digits, dots, hyphens or underscores, such as v2")
	}
	c.PreviousProductVersions = list("previousProductVersions")
	for _, v := range c.PreviousProductVersions {
		if !versionPattern.MatchString(v) || v == c.ProductVersion {
			p.Add("previousProductVersions", v, "released version names other than productVersion ("+c.ProductVersion+")")
		}
	}
	if c.ProductVersionsDir = get("productVersionsDir"); c.ProductVersionsDir == "" || strings.ContainsRune(c.ProductVersionsDir, 0) {
		p.Add("productVersionsDir", c.ProductVersionsDir, "a directory path")
	}
	if !stackNamePattern.MatchString(c.StackName) {
		p.Add("stackName", c.StackName, "a CloudFormation stack name: a letter, then letters, digits and hyphens, at most 100 characters")
	}

	for _, arn := range c.PrincipalArns {
		if !principals.ArnPattern.MatchString(arn) {
			p.Add("principalArns", arn, "an IAM role, user or group ARN such as arn:aws:iam::123456789012:role/analyst (wildcards go in principalPatterns)")
		}
	}
	if len(c.PrincipalPatterns) > principals.MaxPatterns {
		p.Add("principalPatterns", get("principalPatterns"), fmt.Sprintf("at most %d patterns (a Service Catalog limit); %d given", principals.MaxPatterns, len(c.PrincipalPatterns)))
	}
	for _, pattern := range c.PrincipalPatterns {
		if !principals.PrincipalPattern.MatchString(pattern) {
			p.Add("principalPatterns", pattern, "an IAM_PATTERN ARN with an empty account field such as arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*")
		}
	}

	c.AllowedInstanceTypes = list("allowedInstanceTypes")
	if len(c.AllowedInstanceTypes) == 0 {
		p.Add("allowedInstanceTypes", "", "at least one SageMaker notebook instance type")
	}
	for _, t := range c.AllowedInstanceTypes {
		if !notebook.NotebookInstanceTypes[t] {
			p.Add("allowedInstanceTypes", t, "a SageMaker notebook instance type such as ml.t3.medium or ml.m5.xlarge")
		}
	}
	c.DefaultInstanceType = get("defaultInstanceType")
	if len(c.AllowedInstanceTypes) > 0 && !slices.Contains(c.AllowedInstanceTypes, c.DefaultInstanceType) {
		p.Add("defaultInstanceType", c.DefaultInstanceType, "one of allowedInstanceTypes: "+strings.Join(c.AllowedInstanceTypes, ", "))
	}

	c.MaxVolumeSizeGB = number("maxVolumeSizeGB", notebook.MinVolumeSizeGB, notebook.MaxVolumeSizeLimitGB)
	c.DefaultVolumeSizeGB = number("defaultVolumeSizeGB", notebook.MinVolumeSizeGB, notebook.MaxVolumeSizeLimitGB)
	if valid["defaultVolumeSizeGB"] && valid["maxVolumeSizeGB"] && c.DefaultVolumeSizeGB > c.MaxVolumeSizeGB {
		p.Add("defaultVolumeSizeGB", get("defaultVolumeSizeGB"), fmt.Sprintf("at most maxVolumeSizeGB (%d)", c.MaxVolumeSizeGB))
	}
	c.MaxIdleTimeoutMinutes = number("maxIdleTimeoutMinutes", notebook.MinIdleTimeoutMinutes, notebook.MaxIdleTimeoutLimitMinutes)
	c.IdleTimeoutMinutes = number("idleTimeoutMinutes", notebook.MinIdleTimeoutMinutes, notebook.MaxIdleTimeoutLimitMinutes)
	if valid["idleTimeoutMinutes"] && valid["maxIdleTimeoutMinutes"] && c.IdleTimeoutMinutes > c.MaxIdleTimeoutMinutes {
		p.Add("idleTimeoutMinutes", get("idleTimeoutMinutes"), fmt.Sprintf("at most maxIdleTimeoutMinutes (%d)", c.MaxIdleTimeoutMinutes))
	}
	c.MaxLeaseDays = number("maxLeaseDays", 1, notebook.MaxLeaseLimitDays)
	c.LeaseDays = number("leaseDays", 1, notebook.MaxLeaseLimitDays)
	if valid["leaseDays"] && valid["maxLeaseDays"] && c.LeaseDays > c.MaxLeaseDays {
		p.Add("leaseDays", get("leaseDays"), fmt.Sprintf("at most maxLeaseDays (%d)", c.MaxLeaseDays))
	}
	c.LeaseNoticeHours = number("leaseNoticeHours", 1, 168)
	switch c.JanitorMode = get("janitorMode"); c.JanitorMode {
	case "enforce", "notify-only", "dry-run":
	default:
		p.Add("janitorMode", c.JanitorMode, `"enforce", "notify-only" or "dry-run"`)
	}

	for _, s := range c.SubnetIds {
		if !subnetPattern.MatchString(s) {
			p.Add("subnetIds", s, "a subnet ID such as subnet-0123456789abcdef0")
		}
	}
	for _, s := range c.SecurityGroupIds {
		if !sgPattern.MatchString(s) {
			p.Add("securityGroupIds", s, "a security group ID such as sg-0123456789abcdef0")
		}
	}
	switch {
	case len(c.SubnetIds) > 0 && len(c.SecurityGroupIds) == 0:
		p.Add("securityGroupIds", "", "1-5 security group IDs: required when subnetIds is set")
	case len(c.SubnetIds) == 0 && len(c.SecurityGroupIds) > 0:
		p.Add("subnetIds", "", "private subnet IDs: required when securityGroupIds is set (or leave both empty to create a VPC)")
	case len(c.SecurityGroupIds) > notebook.MaxSecurityGroups:
		p.Add("securityGroupIds", get("securityGroupIds"), fmt.Sprintf("at most %d security groups (a SageMaker limit)", notebook.MaxSecurityGroups))
	}
	if c.KmsKeyArn != "" && !kmsKeyPattern.MatchString(c.KmsKeyArn) {
		p.Add("kmsKeyArn", c.KmsKeyArn, "a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (not an alias)")
	}
	for _, b := range c.DataBucketArns {
		if !bucketArnPattern.MatchString(b) {
			p.Add("dataBucketArns", b, "an S3 bucket ARN such as arn:aws:s3:::my-data-lake, optionally with a key prefix (arn:aws:s3:::my-data-lake/curated)")
		}
	}
	if c.DataAccess != "read" && c.DataAccess != "read-write" {
		p.Add("dataAccess", c.DataAccess, `"read" or "read-write"`)
	}
	if c.SupportEmail != "" {
		if err := product.ValidEmail(c.SupportEmail); err != nil {
			p.Add("supportEmail", c.SupportEmail, err.Error())
		}
	}
	if c.SupportUrl != "" {
		if err := product.ValidURL(c.SupportUrl); err != nil {
			p.Add("supportUrl", c.SupportUrl, err.Error())
		}
	}
	for _, tag := range []struct {
		key    string
		values []string
	}{{"costCenters", c.CostCenters}, {"projects", c.Projects}} {
		for _, v := range tag.values {
			if n := len([]rune(v)); n > 256 {
				p.Add(tag.key, v, "a tag value of at most 256 characters")
			}
		}
	}

	c.Pipeline = parsePipeline(p, get, list)
	c.Context = map[string]string{}
	for _, k := range ContextKeys {
		if v, ok := values[k.Name]; ok {
			c.Context[k.Name] = strings.TrimSpace(v)
		}
	}
	c.ShareWithAccounts = list("shareWithAccounts")
	for _, a := range c.ShareWithAccounts {
		if !accountPattern.MatchString(a) {
			p.Add("shareWithAccounts", a, "a 12-digit AWS account ID")
		}
	}
	if c.ImportPortfolioId = get("importPortfolioId"); c.ImportPortfolioId != "" {
		if !portfolioIdPattern.MatchString(c.ImportPortfolioId) {
			p.Add("importPortfolioId", c.ImportPortfolioId, "a portfolio ID such as port-abcdefghijklm (the hub's PortfolioId output)")
		}
		if len(c.PrincipalArns) == 0 && len(c.PrincipalPatterns) == 0 {
			p.Add("importPortfolioId", c.ImportPortfolioId, "a spoke needs principalArns or principalPatterns: the account's own analyst roles")
		}
		if len(c.ShareWithAccounts) > 0 {
			p.Add("shareWithAccounts", get("shareWithAccounts"), "empty in a spoke (importPortfolioId is set): only the hub shares")
		}
		if c.NotifyStackEvents {
			p.Add("notifyStackEvents", "true", `"false" in a spoke (importPortfolioId is set): the hub's notification constraint comes with the share`)
		}
	}

	// Every ARN must be in one partition: the stack deploys to one.
	partitions := map[string]bool{}
	for _, arn := range slices.Concat(c.PrincipalArns, c.PrincipalPatterns, c.DataBucketArns, []string{c.KmsKeyArn}) {
		if m := partitionPattern.FindStringSubmatch(arn); m != nil {
			partitions[m[1]] = true
		}
	}
	if len(partitions) > 1 {
		names := make([]string, 0, len(partitions))
		for k := range partitions {
			names = append(names, k)
		}
		slices.Sort(names)
		p.Add("principalArns/principalPatterns/dataBucketArns/kmsKeyArn", strings.Join(names, ","), "ARNs of one partition (aws, aws-cn or aws-us-gov)")
	}
	return c, p.Err()
}

// ContextString turns a context value (a string from -c, or any JSON value
// from cdk.json) into the string ParseContext reads: lists are joined with
// commas, whole numbers printed without a decimal point.
func ContextString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10), nil
		}
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, err := ContextString(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	case nil:
		return "", nil
	default:
		return "", fmt.Errorf("a string, number or list of strings, not %T", v)
	}
}
