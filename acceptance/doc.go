// Package acceptance is the catalog's acceptance kit: the journey a
// platform engineer runs once against a sandbox account where the catalog
// is deployed, after every deploy of a new version of the notebook product
// (docs/acceptance.md says how).
//
// As the analyst, it finds the product and provisions it on its defaults,
// waits until it is AVAILABLE, reads its outputs, opens the notebook (a
// presigned URL with the analyst's own credentials, followed with a cookie
// jar until Jupyter answers), writes a file through the Jupyter contents
// API, stops and starts the notebook through the product's self-service
// actions, terminates it, provisions it again and waits for the file to be
// restored. As the admin, it watches (the notebook's status and tags, the
// saved file in the workspace bucket) and runs the janitor, which must be
// deployed in dry-run, checking its decision and its log line for the
// notebook. It prints each step with its time, and cleans up after itself,
// on failure and interruption too: it terminates what it provisioned, then
// deletes every version of the file it wrote.
//
// The steps are methods of one Journey, over small interfaces that the AWS
// SDK's clients satisfy. The real run (aws_test.go, build tag aws) gives
// them clients for two profiles; the moto test (moto_test.go, no build tag)
// runs the same journey against moto_server for SageMaker, S3, STS, Lambda
// and CloudWatch Logs, with a fake Service Catalog (moto 5.2 serves no
// provisioned products or service actions) and a fake Jupyter server.
package acceptance
