package workspace_test

import (
	"fmt"

	"github.com/datalake-platform/sagemaker-catalog/lambda/workspace"
)

// The owner of what an IAM Identity Center user launches: the permission
// set's role and the user's session name, without the account.
func ExampleOwner() {
	owner, err := workspace.Owner("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataAnalyst_0123456789abcdef/alice@example.com")
	fmt.Println(owner, err)
	fmt.Println(workspace.Prefix + owner + "/")
	// Output:
	// assumed-role/AWSReservedSSO_DataAnalyst_0123456789abcdef/alice@example.com <nil>
	// owners/assumed-role/AWSReservedSSO_DataAnalyst_0123456789abcdef/alice@example.com/
}
