"""Creates the example's CodeDeploy application, deployment group and service role if they are missing.

In a real project these come from your infrastructure stack (AWS::CodeDeploy::Application and
AWS::CodeDeploy::DeploymentGroup); the local emulator's CloudFormation does not create CodeDeploy resources, so the
example makes them with the AWS API. Safe to run again.
"""
import json

import boto3

APP, GROUP, ROLE = "fink-example-app", "fink-example-group", "fink-example-codedeploy"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                  "Principal": {"Service": "codedeploy.amazonaws.com"}}]}


def role_arn(iam):
    try:
        return iam.get_role(RoleName=ROLE)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def main():
    codedeploy = boto3.client("codedeploy")
    if APP not in codedeploy.list_applications()["applications"]:
        codedeploy.create_application(applicationName=APP, computePlatform="Server")
        print(f"created application {APP}")
    if GROUP not in codedeploy.list_deployment_groups(applicationName=APP)["deploymentGroups"]:
        codedeploy.create_deployment_group(
            applicationName=APP, deploymentGroupName=GROUP, deploymentConfigName="CodeDeployDefault.AllAtOnce",
            serviceRoleArn=role_arn(boto3.client("iam")),
            ec2TagFilters=[{"Key": "Name", "Value": "fink-example", "Type": "KEY_AND_VALUE"}])
        print(f"created deployment group {GROUP}")
    print(f"CodeDeploy application {APP} with deployment group {GROUP} is ready")


if __name__ == "__main__":
    main()
