package config

import (
	"regexp"
	"strings"

	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// Environment is an account and region a pipeline deploys to.
type Environment struct {
	Name    string
	Account string
	Region  string
}

// PipelineConfig configures the CDK pipeline.
type PipelineConfig struct {
	ConnectionArn string
	Repository    string
	Branch        string
	// Home is where the pipeline itself runs.
	Home Environment
	// Stages are deployed in order, each with the same catalog composition.
	Stages []Environment
}

var (
	connectionPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):(codestar-connections|codeconnections):[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:connection/[0-9a-f-]{36}$`)
	repositoryPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	branchPattern     = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,200}$`)
	envPattern        = regexp.MustCompile(`^([0-9]{12})/([a-z]{2}(-[a-z]+)+-[0-9])$`)
	stageNamePattern  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,63}$`)
)

// parsePipeline reads the pipeline keys: none set means no pipeline; any
// set needs the connection, the repository, the pipeline's environment and
// at least one stage.
func parsePipeline(p *check.Problems, get func(string) string, list func(string) []string) *PipelineConfig {
	keys := []string{"pipelineConnectionArn", "pipelineRepository", "pipelineEnvironment", "deployEnvironments"}
	set := 0
	for _, k := range keys {
		if get(k) != "" {
			set++
		}
	}
	if set == 0 {
		return nil
	}
	for _, k := range keys {
		if get(k) == "" {
			p.Add(k, "", "required with the other pipeline keys ("+strings.Join(keys, ", ")+")")
		}
	}
	c := &PipelineConfig{ConnectionArn: get("pipelineConnectionArn"), Repository: get("pipelineRepository"), Branch: get("pipelineBranch")}
	if c.ConnectionArn != "" && !connectionPattern.MatchString(c.ConnectionArn) {
		p.Add("pipelineConnectionArn", c.ConnectionArn, "a connection ARN such as arn:aws:codeconnections:eu-west-1:123456789012:connection/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
	}
	if c.Repository != "" && !repositoryPattern.MatchString(c.Repository) {
		p.Add("pipelineRepository", c.Repository, "owner/name, such as data-platform/sagemaker-catalog")
	}
	if !branchPattern.MatchString(c.Branch) || strings.Contains(c.Branch, "..") {
		p.Add("pipelineBranch", c.Branch, "a branch name such as main")
	}
	if home := get("pipelineEnvironment"); home != "" {
		if m := envPattern.FindStringSubmatch(home); m == nil {
			p.Add("pipelineEnvironment", home, "ACCOUNT/REGION such as 123456789012/eu-west-1")
		} else {
			c.Home = Environment{Name: "pipeline", Account: m[1], Region: m[2]}
		}
	}
	for _, item := range list("deployEnvironments") {
		name, env, ok := strings.Cut(item, "=")
		m := envPattern.FindStringSubmatch(env)
		if !ok || m == nil || !stageNamePattern.MatchString(name) {
			p.Add("deployEnvironments", item, "NAME=ACCOUNT/REGION such as prod=123456789012/eu-west-1 (NAME: a letter, then letters, digits, hyphens)")
			continue
		}
		for _, s := range c.Stages {
			if s.Name == name {
				p.Add("deployEnvironments", item, "each stage name once")
			}
		}
		c.Stages = append(c.Stages, Environment{Name: name, Account: m[1], Region: m[2]})
	}
	return c
}
