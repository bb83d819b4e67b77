"""moto_server for the catalog stack's tear-down and redeploy (teardown_test.go).

It is moto_server.py (imported: its handlers apply) with what real
CloudFormation does on a stack's deletion and moto 5.2.1 does not, so that a
deleted catalog leaves only what it retains:

- AWS::EC2::VPCEndpoint, AWS::EC2::RouteTable and AWS::EC2::FlowLog have no
  delete handler in moto: their stack's VPC then cannot be deleted. They are
  deleted here, a gateway endpoint before its route tables (CloudFormation's
  order: the endpoint refers to them);
- AWS::IAM::ManagedPolicy has none either: the policy outlives its stack and
  the next stack cannot create it. It is deleted here, and, as IAM does,
  refused while a role still has it;
- the CDK's Custom::VpcRestrictDefaultSG (it removes the VPC's default
  security group rules) would run its Node.js function in Docker, and the
  stack would wait for it: it is answered at once, with no effect;
- the network's S3 prefix-list lookup (a CDK AwsCustomResource, Custom::AWS,
  whose Node.js function would run in Docker) is answered at once with the
  ID EC2 gives the S3 prefix list in eu-west-1 (pl-6da54004);
- AWS::CloudWatch::Alarm is not in moto's CloudFormation (moto skips the
  resource, and the dashboard's Fn::GetAtt of an alarm's Arn fails the
  stack): it is recorded, with the ARN CloudWatch gives it, and nothing
  else (constructs/dashboard's tests check the alarms in the template).

Nothing else is changed; Retain is moto's own (it skips those resources).
"""

import sys
import uuid

import moto_server  # noqa: F401  (its handlers)
from moto.cloudformation import custom_model
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.route_tables import RouteTable
from moto.ec2.models.vpcs import VPCEndPoint
from moto.iam.models import ManagedPolicy
from moto.server import main


def delete_endpoint(self, account_id, region_name):
    backend = ec2_backends[account_id][region_name]
    if self.id in backend.vpc_end_points and self.state != "deleted":
        backend.delete_vpc_endpoints([self.id])


def delete_route_table(self, account_id, region_name):
    backend = ec2_backends[account_id][region_name]
    if self.id not in backend.route_tables:
        return
    if any(e.state != "deleted" and self.id in (e.route_table_ids or []) for e in backend.vpc_end_points.values()):
        # moto's loop tries again in its next pass, after the endpoint.
        raise RuntimeError("route table %s: a gateway endpoint still has routes in it" % self.id)
    for association in list(self.associations):
        backend.disassociate_route_table(association)
    backend.delete_route_table(self.id)


def delete_flow_log(self, account_id, region_name):
    backend = ec2_backends[account_id][region_name]
    if self.id in backend.flow_logs:
        backend.delete_flow_logs([self.id])


def delete_managed_policy(self, account_id, region_name):
    if self.arn not in self.backend.managed_policies:
        return
    if self.attachment_count > 0:
        raise RuntimeError("DeleteConflict: Cannot delete a policy attached to entities: %s" % self.arn)
    self.backend.delete_policy(self.arn)


class RecordedAlarm(CloudFormationModel):
    """An AWS::CloudWatch::Alarm, recorded only."""

    __module__ = "moto.cloudwatch.models"  # moto files its models by service

    def __init__(self, name, arn):
        self.name, self.arn = name, arn

    @staticmethod
    def cloudformation_type():
        return "AWS::CloudWatch::Alarm"

    @staticmethod
    def cloudformation_name_type():
        return "AlarmName"

    @property
    def physical_resource_id(self):
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "Arn":
            return self.arn
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        name = cloudformation_json.get("Properties", {}).get("AlarmName") or resource_name
        return cls(name, "arn:aws:cloudwatch:%s:%s:alarm:%s" % (region_name, account_id, name))

    def delete(self, account_id, region_name):
        pass


previous_custom = custom_model.CustomModel.create_from_cloudformation_json.__func__


# What each custom resource the catalog uses answers, without its function.
answers = {
    "Custom::VpcRestrictDefaultSG": {},
    "Custom::AWS": {"PrefixLists.0.PrefixListId": "pl-6da54004"},
}


def create_custom(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    if kwargs.get("ResourceType") not in answers:
        return previous_custom(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    resource = custom_model.CustomModel(region_name, str(uuid.uuid4()), kwargs["LogicalId"], resource_name)
    resource.set_data(answers[kwargs["ResourceType"]])
    return resource


VPCEndPoint.delete = delete_endpoint
RouteTable.delete = delete_route_table
FlowLogs.delete = delete_flow_log
ManagedPolicy.delete = delete_managed_policy
custom_model.CustomModel.create_from_cloudformation_json = classmethod(create_custom)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
