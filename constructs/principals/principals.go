// Package principals gives IAM principals access to an AWS Service Catalog
// portfolio: role, user and group ARNs through the awsservicecatalog L2, and
// IAM_PATTERN principals (wildcard ARNs, for IAM Identity Center and SAML
// roles whose names carry random suffixes) through
// CfnPortfolioPrincipalAssociation, which the L2 has no API for.
//
// Associations are idempotent per portfolio: the same principal given twice,
// in one Principals or in several, creates one association.
package principals

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/check"
)

// MaxPatterns is the number of IAM_PATTERN principals Service Catalog accepts
// per portfolio.
const MaxPatterns = 10

var (
	// ArnPattern matches an IAM role, user or group ARN without wildcards.
	ArnPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:(role|user|group)(/[\w+=,.@-]+)+$`)
	// PrincipalPattern matches an IAM_PATTERN principal: the account field is
	// empty (the pattern applies in every account the portfolio is shared
	// with), and the path and name may hold the wildcards * and ?.
	PrincipalPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam:::(role|user|group)(/[\w+=,.@*?-]+)+$`)
)

// Props configures Principals.
type Props struct {
	// Portfolio receives the associations. Required.
	Portfolio awsservicecatalog.IPortfolio
	// PrincipalArns are IAM role, user and group ARNs, for example
	// arn:aws:iam::123456789012:role/analyst.
	// Default: no ARN principals.
	PrincipalArns []string
	// Patterns are IAM_PATTERN principal ARNs with an empty account field
	// and wildcards, for example
	// arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*.
	// At most MaxPatterns.
	// Default: no pattern principals.
	Patterns []string
}

// Principals is the set of principals associated with one portfolio.
type Principals struct {
	constructs.Construct
	// Roles, Users and Groups are the imported principals given by ARN, in input order.
	Roles  []awsiam.IRole
	Users  []awsiam.IUser
	Groups []awsiam.IGroup
	// PatternAssociations are the IAM_PATTERN associations, in input order.
	// They live under the portfolio's construct, so that a pattern
	// associated twice shares one resource.
	PatternAssociations []awsservicecatalog.CfnPortfolioPrincipalAssociation
	// TokenAssociations are the associations of ARNs known only at deploy
	// time (such as role.RoleArn() of a role in the same app), in input order.
	TokenAssociations []awsservicecatalog.CfnPortfolioPrincipalAssociation
	arns              []string
}

// Arns returns the associated principal ARNs and patterns, without
// duplicates, in input order.
func (p *Principals) Arns() []string { return append([]string(nil), p.arns...) }

// New associates the principals with the portfolio. ARNs and patterns
// known only at deploy time (tokens) are associated as given, unchecked.
//
// New panics if the portfolio is missing, an ARN is malformed or there are
// more than MaxPatterns patterns; the message names the field, the value and
// what is allowed.
func New(scope constructs.Construct, id *string, props *Props) *Principals {
	if props == nil {
		props = &Props{}
	}
	p := &Principals{}
	constructs.NewConstruct_Override(p, scope, id) // p is the construct
	this := p
	if err := props.validate(*this.Node().Path()); err != nil {
		panic(err)
	}
	seen := map[string]bool{}
	for _, arn := range props.PrincipalArns {
		key := resolved(this, arn)
		if seen[key] {
			continue
		}
		seen[key] = true
		p.arns = append(p.arns, arn)
		if check.Unresolved(arn) {
			// A token may be a role, user or group ARN: PrincipalType IAM
			// takes all three; the ID is derived from what the token stands
			// for, so it does not depend on the order tokens were made in.
			p.TokenAssociations = append(p.TokenAssociations,
				associate(p, props.Portfolio, "PrincipalToken"+hash(key), arn, "IAM"))
			continue
		}
		cid := jsii.String("Principal" + hash(arn))
		switch ArnPattern.FindStringSubmatch(arn)[2] {
		case "role":
			r := awsiam.Role_FromRoleArn(this, cid, jsii.String(arn), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)})
			props.Portfolio.GiveAccessToRole(r)
			p.Roles = append(p.Roles, r)
		case "user":
			u := awsiam.User_FromUserArn(this, cid, jsii.String(arn))
			props.Portfolio.GiveAccessToUser(u)
			p.Users = append(p.Users, u)
		case "group":
			g := awsiam.Group_FromGroupArn(this, cid, jsii.String(arn))
			props.Portfolio.GiveAccessToGroup(g)
			p.Groups = append(p.Groups, g)
		}
	}
	for _, pattern := range props.Patterns {
		key := resolved(this, pattern)
		if seen[key] {
			continue
		}
		seen[key] = true
		p.arns = append(p.arns, pattern)
		p.PatternAssociations = append(p.PatternAssociations,
			associate(p, props.Portfolio, "PrincipalPattern"+hash(key), pattern, "IAM_PATTERN"))
	}
	return p
}

