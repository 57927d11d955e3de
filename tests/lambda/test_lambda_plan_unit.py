"""Pure unit tests: deploy planning, wiring plans, rollback targets, artifact keys."""
from fink_lambda.deploy import artifact_key
from fink_lambda.deploy_plan import FunctionSpec, plan_deploy, plan_lines
from fink_lambda.operate import previous_version
from fink_lambda.wiring import Target, kind_of, plan_edge, plan_s3, sid_for

SPEC = FunctionSpec("fn", "arn:aws:iam::1:role/r", "h.h", "python3.12", environment=(("A", "1"),))
REMOTE = {"CodeSha256": "abc", "Role": "arn:aws:iam::1:role/r", "Handler": "h.h", "Runtime": "python3.12",
          "Timeout": 3, "MemorySize": 128, "Environment": {"Variables": {"A": "1"}}, "Architectures": ["x86_64"]}
TARGET = Target("fn", "arn:aws:lambda:us-east-1:1:function:fn", "4", "us-east-1")


def test_new_function_is_created_and_published():
    plan = plan_deploy(SPEC, "abc", None)
    assert plan.create and plan.publish
    assert plan_lines(plan) == ["create function 'fn' (CodeSha256 abc)", "publish a new version and point ACTIVE at it"]


def test_unchanged_function_changes_nothing():
    plan = plan_deploy(SPEC, "abc", REMOTE, alias_version="3", active={**REMOTE, "Description": "fink deploy abc"})
    assert not plan.changed and not plan.publish and plan.set_retention is None
    assert plan_lines(plan) == ["code unchanged - won't upload the bundle",
                                "nothing changed - ACTIVE stays at version 3"]


def test_missing_alias_publishes_even_without_changes():
    assert plan_deploy(SPEC, "abc", REMOTE, alias_version=None).publish


def test_active_behind_latest_publishes_without_uploading():
    for active in ({**REMOTE, "CodeSha256": "old"}, {**REMOTE, "Timeout": 9}, None):
        plan = plan_deploy(SPEC, "abc", REMOTE, alias_version="3", active=active)
        assert plan.publish and not plan.changed
        assert plan_lines(plan)[-1] == ("ACTIVE (version 3) does not run this code and configuration - "
                                        "publish a version and point ACTIVE at it")


def test_only_differing_configuration_is_updated():
    plan = plan_deploy(FunctionSpec(**{**SPEC.__dict__, "memory": 256, "environment": ()}), "abc", REMOTE, "3")
    assert not plan.upload_code and set(plan.config_changes) == {"MemorySize", "Environment"}
    assert plan.config_changes["Environment"] == {"Variables": {}}  # removing the last variable is a change


def test_code_and_architecture_changes_upload():
    assert plan_deploy(SPEC, "new", REMOTE, "3").upload_code
    arm = FunctionSpec(**{**SPEC.__dict__, "architectures": ("arm64",)})
    assert plan_deploy(arm, "abc", REMOTE, "3").upload_code


def test_retention_set_only_when_it_differs():
    spec = FunctionSpec(**{**SPEC.__dict__, "retention": 14})
    assert plan_deploy(spec, "abc", REMOTE, "3", retention=14).set_retention is None
    plan = plan_deploy(spec, "abc", REMOTE, "3", retention=None, active=REMOTE)
    assert plan.set_retention == 14 and not plan.publish


def test_previous_version():
    assert previous_version([1, 2, 3], "3") == 2
    assert previous_version([1, 2, 5], "5") == 2
    assert previous_version([1, 2, 3], None) == 2
    assert previous_version([1], "1") is None


def test_artifact_key_is_content_addressed_and_url_safe():
    key = artifact_key("eu-west-1", "fn", "+/8=" + "A" * 40)
    assert key.startswith("lambda/eu-west-1/fn/") and "+" not in key and "/" not in key.split("/")[-1]


def test_kinds_and_sids():
    assert kind_of({"name": "r", "schedule": "rate(1 minute)"}) == "events"
    assert kind_of({"arn": "arn:aws:dynamodb:eu-west-1:1:table/t/stream/x"}) == "dynamodb"
    assert sid_for("s3", "arn:aws:s3:::b") == sid_for("s3", "arn:aws:s3:::b") != sid_for("s3", "arn:aws:s3:::c")


def test_s3_plan_keeps_other_configurations():
    other = {"Id": "x", "LambdaFunctionArn": "arn:other", "Events": ["s3:ObjectRemoved:*"]}
    current = {"LambdaFunctionConfigurations": [other], "QueueConfigurations": [{"Id": "q"}]}
    writes = []
    (action,) = plan_s3(current, {"arn": "arn:aws:s3:::b", "prefix": "in/"}, TARGET, False, writes.append)
    action.run()
    (written,) = writes
    assert written["QueueConfigurations"] == [{"Id": "q"}]
    assert written["LambdaFunctionConfigurations"][0] == other
    assert written["LambdaFunctionConfigurations"][1]["Filter"] == {"Key": {"FilterRules": [
        {"Name": "prefix", "Value": "in/"}]}}


def test_edge_unwire_leaves_foreign_associations():
    foreign = {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:1:function:other:2", "EventType": "origin-request"}
    config = {"DefaultCacheBehavior": {"LambdaFunctionAssociations": {"Quantity": 1, "Items": [foreign]}}}
    assert plan_edge(config, {"cloudfront_event": "origin-request"}, TARGET, True, print) == []
