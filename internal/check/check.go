// Package check collects input problems so that a construct or the
// configuration parser can report all of them at once, each naming the field,
// the value it got and what is allowed.
package check

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// Problems collects field-named validation errors under a common prefix,
// usually a construct path or "context".
type Problems struct {
	prefix string
	errs   []error
}

// New returns an empty collection whose messages start with prefix.
func New(prefix string) *Problems { return &Problems{prefix: prefix} }

// Add records that field has value, which is not allowed; allowed says what is.
func (p *Problems) Add(field, value, allowed string) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s: invalid value %q: %s", p.prefix, field, value, allowed))
}

// Addf records a problem with field that is not about a single value.
func (p *Problems) Addf(field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s: %s", p.prefix, field, fmt.Sprintf(format, args...)))
}

// Err returns nil when nothing was recorded, or every problem joined, one per line.
func (p *Problems) Err() error { return errors.Join(p.errs...) }

// PanicIfAny panics with the joined problems, the CDK convention for invalid
// construct props (an exception at construction time).
func (p *Problems) PanicIfAny() {
	if err := p.Err(); err != nil {
		panic(err)
	}
}

// Unresolved reports whether s holds a CDK token that is only known at deploy
// time; such values are skipped by validation. Token.isUnresolved answers
// false for a string without "Token[" (the CDK tests for that marker first),
// so only such a string costs a call into the jsii runtime.
func Unresolved(s string) bool {
	if strings.Contains(s, "${Token[") {
		return true
	}
	if !strings.Contains(s, "Token[") {
		return false
	}
	return *awscdk.Token_IsUnresolved(s)
}

// Str dereferences an optional string.
func Str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Or returns *s when it is set and non-empty, and def otherwise.
func Or(s *string, def string) string {
	if s == nil || *s == "" {
		return def
	}
	return *s
}

// Length records a problem when the optional string s is set, known at synth
// time and not between lo and hi characters long. An empty s is accepted: it
// means "use the default".
func (p *Problems) Length(field string, s *string, lo, hi int) {
	if s == nil || *s == "" || Unresolved(*s) {
		return
	}
	if n := utf8.RuneCountInString(*s); n < lo || n > hi {
		p.Add(field, *s, fmt.Sprintf("length must be between %d and %d characters", lo, hi))
	}
}

// Truncate returns s cut to at most n characters.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// principalArnPattern matches what aws:PrincipalArn can equal (ArnLike,
// wildcards allowed): an IAM role's ARN with its path (for a role session,
// aws:PrincipalArn is the role's ARN), an IAM user's, or an account's root
// user's (IAM User Guide, "AWS global condition context keys",
// aws:PrincipalArn).
var principalArnPattern = regexp.MustCompile(`^arn:(aws[a-z-]*|\*):iam::([0-9]{12}|\*):(role/.+|user/.+|root)$`)

// PrincipalArns records every nil entry of list, and every entry known at
// synth time that aws:PrincipalArn can never equal.
func (p *Problems) PrincipalArns(field string, list []*string) {
	for i, a := range list {
		switch {
		case a == nil:
			p.Addf(fmt.Sprintf("%s[%d]", field, i), "nil: give a principal's ARN or leave it out")
		case !Unresolved(*a) && !principalArnPattern.MatchString(*a):
			p.Add(fmt.Sprintf("%s[%d]", field, i), *a, "an IAM role or user ARN, wildcards allowed, such as arn:aws:iam::123456789012:role/catalog/notebooks/*")
		}
	}
}
