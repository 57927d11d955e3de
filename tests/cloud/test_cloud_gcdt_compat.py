"""What gcdt projects rely on in cloud: cloudformation.py imported once per run and shared by template and hooks,
legacy hooks refused loudly, the stack-policy override rule announced, and what generate_template receives."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fink_cloud.template import override_note

TEMPLATE = '''
import os
from troposphere import Template
from troposphere.sns import Topic

from fink import fink_signals

with open("imports.log", "a") as fh:   # module-level code: must run once per run
    fh.write("imported\\n")
STATE = {}


def generate_template(context, config):
    STATE["stack"] = config["stack"]["StackName"]     # the cloud section, as in gcdt
    STATE["whole"] = sorted(context["_config"])
    t = Template()
    t.add_resource(Topic("Topic"))
    return t


def _done(params):
    context, _ = params
    context["_ui"].info(f"hook sees state: {STATE}")


def register():
    fink_signals.command_finalized.connect(_done)


def deregister():
    fink_signals.command_finalized.disconnect(_done)
'''

LEGACY = '''
from troposphere import Template


def generate_template():
    return Template().to_json()


def post_create_hook(awsclient, config, stack_outputs):
    raise AssertionError("never called")


def pre_hook():
    pass
'''


@pytest.fixture
def folder(temp_folder, monkeypatch):
    monkeypatch.setenv("ENV", "dev")
    (temp_folder / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": "gcdt-compat"}}}))
    return temp_folder


def test_cloudformation_py_is_imported_once_and_shared_with_hooks(folder: Path, run_cli):
    (folder / "cloudformation.py").write_text(TEMPLATE)
    result = run_cli("cloud", "generate")
    assert result.exit_code == 0, result.output
    assert (folder / "imports.log").read_text() == "imported\n"
    assert "hook sees state: {'stack': 'gcdt-compat', 'whole': ['cloud', 'plugins']}" in result.stderr


def test_legacy_hooks_stop_deploy_and_warn_elsewhere(aws, folder: Path, run_cli):
    (folder / "cloudformation.py").write_text(LEGACY)
    result = run_cli("cloud", "deploy")
    assert result.exit_code == 3, result.output
    assert "defines gcdt's legacy hooks pre_hook(), post_create_hook(), which fink never calls" in result.stderr
    assert "post_create_hook -> fink_signals.command_finalized" in result.stderr
    import boto3
    assert boto3.client("cloudformation").list_stacks()["StackSummaries"] == []  # stopped before any change
    generated = run_cli("cloud", "generate")
    assert generated.exit_code == 0, generated.output
    assert "WARNING" in generated.stderr and "legacy hooks" in generated.stderr


def test_override_flag_wins_over_the_template_and_says_so():
    class WithPolicy:
        @staticmethod
        def get_stack_policy_during_update():
            return {"Statement": []}
    assert "get_stack_policy_during_update() is not used" in override_note(WithPolicy, True)
    assert override_note(WithPolicy, False) is None
    assert override_note(object(), True) is None
