"""Renderings pinned with golden files (set FINK_UPDATE_GOLDEN=1 to rewrite them after an intended change)."""
from pathlib import Path

from fink_lambda.deploy_plan import DeployPlan, plan_lines
from fink_lambda.inspection import function_rows, info_lines, list_table
from fink_testtools.golden import assert_golden

GOLDEN = Path(__file__).parent / "golden"


def check(name: str, text: str) -> None:
    assert_golden(GOLDEN / name, text)


def test_list_table():
    functions = [{"FunctionName": name, "MemorySize": 128, "Timeout": 30, "Role": "arn:aws:iam::1:role/r",
                  "LastModified": "2026-01-01T00:00:00.000+0000", "CodeSha256": "Yf1vABC="}
                 for name in ("zeta", "alpha")]
    check("list.txt", list_table(function_rows(functions, {"alpha": "3", "zeta": None})) + "\n")


def test_info_lines():
    conf = {"FunctionName": "fn", "Runtime": "python3.12", "Handler": "handler.handle", "MemorySize": 128,
            "Timeout": 30, "Role": "arn:aws:iam::1:role/r", "CodeSha256": "Yf1vABC="}
    statements = [{"Sid": "fink-sns-0123456789", "Principal": {"Service": "sns.amazonaws.com"},
                   "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:eu-west-1:1:topic"}}}]
    events = [("arn:aws:sns:eu-west-1:1:topic", "wired"), ("rule tick", "not wired")]
    check("info.txt", "\n".join(info_lines(conf, {"FunctionVersion": "3"}, [1, 2, 3], statements, events)) + "\n")


def test_plan_lines():
    plan = DeployPlan("fn", "new=", "old=", upload_code=True, config_changes={"Timeout": 60, "Role": "r"},
                      set_retention=14, publish=True, alias_version="3")
    check("plan.txt", "\n".join(plan_lines(plan)) + "\n")
