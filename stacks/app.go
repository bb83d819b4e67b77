package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/datalake-platform/sagemaker-catalog/internal/config"
	"github.com/datalake-platform/sagemaker-catalog/internal/functions"
)

// NewCatalog builds the catalog cfg describes in scope (an App or a
// Stage), with the construct ID cfg.StackName: a Spoke when
// cfg.ImportPortfolioId is set, else the Hub. `cdk deploy` and the
// pipeline's stages both use it, so both deploy the same thing.
func NewCatalog(scope constructs.Construct, cfg config.Config, code awslambda.Code) awscdk.Stack {
	props := &Props{Config: &cfg, FunctionsCode: code}
	if cfg.ImportPortfolioId != "" {
		return NewSpoke(scope, jsii.String(cfg.StackName), props).Stack
	}
	return NewHub(scope, jsii.String(cfg.StackName), props).Stack
}

// New builds the app cfg describes: the pipeline stack when cfg.Pipeline
// is set (it deploys the catalog to its stages), else the catalog itself.
// code returns the functions' code for one stack (an asset belongs to one
// stack); nil means functions.Code.
func New(app awscdk.App, cfg config.Config, code func() awslambda.Code) {
	if code == nil {
		code = functions.Code
	}
	if cfg.Pipeline != nil {
		NewPipelineStack(app, jsii.String(PipelineStackId(cfg)), cfg, code)
		return
	}
	NewCatalog(app, cfg, code())
}
