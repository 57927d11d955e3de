"""`fink migrate-gcdt` on small folders: what it rewrites, what it lists for a person, and that it never overwrites."""
from __future__ import annotations

import json
from pathlib import Path

from fink.migrate_gcdt import plan_migration

TEMPLATE = '''from gcdt.kumo_util import ensure_ebs_volume_tags_autoscaling_group
from gcdt_kumo import route53
from gcdt.gcdt_awsclient import AWSClient
from troposphere import autoscaling, ec2

t.add_version("2010-09-09")
asg = autoscaling.AutoScalingGroup("Asg", DesiredCapacity=2, MinSize=1, MaxSize=3)
disk = ec2.BlockDeviceMapping(DeviceName="/dev/xvda", Ebs=ec2.EBSBlockDevice(VolumeSize=8))


def post_update_hook(awsclient, config):
    pass
'''


def test_python_rewrites_and_what_needs_a_person(tmp_path: Path):
    (tmp_path / "cloudformation.py").write_text(TEMPLATE)
    (tmp_path / "gcdt_prod.py").write_text("def generate_config():\n    return {'kumo': {'stack': {}}}\n")
    (tmp_path / "index.js").write_text("if (event.ramuda_action === 'ping') { return 'alive'; }\n")
    migration = plan_migration(str(tmp_path))
    assert migration.contents["index.js"] == "if (event.lambda_action === 'ping') { return 'alive'; }\n"
    new = migration.contents["cloudformation.py"]
    assert "from fink_cloud.cloud_util import ensure_ebs_volume_tags_autoscaling_group" in new
    assert "from fink_cloud import route53" in new and 't.set_version("2010-09-09")' in new
    assert 'DesiredCapacity="2", MinSize=1' in new
    assert migration.contents["gcdt_prod.py"] == "def generate_config():\n    return {'cloud': {'stack': {}}}\n"
    assert ("gcdt_prod.py", "fink_prod.py") in migration.renames
    problems = [str(p) for p in migration.problems]
    assert problems[0].startswith("cloudformation.py:3: from gcdt.gcdt_awsclient import AWSClient: imports a gcdt "
                                  "module that has no fink counterpart")
    assert problems[1].startswith("cloudformation.py:8: ") and "ec2.EbsBlockDevice" in problems[1]
    assert problems[2].startswith("cloudformation.py:11: def post_update_hook(awsclient, config):: gcdt legacy hook")


def test_yaml_config_lookups_runtimes_and_no_overwrite(tmp_path: Path, run_cli):
    (tmp_path / "gcdt_dev.yaml").write_text(
        "# team config\nramuda:\n  lambda:\n    runtime: python2.7\n    role: lookup:ssl:example.org\n")
    (tmp_path / "fink_dev.yaml").write_text("cloud: {}\n")
    migration = plan_migration(str(tmp_path))
    assert migration.contents["gcdt_dev.yaml"].startswith("lambda:\n  lambda:\n    runtime: python2.7\n")
    texts = [p.text for p in migration.problems]
    assert any("runtime python2.7 is no longer supported" in t for t in texts)
    assert any("lambda.lambda.role: 'lookup:ssl:example.org'" in t for t in texts)
    assert any("comments of this YAML file were not kept" in t for t in texts)
    result = run_cli("fink", "migrate-gcdt", str(tmp_path))
    assert result.exit_code == 3 and "fink_dev.yaml exists already: not renaming gcdt_dev.yaml" in result.stderr
    assert (tmp_path / "gcdt_dev.yaml").read_text().startswith("# team config")  # nothing was changed


def test_a_fink_project_has_nothing_to_migrate(tmp_path: Path, run_cli):
    (tmp_path / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": "s"}}}))
    result = run_cli("fink", "migrate-gcdt", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == ["  nothing to rename or rewrite", "Nothing left to convert by hand.",
                                              "0 file(s) were renamed, 0 were rewritten."]
