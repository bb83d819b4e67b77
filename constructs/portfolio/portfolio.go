// Package portfolio provides an AWS Service Catalog portfolio for self-service
// products, with TagOptions that restrict the cost-attribution tags end users
// may choose at launch.
//
// It is a thin, validated layer over the awsservicecatalog L2 Portfolio: the
// L2 stays reachable through the Portfolio field, so products, constraints and
// principals are added with the L2's own idempotent methods.
package portfolio

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// Props configures a Portfolio. DisplayName and ProviderName are required,
// as in the awsservicecatalog L2: a library has no name to fall back on
// that would suit every team's portfolio.
type Props struct {
	// DisplayName is the portfolio name end users see (1-100 characters). Required.
	DisplayName *string
	// ProviderName names the team that provides the portfolio (1-50 characters). Required.
	ProviderName *string
	// Description describes the portfolio (at most 2000 characters).
	// Default: no description.
	Description *string
	// TagOptions maps a tag key to the values end users may choose for it when
	// they launch a product of this portfolio, for example
	// {"CostCenter": {"cc-1001", "cc-1002"}}. Service Catalog applies the chosen
	// tags to the provisioned stack and its resources.
	// Default: no TagOptions, end users choose no tags.
	TagOptions map[string][]string
	// MessageLanguage is the language of Service Catalog messages.
	// Default: English.
	MessageLanguage awsservicecatalog.MessageLanguage
}

// Portfolio is a Service Catalog portfolio with its TagOptions.
type Portfolio struct {
	constructs.Construct
	// Portfolio is the L2 portfolio: add products, principals and constraints to it.
	Portfolio awsservicecatalog.Portfolio
	// TagOptions holds the portfolio's TagOptions, or nil when none were given.
	TagOptions awsservicecatalog.TagOptions
}

// New creates a portfolio.
//
// New panics if a required field is missing or a field is invalid; the message names the construct path, the
// field, the value and what is allowed.
func New(scope constructs.Construct, id *string, props *Props) *Portfolio {
	if props == nil {
		props = &Props{}
	}
	p := &Portfolio{}
	// Registered as the construct itself, so that it can be passed to any
	// CDK function that takes a construct.
	constructs.NewConstruct_Override(p, scope, id)
	this := p
	path := *this.Node().Path()
	if err := props.validate(path); err != nil {
		panic(err)
	}

	l2Props := &awsservicecatalog.PortfolioProps{
		DisplayName:     props.DisplayName,
		ProviderName:    props.ProviderName,
		Description:     emptyToNil(props.Description),
		MessageLanguage: props.MessageLanguage,
	}
	if len(props.TagOptions) > 0 {
		allowed := map[string]*[]*string{}
		for k, vs := range props.TagOptions {
			allowed[k] = jsii.Strings(vs...)
		}
		p.TagOptions = awsservicecatalog.NewTagOptions(this, jsii.String("TagOptions"), &awsservicecatalog.TagOptionsProps{
			AllowedValuesForTags: &allowed,
		})
		l2Props.TagOptions = p.TagOptions
	}
	// Not "Resource": the L2 finds itself by construct ID in an aspect, and
	// its own CfnPortfolio child is already called "Resource".
	p.Portfolio = awsservicecatalog.NewPortfolio(this, jsii.String("Portfolio"), l2Props)
	return p
}

// Validate reports every invalid field of props, or nil.
func (props *Props) Validate() error { return props.validate("portfolio") }

func (props *Props) validate(path string) error {
	p := check.New(path)
	if check.Str(props.DisplayName) == "" {
		p.Addf("DisplayName", "required: the portfolio name end users see, 1-100 characters")
	}
	if check.Str(props.ProviderName) == "" {
		p.Addf("ProviderName", "required: the team that provides the portfolio, 1-50 characters")
	}
	p.Length("DisplayName", props.DisplayName, 1, 100)
	p.Length("ProviderName", props.ProviderName, 1, 50)
	p.Length("Description", props.Description, 0, 2000)
	keys := make([]string, 0, len(props.TagOptions))
	for k := range props.TagOptions {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report in a stable order
	for _, k := range keys {
		field := "TagOptions[" + k + "]"
		switch n := utf8.RuneCountInString(k); {
		case n < 1 || n > 127:
			p.Add("TagOptions", k, "a tag key has 1-127 characters")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			p.Add("TagOptions", k, `a tag key must not start with "aws:" (reserved by AWS)`)
		}
		vs := props.TagOptions[k]
		if len(vs) == 0 {
			p.Addf(field, "no allowed values: give at least one")
		}
		seen := map[string]bool{}
		for _, v := range vs {
			if n := utf8.RuneCountInString(v); n < 1 || n > 256 {
				p.Add(field, v, "a tag value has 1-256 characters")
			}
			if seen[v] {
				p.Add(field, v, "each value may appear once")
			}
			seen[v] = true
		}
	}
	return p.Err()
}

// PortfolioId returns the portfolio's ID (port-...), a token until deployment.
func (p *Portfolio) PortfolioId() *string { return p.Portfolio.PortfolioId() }

func emptyToNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}
