"""A stack whose parameters carry a secret (Token) and a value with a template default (Mode)."""


def generate_template():
    return {
        "Description": "fink secret parameter test stack",
        "Parameters": {"Token": {"Type": "String"}, "Mode": {"Type": "String", "Default": "fast"}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "fink-secret-test"}}},
        "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}},
    }
