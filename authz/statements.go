package authz

import (
	"fmt"
	"sort"
)

// Statements returns every policy statement of the assembly's templates,
// resolved (the product template as launched by persona), for the
// reference lint: identity policies (inline, AWS::IAM::Policy, managed),
// trust policies, and resource policies (buckets, keys, topics, queues,
// Lambda permissions). IDs are <template>:<resource>:<policy>#<Sid or n>.
func (a *Assembly) Statements(persona string) ([]Statement, error) {
	var out []Statement
	add := func(kind, where string, doc any, stmtKind string) {
		m, _ := doc.(map[string]any)
		for i, s := range asList(m["Statement"]) {
			st, _ := s.(map[string]any)
			sid, _ := st["Sid"].(string)
			if sid == "" {
				sid = fmt.Sprint(i + 1)
			}
			out = append(out, Statement{ID: fmt.Sprintf("%s:%s#%s", kind, where, sid), Kind: stmtKind, Statement: st})
		}
	}
	for _, kind := range []string{Catalog, Product} {
		t := a.tmpl(kind)
		r, err := a.resolverFor(kind, persona)
		if err != nil {
			return nil, err
		}
		for _, id := range t.IDs() {
			res := t.Resources[id]
			name := a.name(kind, id)
			switch res.Type {
			case "AWS::IAM::Role":
				props, err := r.properties(id)
				if err != nil {
					return nil, err
				}
				add(kind, name+" trust policy", props["AssumeRolePolicyDocument"], "trust")
				for _, p := range asList(props["Policies"]) {
					pm, _ := p.(map[string]any)
					add(kind, fmt.Sprintf("%s/%v", name, pm["PolicyName"]), pm["PolicyDocument"], "identity")
				}
			case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
				doc, err := r.prop(id, "PolicyDocument")
				if err != nil {
					return nil, err
				}
				add(kind, name, doc, "identity")
			case "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy":
				doc, err := r.prop(id, "PolicyDocument")
				if err != nil {
					return nil, err
				}
				add(kind, name, doc, "resource")
			case "AWS::KMS::Key":
				doc, err := r.prop(id, "KeyPolicy")
				if err != nil {
					return nil, err
				}
				add(kind, name+" key policy", doc, "resource")
			}
		}
	}
	// Lambda permissions, as resource policy statements.
	policies, err := a.resourcePolicies(persona)
	if err != nil {
		return nil, err
	}
	arns := sortedKeys(policies)
	sort.Strings(arns)
	for _, arn := range arns {
		p := policies[arn]
		for _, s := range asList(p.Document["Statement"]) {
			st, _ := s.(map[string]any)
			if sid, _ := st["Sid"].(string); sid != "" && a.isPermission(sid) {
				out = append(out, Statement{ID: fmt.Sprintf("%s:%s#%s", Catalog, sid, "permission"), Kind: "resource", Statement: st})
			}
		}
	}
	return out, nil
}

// isPermission reports whether name names an AWS::Lambda::Permission of the
// catalog (resourcePolicies uses it as the synthesized statement's Sid).
func (a *Assembly) isPermission(name string) bool {
	for _, id := range a.Catalog.IDs() {
		if a.Catalog.Resources[id].Type == "AWS::Lambda::Permission" && sid(a.name(Catalog, id)) == name {
			return true
		}
	}
	return false
}
