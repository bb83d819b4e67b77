package authz

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
)

// Env is the fixed environment templates are evaluated in: one partition,
// region and account, and the provisioned products (launches) the flows are
// about.
type Env struct {
	Partition, Region, Account, URLSuffix string
	// Launches are the provisioned products of the notebook product, by
	// persona name ("alice", "bob").
	Launches map[string]Launch
}

// Launch is one provisioned product of the notebook product.
type Launch struct {
	// Persona names the launch in the model ("alice").
	Persona string
	// ProvisionedProductID is Service Catalog's ID (pp-...); the stack is
	// named SC-<account>-<ProvisionedProductID>.
	ProvisionedProductID string
	// ProvisionedProductName is the name the analyst typed at launch.
	ProvisionedProductName string
	// Session is the analyst's role session name (their user name).
	Session string
	// Parameters override the product template's parameter defaults.
	Parameters map[string]string
	// Tags are the TagOption tags the analyst chose (CostCenter, Project):
	// Service Catalog puts them on the stack.
	Tags map[string]string
}

// DefaultEnv is the environment of every check: aws, eu-west-1,
// 123456789012, and two analysts' provisioned products.
func DefaultEnv() Env {
	return Env{
		Partition: "aws", Region: "eu-west-1", Account: "123456789012", URLSuffix: "amazonaws.com",
		Launches: map[string]Launch{
			"alice": {Persona: "alice", ProvisionedProductID: "pp-abcdefghijklm", ProvisionedProductName: "alice-notebook",
				Session: "alice", Tags: map[string]string{"CostCenter": "analytics", "Project": "datalake"}},
			"bob": {Persona: "bob", ProvisionedProductID: "pp-nopqrstuvwxyz", ProvisionedProductName: "bob-notebook",
				Session: "bob", Tags: map[string]string{"CostCenter": "analytics", "Project": "datalake"}},
		},
	}
}

// StackName is the name Service Catalog gives the launch's stack, in the
// case Service Catalog gives it (upper-case SC).
func (e Env) StackName(l Launch) string {
	return "SC-" + e.Account + "-" + l.ProvisionedProductID
}

// StackID is the launch's stack ARN (with a deterministic stack UUID).
func (e Env) StackID(l Launch) string {
	return e.StackArn(e.StackName(l), "launch")
}

// StackArn is the ARN of the stack named name, with a UUID derived from seed.
func (e Env) StackArn(name, seed string) string {
	return fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", e.Partition, e.Region, e.Account, name, uuid(name+"/"+seed))
}

// ProvisionedProductArn is the launch's provisioned product ARN, as Service
// Catalog tags it on the stack (aws:servicecatalog:provisionedProductArn).
func (e Env) ProvisionedProductArn(l Launch) string {
	return fmt.Sprintf("arn:%s:servicecatalog:%s:%s:stack/%s/%s", e.Partition, e.Region, e.Account, l.ProvisionedProductName, l.ProvisionedProductID)
}

// digest returns a deterministic stand-in for a value AWS generates.
func digest(seed string) []byte {
	sum := sha256.Sum256([]byte(seed))
	return sum[:]
}

// uuid is a deterministic UUID-shaped identifier.
func uuid(seed string) string {
	h := hex.EncodeToString(digest(seed))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// hexID is a deterministic lower-case hex identifier of n characters
// (EC2's vpc-, subnet-, sg- IDs have 17).
func hexID(seed string, n int) string {
	return hex.EncodeToString(digest(seed))[:n]
}

// suffix is a deterministic stand-in for the 12-13 character suffix
// CloudFormation appends to generated names, in upper case.
func suffix(seed string, n int) string {
	s := base32.StdEncoding.EncodeToString(digest(seed))
	return strings.TrimRight(s, "=")[:n]
}