// resolved returns s, or for a token, the CloudFormation expression it
// stands for (such as {"Fn::GetAtt":["Analyst1A2B","Arn"]}): stable across
// syntheses, unlike the token's own text.
func resolved(scope constructs.Construct, s string) string {
	if !check.Unresolved(s) {
		return s
	}
	b, err := json.Marshal(awscdk.Stack_Of(scope).Resolve(jsii.String(s)))
	if err != nil {
		panic(fmt.Errorf("%s: cannot resolve %q: %w", *scope.Node().Path(), s, err))
	}
	return string(b)
}

// associate returns the portfolio's association with id, creating it on
// first use. The id is derived from the principal, so it is stable
// whatever the order of the inputs. It lives under the portfolio, so that
// every Principals of the portfolio shares it; an imported portfolio is not a
// Go construct, and its associations live under p.
func associate(p *Principals, portfolio awsservicecatalog.IPortfolio, id, arn, principalType string) awsservicecatalog.CfnPortfolioPrincipalAssociation {
	var scope constructs.Construct = p
	if owned, ok := portfolio.(constructs.Construct); ok {
		scope = owned
	}
	if existing := scope.Node().TryFindChild(jsii.String(id)); existing != nil {
		return existing.(awsservicecatalog.CfnPortfolioPrincipalAssociation)
	}
	return awsservicecatalog.NewCfnPortfolioPrincipalAssociation(scope, jsii.String(id), &awsservicecatalog.CfnPortfolioPrincipalAssociationProps{
		PortfolioId:   portfolio.PortfolioId(),
		PrincipalArn:  jsii.String(arn),
		PrincipalType: jsii.String(principalType),
	})
}

// Validate reports every invalid field of props, or nil.
func (props *Props) Validate() error { return props.validate("principals") }

func (props *Props) validate(path string) error {
	p := check.New(path)
	if props.Portfolio == nil {
		p.Addf("Portfolio", "required: the portfolio to associate principals with")
	}
	for i, arn := range props.PrincipalArns {
		if check.Unresolved(arn) {
			continue
		}
		if !ArnPattern.MatchString(arn) {
			p.Add(fmt.Sprintf("PrincipalArns[%d]", i), arn,
				"an IAM role, user or group ARN such as arn:aws:iam::123456789012:role/analyst (no wildcards: use Patterns)")
		}
	}
	if len(props.Patterns) > MaxPatterns {
		p.Addf("Patterns", "%d patterns given: Service Catalog allows at most %d per portfolio", len(props.Patterns), MaxPatterns)
	}
	for i, pattern := range props.Patterns {
		if !check.Unresolved(pattern) && !PrincipalPattern.MatchString(pattern) {
			p.Add(fmt.Sprintf("Patterns[%d]", i), pattern,
				"an IAM_PATTERN ARN with an empty account field, such as arn:aws:iam:::role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataAnalyst_*")
		}
	}
	return p.Err()
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}
