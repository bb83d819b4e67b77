"""moto_server, with CloudFormation's SageMaker notebook handlers completed.

Used by launch_test.go. moto 5.2.1 already runs the CloudFormation engine:
it creates, updates and deletes the product stack, resolves Ref, Fn::Sub,
Fn::GetAtt and the launch parameters. Two of its resource handlers are thin:

- AWS::SageMaker::NotebookInstance passes only InstanceType and RoleArn to
  CreateNotebookInstance and names the notebook after the logical ID;
- AWS::SageMaker::NotebookInstanceLifecycleConfig ignores the name property;

and moto resolves no {{resolve:ssm:NAME}} dynamic reference. Real
CloudFormation passes every property and resolves the references with the
caller's (the launch role's) credentials. This wrapper does the same, through
moto's own SageMaker and SSM backends, so that the test can check through the
SageMaker API what a launch really requests. Nothing else is changed.
"""

import re
import sys

from moto.sagemaker import models as sagemaker
from moto.server import main
from moto.ssm.models import ssm_backends

DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:ssm:([^}:]+)(?::(\d+))?\}\}")


def resolve(value, account_id, region):
    """Replaces {{resolve:ssm:NAME}} with the parameter's value, like CloudFormation."""
    if isinstance(value, str):
        def lookup(match):
            parameter = ssm_backends[account_id][region].get_parameter(match.group(1))
            if parameter is None:
                raise ValueError("SSM parameter %s not found" % match.group(1))
            return parameter.value
        return DYNAMIC_REFERENCE.sub(lookup, value)
    if isinstance(value, list):
        return [resolve(v, account_id, region) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, account_id, region) for k, v in value.items()}
    return value


def create_notebook(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    p = resolve(cloudformation_json["Properties"], account_id, region_name)
    return sagemaker.sagemaker_backends[account_id][region_name].create_notebook_instance(
        notebook_instance_name=p.get("NotebookInstanceName") or resource_name,
        instance_type=p["InstanceType"],
        role_arn=p["RoleArn"],
        subnet_id=p.get("SubnetId"),
        security_group_ids=p.get("SecurityGroupIds"),
        kms_key_id=p.get("KmsKeyId"),
        tags=p.get("Tags"),
        lifecycle_config_name=p.get("LifecycleConfigName"),
        direct_internet_access=p.get("DirectInternetAccess", "Enabled"),
        volume_size_in_gb=int(p.get("VolumeSizeInGB", 5)),
        root_access=p.get("RootAccess"),
    )


def create_lifecycle_config(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    p = resolve(cloudformation_json["Properties"], account_id, region_name)
    return sagemaker.sagemaker_backends[account_id][region_name].create_notebook_instance_lifecycle_config(
        notebook_instance_lifecycle_config_name=p.get("NotebookInstanceLifecycleConfigName") or resource_name,
        on_create=p.get("OnCreate"),
        on_start=p.get("OnStart"),
    )


sagemaker.FakeSagemakerNotebookInstance.create_from_cloudformation_json = classmethod(create_notebook)
sagemaker.FakeSageMakerNotebookInstanceLifecycleConfig.create_from_cloudformation_json = classmethod(create_lifecycle_config)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
