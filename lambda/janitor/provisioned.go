package janitor

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/datalake-platform/sagemaker-catalog/internal/names"
)

// ProvisionedProduct is what Service Catalog says of a provisioned product
// (DescribeProvisionedProduct's ProvisionedProductDetail).
type ProvisionedProduct struct {
	ID string
	// ProductID is the product it was launched from (prod-...).
	ProductID string
	// LaunchRoleArn is the launch role Service Catalog provisioned it with,
	// and deletes its stack with.
	LaunchRoleArn string
	// Status is AVAILABLE, UNDER_CHANGE, TAINTED, ERROR or PLAN_IN_PROGRESS.
	Status string
}

// ErrNoProvisionedProduct is what ProvisionedProducts.Describe returns
// (wrapped) when Service Catalog has no provisioned product of that ID.
var ErrNoProvisionedProduct = errors.New("no such provisioned product")

// ProvisionedProducts is the part of Service Catalog the janitor calls:
// DescribeProvisionedProduct, to verify that a provisioned product is this
// catalog's before acting on it, and TerminateProvisionedProduct, which
// deletes its stack with the launch role; the token makes a repeated call a
// no-op. It is an interface of its own because moto, the emulator the tests
// use, has no Service Catalog provisioned products; the functions' main
// wires the real client.
type ProvisionedProducts interface {
	Describe(ctx context.Context, id string) (ProvisionedProduct, error)
	Terminate(ctx context.Context, id, token string) error
}

// Statuses in which Service Catalog can terminate a provisioned product;
// UNDER_CHANGE and PLAN_IN_PROGRESS are transitions to wait out (the
// ProvisionedProductDetail.Status documentation in the Service Catalog API
// Reference: "Wait for an AVAILABLE status before performing operations").
var terminable = map[string]bool{"AVAILABLE": true, "TAINTED": true, "ERROR": true}

// stackName is the name Service Catalog gives a provisioned product's stack,
// SC-<account>-pp-<id>.
var stackName = regexp.MustCompile(`^` + regexp.QuoteMeta(names.StackNamePrefix) + `[0-9]{12}-(pp-[A-Za-z0-9-]{1,64})$`)

// ProvisionedProductID returns the ID of the provisioned product whose
// stack is named stack (the notebook's aws:cloudformation:stack-name tag,
// which no principal can set or change).
func ProvisionedProductID(stack string) (string, error) {
	m := stackName.FindStringSubmatch(stack)
	if m == nil {
		return "", fmt.Errorf("tag %s is %q: not the stack of a Service Catalog provisioned product (%s<account>-pp-<id>)",
			names.TagCloudFormationStackName, stack, names.StackNamePrefix)
	}
	return m[1], nil
}

// notOurs is the reason the janitor leaves a provisioned product alone.
const notOurs = "not this catalog's provisioned product"

// verify asks Service Catalog whether the provisioned product id is this
// catalog's and can be terminated now. It returns why not ("" if it is),
// or an error if Service Catalog could not answer.
func (j *Janitor) verify(ctx context.Context, id string) (string, error) {
	pp, err := j.ProvisionedProducts.Describe(ctx, id)
	switch {
	case errors.Is(err, ErrNoProvisionedProduct):
		return fmt.Sprintf("%s: Service Catalog has no provisioned product %s", notOurs, id), nil
	case err != nil:
		return "", fmt.Errorf("describe provisioned product %s: %w", id, err)
	case pp.ID != id:
		return fmt.Sprintf("%s: Service Catalog describes %s as %q", notOurs, id, pp.ID), nil
	case pp.LaunchRoleArn != j.LaunchRoleArn:
		return fmt.Sprintf("%s: launched with the role %q, not %s", notOurs, pp.LaunchRoleArn, j.LaunchRoleArn), nil
	case j.ProductID != "" && pp.ProductID != j.ProductID:
		return fmt.Sprintf("%s: of the product %q, not %s", notOurs, pp.ProductID, j.ProductID), nil
	case !terminable[pp.Status]:
		return fmt.Sprintf("provisioned product %s is %s: waiting until it is AVAILABLE, TAINTED or ERROR", id, orNone(pp.Status)), nil
	}
	return "", nil
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(no status)"
	}
	return s
}
