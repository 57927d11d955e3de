"""Stack groups, pure parts and discovery: references, explicit dependencies, cycles, waves, the dot picture,
the member folders found under a root, the multi-word command selection and the TTY block of the UI."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from fink.errors import ConfigError
from fink.tool import Tool
from fink.ui import UI
from fink_cloud.cli import TOOL
from fink_cloud.group_discovery import discover_members
from fink_cloud.group_graph import (Member, build_graph, dependents_closure, group_dot, reverse_waves,
                                    stack_references, waves)
from fink_testtools.golden import assert_golden
from fink_testtools.helpers import TTYStringIO

GOLDEN = Path(__file__).parent / "golden"
SAMPLE = Path(__file__).parents[1] / "resources" / "cloud_group"


def member(folder: str, stack: str, **config) -> Member:
    return Member(folder, stack, {"stack": {"StackName": stack}, **config})


def lookup(stack: str, output: str = "Out") -> dict:
    return {"parameters": {f"P{stack}{output}": f"lookup:stack:{stack}:{output}"}}


def test_references_cover_every_lookup_form_anywhere_in_the_section():
    config = {"parameters": {"A": "lookup:stack:net:VpcId", "B": ["x", "lookup:stack:net:Subnets:optional"],
                             "C": {"deep": "lookup:stack:data"}, "D": "lookup:parameter:/x", "E": "stack:net"}}
    assert stack_references(config) == {"net": ["VpcId", "Subnets"], "data": []}


def test_graph_from_lookups_and_dependsOn_with_waves_both_ways():
    members = [member("net", "s-net"), member("data", "s-data", **lookup("s-net")),
               member("queue", "s-queue", **lookup("s-net", "Arn")),
               member("app", "s-app", parameters={"A": "lookup:stack:s-data:X", "B": "lookup:stack:s-queue:Y"}),
               member("audit", "s-audit"), member("reports", "s-reports", group={"dependsOn": ["s-audit"]}),
               member("edge", "s-edge", **lookup("shared-dns", "Zone"))]
    graph = build_graph(members)
    assert graph.depends["app"] == {"data", "queue"} and graph.depends["reports"] == {"audit"}
    assert graph.external == {"shared-dns": ["edge"]}
    assert waves(graph) == [["audit", "edge", "net"], ["data", "queue", "reports"], ["app"]]
    assert reverse_waves(graph) == [["app", "edge", "reports"], ["audit", "data", "queue"], ["net"]]
    assert dependents_closure(graph, "net") == ["app", "data", "queue"]
    assert_golden(GOLDEN / "group.dot", group_dot(graph))


def test_cycle_is_reported_with_its_folders_in_order():
    members = [member("a", "s-a", **lookup("s-c")), member("b", "s-b", **lookup("s-a")),
               member("c", "s-c", group={"dependsOn": ["s-b"]}), member("d", "s-d")]
    with pytest.raises(ConfigError) as err:
        build_graph(members)
    assert "dependency cycle: a (s-a) -> c (s-c) -> b (s-b) -> a (s-a)" in err.value.message


def test_duplicate_stack_and_malformed_dependsOn_name_the_folders():
    with pytest.raises(ConfigError, match="declared by two members: one and two"):
        build_graph([member("one", "s"), member("two", "s")])
    with pytest.raises(ConfigError, match="^x: cloud.group.dependsOn must be a list"):
        build_graph([member("x", "s-x", group={"dependsOn": "s-y"})])


def test_a_member_looking_up_its_own_stack_does_not_depend_on_itself():
    graph = build_graph([member("a", "s-a", **lookup("s-a"))])
    assert graph.depends["a"] == frozenset() and graph.edges == ()


def test_discovery_finds_the_sample_members_and_honours_finkignore():
    found = discover_members(str(SAMPLE), "dev")
    assert [(m.folder, m.stack_name) for m in found.members] == [
        ("audit", "fink-grp-audit"), ("base", "fink-grp-base"), ("data", "fink-grp-data"),
        ("queue", "fink-grp-queue"), ("services/app", "fink-grp-app"), ("services/reports", "fink-grp-reports")]
    # legacy/ is a cloud project too, but .finkignore leaves it out; docs/ is no project at all
    assert "legacy" not in [m.folder for m in found.members]


def test_discovery_reports_what_it_left_out_and_an_empty_group(tmp_path):
    (tmp_path / "tpl-only").mkdir()
    (tmp_path / "tpl-only" / "cloudformation.py").write_text("")
    (tmp_path / "no-template").mkdir()
    (tmp_path / "no-template" / "fink_dev.json").write_text(json.dumps({"cloud": {"stack": {"StackName": "x"}}}))
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "fink_dev.json").write_text("{not json")  # never read: hidden folders are skipped
    with pytest.raises(ConfigError, match="No stack group members under") as err:
        discover_members(str(tmp_path), "dev")
    assert "fink_dev.*" in err.value.hint
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "fink_dev.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"^bad: fink_dev.json, line 1"):
        discover_members(str(tmp_path), "dev")


def test_multi_word_commands_win_over_their_last_word():
    assert TOOL.command_of({"group": True, "deploy": True, "--json": False}) == "group deploy"
    assert TOOL.command_of({"group": False, "deploy": True}) == "deploy"
    assert Tool("t", "", {"a": "m:a"}).command_of({"b": True, "a": True}) == "a"


def test_status_block_is_redrawn_in_place_on_a_tty_and_absent_elsewhere():
    tty = TTYStringIO()
    ui = UI(io.StringIO(), tty, environ={})
    ui.status_block(["a | 1s  x", "b | 2s  y"])
    ui.status_block(["a | 3s  z"])
    ui.info("done")
    assert tty.getvalue() == "a | 1s  x\nb | 2s  y\r\x1b[1A\x1b[Ja | 3s  z\r\x1b[Kdone\n"
    plain = io.StringIO()
    UI(io.StringIO(), plain, environ={}).status_block(["a"])
    assert plain.getvalue() == ""


def test_combined_preview_table_and_summary_are_pinned():
    from fink_cloud.group_render import preview_rows, preview_table, summary_table
    from fink_cloud.group_runner import MemberResult
    add = {"Action": "Add", "LogicalResourceId": "Topic", "ResourceType": "AWS::SNS::Topic", "Replacement": "-"}
    remove = {"Action": "Remove", "LogicalResourceId": "Old", "ResourceType": "AWS::S3::Bucket", "Replacement": "-"}
    results = [
        MemberResult("base", "s-base", "previewed", "", 1.0, {"ChangeSetType": "CREATE", "Changes": [add],
                                                               "ParameterChanges": []}),
        MemberResult("data", "s-data", "previewed", "", 2.0, {
            "ChangeSetType": "UPDATE", "Changes": [remove],
            "ParameterChanges": [{"ParameterKey": "Name", "OldValue": "a", "NewValue": "b"},
                                 {"ParameterKey": "Token", "OldValue": None, "NewValue": "****"}]}),
        MemberResult("services/app", "s-app", "waiting", "looks up s-data, not deployed yet"),
        MemberResult("queue", "s-queue", "failed", "Lookup failed (1 lookup):"),
    ]
    text = preview_table(preview_rows(results)) + "\n\n" + summary_table(results) + "\n"
    assert_golden(GOLDEN / "preview_and_summary.txt", text)


def test_a_python_member_config_is_read_from_its_own_folder(tmp_path, monkeypatch):
    member_dir = tmp_path / "net"
    member_dir.mkdir()
    (member_dir / "name.txt").write_text("fink-net-from-file")
    (member_dir / "cloudformation.py").write_text("")
    (member_dir / "fink_dev.py").write_text(
        "def generate_config():\n"
        "    return {'cloud': {'stack': {'StackName': open('name.txt').read()}}}\n")
    monkeypatch.chdir(tmp_path)
    found = discover_members(".", "dev")
    assert [(m.folder, m.stack_name) for m in found.members] == [("net", "fink-net-from-file")]
    assert Path.cwd() == tmp_path
