"""moto_server, with CloudFormation's SageMaker notebook handlers completed.

Used by launch_test.go. moto 5.2.1 already runs the CloudFormation engine:
it creates, updates and deletes the product stack, resolves Ref, Fn::Sub,
Fn::GetAtt and the launch parameters. Two of its resource handlers are thin:

- AWS::SageMaker::NotebookInstance passes only InstanceType and RoleArn to
  CreateNotebookInstance, names the notebook after the logical ID, and tags
  it with none of the aws:cloudformation:* tags CloudFormation adds;
- AWS::SageMaker::NotebookInstanceLifecycleConfig ignores the name property;
- AWS::IAM::Role ignores ManagedPolicyArns (on create, and on delete, where
  CloudFormation detaches them);

and moto resolves no {{resolve:ssm:NAME}} dynamic reference. Real
CloudFormation passes every property and resolves the references with the
caller's (the launch role's) credentials. This wrapper does the same, through
moto's own SageMaker and SSM backends, so that the test can check through the
SageMaker API what a launch really requests.

Custom resources: moto invokes their Lambda function in Docker, in the
background, so resources that use their attributes get none. For the
notebook's Custom::Workspace, this wrapper runs the real handler instead,
given as a host binary in WORKSPACE_HANDLER (the catalog's functions built
for the test machine, run with -invoke): synchronously, with the event
CloudFormation sends (Create, and Update, which moto lacks for custom
resources). moto serves no request while it creates a stack, so
the handler's one call, DescribeStacks, is answered from moto's record of
the stack (its tags included), and its response is taken as CloudFormation
would (see LaunchRecord). Nothing else is changed.
"""

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import urllib.parse
import uuid

from moto.cloudformation import cloudformation_backends
from moto.cloudformation import custom_model
from moto.iam import models as iam
from moto.utilities.utils import get_partition
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


def cloudformation_tags(stack_id, logical_id):
    """The tags CloudFormation adds to the resources it creates ("CloudFormation
    resource tagging", AWS CloudFormation Template Reference): no principal can
    set or change them. The janitor reads the stack name."""
    return [
        {"Key": "aws:cloudformation:stack-name", "Value": stack_id.split("/")[1]},
        {"Key": "aws:cloudformation:stack-id", "Value": stack_id},
        {"Key": "aws:cloudformation:logical-id", "Value": logical_id},
    ]


