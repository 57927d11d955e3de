"""Pure parts of the code tool: schema defaults, parsing CodeDeploy responses, renderings, the S3 key."""
import base64
import hashlib

from fink.config import fill_defaults, load_schema, validation_errors
from fink_code.cli import TOOL
from fink_code.commands import DEFAULT_TIMEOUT
from fink_code.model import Overview, instance_from, revision_key, state_from
from fink_code.report import instance_details, progress_line

SCHEMA = load_schema("fink_code", "schema.yaml")
SECTION = {"codedeploy": {"applicationName": "a", "deploymentGroupName": "g",
                          "deploymentConfigName": "CodeDeployDefault.OneAtATime"}}


def test_schema_defaults_match_the_tool_and_the_guide():
    filled = fill_defaults(SECTION, SCHEMA)
    assert filled["defaults"] == {"log_group": "/var/log/messages", "settings_file": "settings.json",
                                  "stack_output_file": "stack_output.yml", "validate": True,
                                  "non_config_commands": sorted(TOOL.non_config_commands)}
    assert fill_defaults({**SECTION, "bundling": {}}, SCHEMA)["bundling"] == {"zip": "bundle.zip"}
    assert SCHEMA["properties"]["deployment"]["properties"]["timeout"]["default"] == DEFAULT_TIMEOUT


def test_schema_requires_the_codedeploy_names_and_accepts_settings_and_stack_output():
    assert validation_errors(fill_defaults(SECTION, SCHEMA), SCHEMA, "code") == []
    errors = validation_errors({"codedeploy": {"applicationName": "a"}, "stack_output": {"Out": "x"},
                                "settings": {"any": {"nested": 1}}}, SCHEMA, "code")
    assert errors == ["code.codedeploy: 'deploymentGroupName' is a required property",
                      "code.codedeploy: 'deploymentConfigName' is a required property"]
    errors = validation_errors({**SECTION, "bundling": {"folders": [{"target": "x"}]}}, SCHEMA, "code")
    assert errors == ["code.bundling.folders.0: 'source' is a required property"]


def test_the_s3_key_names_the_application_and_the_bundle_hash():
    digest = hashlib.sha256(b"bundle").digest()
    key = revision_key("my-app", base64.b64encode(digest).decode())
    assert key == f"my-app/bundle-{digest.hex()}.zip"


def test_a_deployment_without_error_information_parses():
    """moto (and AWS before a deployment failed) send an empty errorInformation."""
    state = state_from({"deploymentId": "d-1", "status": "InProgress", "errorInformation": {},
                        "deploymentOverview": {"Pending": 2, "InProgress": 1, "Ready": 0}})
    assert state.overview == Overview(pending=2, in_progress=1)
    assert (state.error_code, state.error_message, state.done) == ("", "", False)
    assert progress_line(state, 75) == ("d-1 InProgress: 2 pending, 1 in progress, 0 succeeded, 0 failed, "
                                        "0 skipped (1m15s)")


def test_the_first_failed_lifecycle_event_is_reported():
    instance = instance_from({"targetId": "i-1", "status": "Failed", "lifecycleEvents": [
        {"lifecycleEventName": "BeforeInstall", "status": "Failed", "diagnostics": {"errorCode": "ScriptTimedOut"}},
        {"lifecycleEventName": "AfterInstall", "status": "Failed", "diagnostics": {"errorCode": "ScriptFailed"}},
        {"lifecycleEventName": "ApplicationStart", "status": "Skipped"}]})
    assert instance.failed_event.name == "BeforeInstall"
    assert instance.last_event == "AfterInstall (Failed)"
    lines = instance_details(instance, "/var/log/messages", [])
    assert lines == ["Instance i-1: Failed", "  lifecycle event BeforeInstall Failed, error ScriptTimedOut",
                     "  no lines in log group /var/log/messages (stream i-1) since the deployment began"]
