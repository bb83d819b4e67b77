package authz

import (
	"fmt"
	"strings"
)

// physicalOf returns the Ref value and Fn::GetAtt attributes a resource of
// its type gets in the environment: explicit names when the template sets
// them, names CloudFormation would generate (stack name, logical ID and a
// deterministic suffix) otherwise. The formats follow each type's "Return
// values" section in the CloudFormation template reference
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html).
func physicalOf(r *resolver, id string, res Resource) (*physical, error) {
	e := r.env
	p, a := e.Partition, e.Account
	region := e.Region
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", p, service, region, a, resource)
	}
	seed := r.stackName + "/" + id
	// name is the explicit name in property prop, or a generated one.
	name := func(prop string, max int, lower bool) (string, error) {
		v, err := r.prop(id, prop)
		if err != nil {
			return "", err
		}
		if v != nil {
			return str(v)
		}
		return generatedName(r.stackName, id, seed, max, lower), nil
	}
	switch t := res.Type; {
	case t == "AWS::IAM::Role":
		n, err := name("RoleName", 64, false)
		if err != nil {
			return nil, err
		}
		path, err := pathProp(r, id)
		if err != nil {
			return nil, err
		}
		return &physical{ref: n, attrs: map[string]any{
			"Arn":    fmt.Sprintf("arn:%s:iam::%s:role%s%s", p, a, path, n),
			"RoleId": "AROA" + strings.ToUpper(hexID(seed, 17)),
		}}, nil
	case t == "AWS::IAM::ManagedPolicy":
		n, err := name("ManagedPolicyName", 128, false)
		if err != nil {
			return nil, err
		}
		path, err := pathProp(r, id)
		if err != nil {
			return nil, err
		}
		policyArn := fmt.Sprintf("arn:%s:iam::%s:policy%s%s", p, a, path, n)
		return &physical{ref: policyArn, attrs: map[string]any{"PolicyArn": policyArn}}, nil
	case t == "AWS::KMS::Key":
		keyID := uuid(seed)
		return &physical{ref: keyID, attrs: map[string]any{"Arn": arn("kms", "key/"+keyID), "KeyId": keyID}}, nil
	case t == "AWS::KMS::Alias":
		n, err := name("AliasName", 256, false)
		if err != nil {
			return nil, err
		}
		return &physical{ref: n, attrs: map[string]any{}}, nil
	case t == "AWS::S3::Bucket":
		n, err := name("BucketName", 63, true)
		if err != nil {
			return nil, err
		}
		return &physical{ref: n, attrs: map[string]any{
			"Arn":                 fmt.Sprintf("arn:%s:s3:::%s", p, n),
			"DomainName":          n + ".s3.amazonaws.com",
			"RegionalDomainName":  n + ".s3." + region + ".amazonaws.com",
			"DualStackDomainName": n + ".s3.dualstack." + region + ".amazonaws.com",
			"WebsiteURL":          "http://" + n + ".s3-website-" + region + ".amazonaws.com",
		}}, nil
	case t == "AWS::Lambda::Function":
		n, err := name("FunctionName", 64, false)
		if err != nil {
			return nil, err
		}
		return &physical{ref: n, attrs: map[string]any{"Arn": arn("lambda", "function:"+n)}}, nil
	case t == "AWS::SNS::Topic":
		n, err := name("TopicName", 256, false)
		if err != nil {
			return nil, err
		}
		topicArn := arn("sns", n)
		return &physical{ref: topicArn, attrs: map[string]any{"TopicArn": topicArn, "TopicName": n}}, nil
	case t == "AWS::SQS::Queue":
		n, err := name("QueueName", 80, false)
		if err != nil {
			return nil, err
		}
		url := fmt.Sprintf("https://sqs.%s.%s/%s/%s", region, e.URLSuffix, a, n)
		return &physical{ref: url, attrs: map[string]any{"Arn": arn("sqs", n), "QueueName": n, "QueueUrl": url}}, nil
	case t == "AWS::Logs::LogGroup":
		n, err := name("LogGroupName", 512, false)
		if err != nil {
			return nil, err
		}
		return &physical{ref: n, attrs: map[string]any{"Arn": arn("logs", "log-group:"+n+":*")}}, nil
	case t == "AWS::SSM::Parameter":
		n, err := name("Name", 1011, false)
		if err != nil {
			return nil, err
		}
		typ, _ := r.prop(id, "Type")
		val, err := r.prop(id, "Value")
		if err != nil {
			return nil, err
		}
		return &physical{ref: n, attrs: map[string]any{"Type": typ, "Value": val}}, nil
	case t == "AWS::SSM::Document":
		n, err := name("Name", 128, false)
		if err != nil {
			return nil, err
		}
		return &physical{ref: n, attrs: map[string]any{}}, nil
	case t == "AWS::Scheduler::Schedule":
		n, err := name("Name", 64, false)
		if err != nil {
			return nil, err
		}
		group := "default"
		if g, _ := r.prop(id, "GroupName"); g != nil {
			group, _ = str(g)
		}
		return &physical{ref: n, attrs: map[string]any{"Arn": arn("scheduler", "schedule/"+group+"/"+n)}}, nil
	case t == "AWS::EC2::VPC":
		return &physical{ref: "vpc-" + hexID(seed, 17), attrs: map[string]any{
			"DefaultSecurityGroup": "sg-" + hexID(seed+"/default-sg", 17),
			"DefaultNetworkAcl":    "acl-" + hexID(seed+"/default-acl", 17),
			"VpcId":                "vpc-" + hexID(seed, 17),
		}}, nil
	case t == "AWS::EC2::Subnet":
		sn := "subnet-" + hexID(seed, 17)
		return &physical{ref: sn, attrs: map[string]any{"SubnetId": sn}}, nil
	case t == "AWS::EC2::SecurityGroup":
		sg := "sg-" + hexID(seed, 17)
		return &physical{ref: sg, attrs: map[string]any{"GroupId": sg}}, nil
	case t == "AWS::EC2::RouteTable":
		return &physical{ref: "rtb-" + hexID(seed, 17), attrs: map[string]any{}}, nil
	case t == "AWS::EC2::VPCEndpoint":
		return &physical{ref: "vpce-" + hexID(seed, 17), attrs: map[string]any{"Id": "vpce-" + hexID(seed, 17)}}, nil
	case t == "AWS::ServiceCatalog::Portfolio":
		port := "port-" + strings.ToLower(suffix(seed, 13))
		dn, _ := r.prop(id, "DisplayName")
		return &physical{ref: port, attrs: map[string]any{"Id": port, "PortfolioName": dn}}, nil
	case t == "AWS::ServiceCatalog::CloudFormationProduct":
		prod := "prod-" + strings.ToLower(suffix(seed, 13))
		var pas []string
		arts, _ := res.Properties["ProvisioningArtifactParameters"].([]any)
		for i := range arts {
			pas = append(pas, "pa-"+strings.ToLower(suffix(fmt.Sprintf("%s/%d", seed, i), 13)))
		}
		pn, _ := r.prop(id, "Name")
		return &physical{ref: prod, attrs: map[string]any{"ProductName": pn, "ProvisioningArtifactIds": strings.Join(pas, ","),
			"ProvisioningArtifactNames": ""}}, nil
	case t == "AWS::ServiceCatalog::ServiceAction":
		return &physical{ref: "act-" + strings.ToLower(suffix(seed, 13)), attrs: map[string]any{}}, nil
	case t == "AWS::ServiceCatalog::TagOption":
		return &physical{ref: "tag-" + strings.ToLower(suffix(seed, 13)), attrs: map[string]any{}}, nil
	case t == "AWS::ServiceCatalog::AcceptedPortfolioShare":
		pid, err := r.prop(id, "PortfolioId")
		if err != nil {
			return nil, err
		}
		return &physical{ref: pid, attrs: map[string]any{}}, nil
	case t == "AWS::SageMaker::NotebookInstance":
		n, err := name("NotebookInstanceName", 63, false)
		if err != nil {
			return nil, err
		}
		// SageMaker returns ARNs in lower case; the name attribute is the
		// name as CloudFormation gave it.
		return &physical{ref: arn("sagemaker", "notebook-instance/"+strings.ToLower(n)), attrs: map[string]any{"NotebookInstanceName": n}}, nil
	case t == "AWS::SageMaker::NotebookInstanceLifecycleConfig":
		n, err := name("NotebookInstanceLifecycleConfigName", 63, false)
		if err != nil {
			return nil, err
		}
		return &physical{ref: arn("sagemaker", "notebook-instance-lifecycle-config/"+strings.ToLower(n)),
			attrs: map[string]any{"NotebookInstanceLifecycleConfigName": n}}, nil
	case strings.HasPrefix(t, "Custom::") || t == "AWS::CloudFormation::CustomResource":
		if t == "Custom::Workspace" && r.launch != nil {
			return r.assembly.workspace(r, id)
		}
		return &physical{ref: id + "-" + suffix(seed, 12), attrs: map[string]any{}}, nil
	case strings.HasPrefix(t, "AWS::"):
		// Resources nothing refers to by a modelled attribute (policies,
		// associations, endpoints' children): an opaque ID.
		return &physical{ref: generatedName(r.stackName, id, seed, 64, false), attrs: map[string]any{}}, nil
	}
	return nil, fmt.Errorf("resource type %s is not supported", res.Type)
}

// pathProp is an IAM resource's Path property, "/" by default.
func pathProp(r *resolver, id string) (string, error) {
	v, err := r.prop(id, "Path")
	if err != nil || v == nil {
		return "/", err
	}
	return str(v)
}

// generatedName is a name as CloudFormation generates it for a resource
// without an explicit one: <stack>-<logical ID>-<suffix>, shortened to max.
func generatedName(stack, id, seed string, max int, lower bool) string {
	sfx := suffix(seed, 13)
	base := stack + "-" + id
	if len(base)+1+len(sfx) > max {
		base = base[:max-1-len(sfx)]
	}
	n := base + "-" + sfx
	if lower {
		n = strings.ToLower(n)
	}
	return n
}