def create_notebook(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    p = resolve(cloudformation_json["Properties"], account_id, region_name)
    system = kwargs.get("SystemTags")
    if system is None:
        system = cloudformation_tags(kwargs["StackId"], kwargs["LogicalId"])
    return sagemaker.sagemaker_backends[account_id][region_name].create_notebook_instance(
        notebook_instance_name=p.get("NotebookInstanceName") or resource_name,
        instance_type=p["InstanceType"],
        role_arn=p["RoleArn"],
        subnet_id=p.get("SubnetId"),
        security_group_ids=p.get("SecurityGroupIds"),
        kms_key_id=p.get("KmsKeyId"),
        # CloudFormation passes a Number parameter as a string; moto keeps the number.
        tags=[{"Key": t["Key"], "Value": str(t["Value"])} for t in p.get("Tags") or []] + system,
        lifecycle_config_name=p.get("LifecycleConfigName"),
        direct_internet_access=p.get("DirectInternetAccess", "Enabled"),
        volume_size_in_gb=int(p.get("VolumeSizeInGB", 5)),
        root_access=p.get("RootAccess"),
    )


def update_notebook(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    """moto replaces the notebook on update (without the stack's ID): the
    replacement keeps the original's aws:cloudformation:* tags."""
    system = [t for t in original_resource.tags if t["Key"].startswith("aws:cloudformation:")]
    cls.delete_from_cloudformation_json(original_resource.arn, cloudformation_json, account_id, region_name)
    return create_notebook(cls, original_resource.notebook_instance_name, cloudformation_json, account_id, region_name,
                           SystemTags=system)


def create_lifecycle_config(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    p = resolve(cloudformation_json["Properties"], account_id, region_name)
    return sagemaker.sagemaker_backends[account_id][region_name].create_notebook_instance_lifecycle_config(
        notebook_instance_lifecycle_config_name=p.get("NotebookInstanceLifecycleConfigName") or resource_name,
        on_create=p.get("OnCreate"),
        on_start=p.get("OnStart"),
    )


original_custom = custom_model.CustomModel.create_from_cloudformation_json.__func__


class LaunchRecord(http.server.BaseHTTPRequestHandler):
    """Serves the workspace handler while moto creates a stack.

    moto answers no request to its own API while it creates a stack (the
    handler's DescribeStacks would wait forever), so this answers the
    handler's calls from moto's records: DescribeStacks from the stack being
    created (its ID, name and tags), IAM's GetRole and GetUser (the launching
    principal's unique ID) from moto's IAM; and it takes the handler's
    response (the PUT to ResponseURL)."""

    # Set per handler run, on a subclass of its own (see
    # run_workspace_handler): stacks created side by side each have theirs.
    stack = None
    response = None

    def do_POST(self):
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        stack = self.stack
        if form.get("Action") in (["GetRole"], ["GetUser"]):
            return self.identity(form)
        if form.get("Action") != ["DescribeStacks"] or form.get("StackName") not in ([stack.stack_id], [stack.name]):
            return self.reply(400, "<ErrorResponse><Error><Code>ValidationError</Code><Message>unexpected call %s</Message></Error></ErrorResponse>" % esc(str(form)))
        tags = "".join("<member><Key>%s</Key><Value>%s</Value></member>" % (esc(k), esc(v)) for k, v in stack.tags.items())
        self.reply(200, (
            '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>'
            "<StackName>%s</StackName><StackId>%s</StackId><CreationTime>2026-01-01T00:00:00Z</CreationTime>"
            "<StackStatus>CREATE_IN_PROGRESS</StackStatus><Tags>%s</Tags></member></Stacks></DescribeStacksResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>") % (esc(stack.name), esc(stack.stack_id), tags))

    def identity(self, form):
        """GetRole or GetUser, from moto's IAM (its unique ID is what matters)."""
        backend = iam.iam_backends[self.stack.account_id][get_partition(self.stack.region_name)]
        action = form["Action"][0]
        try:
            if action == "GetRole":
                entity = backend.get_role(form["RoleName"][0])
                kind, name, unique = "Role", entity.name, entity.id
            else:
                entity = backend.get_user(form["UserName"][0])
                kind, name, unique = "User", entity.name, entity.id
        except Exception as e:
            return self.reply(404, "<ErrorResponse><Error><Code>NoSuchEntity</Code><Message>%s</Message></Error></ErrorResponse>" % esc(str(e)))
        self.reply(200, (
            '<%(a)sResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><%(a)sResult><%(k)s>'
            "<Path>%(p)s</Path><%(k)sName>%(n)s</%(k)sName><%(k)sId>%(i)s</%(k)sId><Arn>%(arn)s</Arn>"
            "<CreateDate>2026-01-01T00:00:00Z</CreateDate></%(k)s></%(a)sResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></%(a)sResponse>") % {
                "a": action, "k": kind, "p": esc(entity.path), "n": esc(name), "i": esc(unique), "arn": esc(entity.arn)})

    def do_PUT(self):
        type(self).response = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.reply(200, "")

    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "text/xml")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def esc(value):
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run_workspace_handler(handler, request_type, stack, resource, properties, physical_id=None, old_properties=None):
    """Runs the workspace handler for one event, as CloudFormation invokes it."""
    record = type("LaunchRecord", (LaunchRecord,), {"stack": stack, "response": None})
    server = http.server.HTTPServer(("127.0.0.1", 0), record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = "http://127.0.0.1:%d" % server.server_address[1]
    event = {
        "RequestType": request_type,
        "ServiceToken": properties["ServiceToken"],
        "ResponseURL": endpoint + "/response",
        "StackId": stack.stack_id,
        "RequestId": resource.request_id,
        "LogicalResourceId": resource.logical_id,
        "ResourceType": "Custom::Workspace",
        "ResourceProperties": properties,
    }
    if physical_id:
        event["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = old_properties
    env = dict(os.environ, FUNCTION="workspace", AWS_ENDPOINT_URL=endpoint, AWS_REGION=stack.region_name,
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    try:
        done = subprocess.run([handler, "-invoke"], input=json.dumps(event).encode(), env=env, capture_output=True, timeout=60)
    finally:
        server.shutdown()
    answer = record.response or {}
    if done.returncode != 0 or answer.get("Status") != "SUCCESS":
        raise ValueError("Custom::Workspace %s failed: %s %s %s" % (request_type, answer.get("Reason"), done.stdout.decode(), done.stderr.decode()))
    resource.resource_name = answer["PhysicalResourceId"]
    resource.set_data(answer.get("Data") or {})
    return resource


def create_custom(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    handler = os.environ.get("WORKSPACE_HANDLER")
    if kwargs.get("ResourceType") != "Custom::Workspace" or not handler:
        return original_custom(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    stack = cloudformation_backends[account_id][region_name].get_stack(kwargs["StackId"])
    resource = custom_model.CustomModel(region_name, str(uuid.uuid4()), kwargs["LogicalId"], resource_name)
    stack.add_custom_resource(resource)
    resource.properties = cloudformation_json["Properties"]
    return run_workspace_handler(handler, "Create", stack, resource, resource.properties)


def update_custom(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    """moto has no update for custom resources; CloudFormation sends an Update event."""
    handler = os.environ["WORKSPACE_HANDLER"]
    backend = cloudformation_backends[account_id][region_name]
    stack = next(s for s in backend.stacks.values() if s.custom_resources.get(original_resource.logical_id) is original_resource)
    resource = custom_model.CustomModel(region_name, str(uuid.uuid4()), original_resource.logical_id, original_resource.resource_name)
    stack.add_custom_resource(resource)
    resource.properties = cloudformation_json["Properties"]
    return run_workspace_handler(handler, "Update", stack, resource, resource.properties,
                                 original_resource.resource_name, getattr(original_resource, "properties", {}))


original_role = iam.Role.create_from_cloudformation_json.__func__


def create_role(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    role = original_role(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    backend = iam.iam_backends[account_id][get_partition(region_name)]
    for arn in cloudformation_json["Properties"].get("ManagedPolicyArns", []):
        backend.attach_role_policy(arn, role.name)
    return role


original_delete_role = iam.Role.delete_from_cloudformation_json.__func__


def delete_role(cls, resource_name, cloudformation_json, account_id, region_name):
    backend = iam.iam_backends[account_id][get_partition(region_name)]
    for role in list(backend.roles.values()):
        if role.name == resource_name:
            for arn in list(role.managed_policies):
                backend.detach_role_policy(arn, role.name)
    return original_delete_role(cls, resource_name, cloudformation_json, account_id, region_name)


iam.Role.create_from_cloudformation_json = classmethod(create_role)
iam.Role.delete_from_cloudformation_json = classmethod(delete_role)
custom_model.CustomModel.create_from_cloudformation_json = classmethod(create_custom)
custom_model.CustomModel.update_from_cloudformation_json = classmethod(update_custom)
sagemaker.FakeSagemakerNotebookInstance.create_from_cloudformation_json = classmethod(create_notebook)
sagemaker.FakeSagemakerNotebookInstance.update_from_cloudformation_json = classmethod(update_notebook)
sagemaker.FakeSageMakerNotebookInstanceLifecycleConfig.create_from_cloudformation_json = classmethod(create_lifecycle_config)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
