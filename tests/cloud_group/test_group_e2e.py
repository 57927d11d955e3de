"""Stack groups end to end: ``cloud group ...`` runs in-process, its members run as real ``cloud`` processes
against moto, and every claim is checked with independent botocore calls and the emulator's own timestamps.

The sample system (tests/resources/cloud_group) has six members in folders:
base <- data, base <- queue, (data, queue) <- services/app (a chain and a diamond, by lookup:stack), audit <-
services/reports (by cloud.group.dependsOn), and legacy/ which .finkignore leaves out.
"""
from __future__ import annotations

import contextlib
import html
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest

EDGES = [("data", "base"), ("queue", "base"), ("app", "data"), ("app", "queue"), ("reports", "audit")]
MEMBERS = ["audit", "base", "data", "queue", "app", "reports"]
TOKEN = "s3cr3t-token-4711"


def stack(member: str) -> str:
    return f"fink-grp-{member}"


@pytest.fixture
def group(aws, project, monkeypatch):
    monkeypatch.setenv("ENV", "dev")
    root = project("cloud_group")
    boto3.client("s3").create_bucket(Bucket="fink-grp-artifacts",
                                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    boto3.client("ssm").put_parameter(Name="/fink-grp/token", Value=TOKEN, Type="SecureString")
    return root


def _cfn():
    return boto3.client("cloudformation")


def _live_stacks() -> dict[str, dict]:
    return {s["StackName"]: s for s in _cfn().describe_stacks()["Stacks"]}


def _completed_at(name: str):
    events = _cfn().describe_stack_events(StackName=name)["StackEvents"]
    return max(e["Timestamp"] for e in events if e["ResourceStatus"] == "CREATE_COMPLETE")


def _event_time(stack_id: str, status: str):
    events = _cfn().describe_stack_events(StackName=stack_id)["StackEvents"]
    return next(e["Timestamp"] for e in events if e["ResourceStatus"] == status)


def _summary(stdout: str) -> dict[str, tuple[str, str]]:
    """Member (last folder part) -> (result, detail), read from the summary table by its header's columns."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Member ") and "Result" in line)
    header = lines[start]
    cut = [header.index(name) for name in ("Stack", "Result", "Time", "Detail")]
    rows = {}
    for line in lines[start + 2:]:
        if not line.strip():
            break
        member = line[:cut[0]].strip().split("/")[-1]
        rows[member] = (line[cut[1]:cut[2]].strip(), line[cut[3]:].strip())
    return rows


class _Webhook:
    def __init__(self):
        self.bodies: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/x"


class _Rendezvous:
    """A meeting point in the test process for member processes, on a Unix socket (RENDEZVOUS_SOCKET). A member
    connects and sends "<its stack> <partner stack>"; when the partner has connected too, both are answered "go".
    The members block on that answer (bounded by RENDEZVOUS_TIMEOUT): nothing polls, nothing sleeps."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="fink-rv-")  # short: a socket path has at most 107 bytes
        self.path = os.path.join(self.folder, "rv.sock")
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(self.path)
        self.server.listen(16)
        self.arrived: list[str] = []                 # every member that came, in order
        self.waiting: dict[str, socket.socket] = {}  # members waiting for their partner
        self.changed = threading.Condition()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:  # closed
                return
            me, partner = connection.makefile().readline().split()
            with self.changed:
                self.arrived.append(me)
                other = self.waiting.pop(partner, None)
                if other is None:
                    self.waiting[me] = connection
                else:
                    for member in (other, connection):
                        with contextlib.suppress(OSError):  # a member that gave up waiting has gone
                            member.sendall(b"go\n")
                        member.close()
                self.changed.notify_all()

    def wait_for(self, names: list[str], timeout: float = 60) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: set(names) <= set(self.arrived), timeout)

    def close(self) -> None:
        self.server.close()
        for connection in self.waiting.values():
            connection.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def rendezvous(monkeypatch):
    meeting = _Rendezvous()
    monkeypatch.setenv("RENDEZVOUS_SOCKET", meeting.path)
    yield meeting
    meeting.close()


RENDEZVOUS = textwrap.dedent('''
    """Test hook: after creating its stack, a member waits at the test's rendezvous (see _Rendezvous) until its
    partner has created its stack too. Run one after another, the first member would wait in vain; so success
    proves that the two members overlapped in time."""
    import os
    import socket

    from fink import fink_signals

    PARTNERS = {"fink-grp-audit": "fink-grp-base", "fink-grp-base": "fink-grp-audit",
                "fink-grp-data": "fink-grp-queue", "fink-grp-queue": "fink-grp-data"}


    def _meet(params):
        context, config = params
        if context["command"] != "deploy":
            return
        me = config["cloud"]["stack"]["StackName"]
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(float(os.environ.get("RENDEZVOUS_TIMEOUT", "60")))
            sock.connect(os.environ["RENDEZVOUS_SOCKET"])
            sock.sendall(f"{me} {PARTNERS[me]}\\n".encode())
            try:
                answer = sock.recv(8)
            except socket.timeout:
                answer = b""
        if answer != b"go\\n":
            raise RuntimeError(f"{PARTNERS[me]} was not created while {me} was running")
        client = context["_awsclient"].get_client("cloudformation")  # the emulator's record of the partner
        partner = [s for s in client.list_stacks()["StackSummaries"] if s["StackName"] == PARTNERS[me]]
        print(f"rendezvous: {me} is still running when {PARTNERS[me]} was created "
              f"at {partner[0]['CreationTime'].isoformat()}")


    def register():
        fink_signals.command_finalized.connect(_meet)


    def deregister():
        fink_signals.command_finalized.disconnect(_meet)
''')


def _add_hook(root: Path, member: str, name: str, text: str) -> None:
    (root / member / name).write_text(text)
    config = json.loads((root / member / "fink_dev.json").read_text())
    config["hookfile"] = name
    (root / member / "fink_dev.json").write_text(json.dumps(config))


def _configure_slack(root: Path) -> None:
    """Slack is announced only where it is configured: a plugins.fink_slack_integration section in each member's
    config, and in a config file in the group's folder for the group run itself."""
    (root / "fink_dev.json").write_text(json.dumps({"plugins": {"fink_slack_integration": {}}}))
    for path in root.rglob("fink_dev.json"):
        config = json.loads(path.read_text())
        config.setdefault("plugins", {}).setdefault("fink_slack_integration", {})
        path.write_text(json.dumps(config))


def test_deploy_in_order_and_in_parallel_then_no_changes_then_delete_in_reverse_order(group, run_cli, rendezvous):
    for member in ("audit", "base", "data", "queue"):
        _add_hook(group, member, "rendezvous.py", RENDEZVOUS)
    webhook = _Webhook()
    boto3.client("ssm").put_parameter(Name="slack.webhook", Value=webhook.url, Type="String")
    _configure_slack(group)
    try:
        result = run_cli("cloud", "group", "deploy")
    finally:
        webhook.server.shutdown()
        boto3.client("ssm").delete_parameter(Name="slack.webhook")  # later runs announce nothing
    assert result.exit_code == 0, result.output
    assert _summary(result.stdout) == {m: ("deployed", "") for m in MEMBERS}
    stacks = _live_stacks()
    assert sorted(stacks) == sorted(stack(m) for m in MEMBERS)  # legacy/ is ignored
    # order, from the emulator's clock: a member's stack is created after its dependency's stack completed
    for member, dependency in EDGES:
        assert stacks[stack(member)]["CreationTime"] >= _completed_at(stack(dependency)), (member, dependency)
    # parallel: each independent pair met while both were running (see RENDEZVOUS)
    for member in ("audit", "base", "data", "queue"):
        assert f"| rendezvous: fink-grp-{member} is still running when" in result.stderr
    # the lookups were resolved after the dependency existed
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stacks[stack("data")]["Parameters"]}
    assert params["Upstream"] == "arn:aws:sns:eu-west-1:123456789012:fink-grp-base-topic"
    # everything of one stack works for a member: hook, secret masking, stack policy, artifact bucket, Slack
    assert "services/app     | app hook: outputs ['TopicArn', 'TopicName'], token ****" in result.stderr
    assert TOKEN not in result.output
    policy = json.loads(_cfn().get_stack_policy(StackName=stack("app"))["StackPolicyBody"])
    assert policy["Statement"] == [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="fink-grp-artifacts")["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("cloud/eu-west-1/fink-grp-base/")
    texts = [json.dumps(body) for body in webhook.bodies]
    assert len(texts) == 7 and sum("cloud group deploy" in t for t in texts) == 1
    assert all(any(stack(m) in t for t in texts) for m in MEMBERS)

    # a sub-folder is a group too; the stacks it looks up outside itself (data, queue, audit) exist, so it runs
    again = run_cli("cloud", "group", "deploy", "services", "--max-parallel", "1", "-v")
    assert again.exit_code == 0, again.output
    assert "DEBUG: Group members start as forks of a preloaded process." in again.stderr
    assert _summary(again.stdout) == {"app": ("no changes", ""), "reports": ("no changes", "")}

    dry = run_cli("cloud", "group", "delete")
    assert dry.exit_code == 0 and "Nothing deleted: add -f" in dry.stderr and len(_live_stacks()) == 6
    gone = run_cli("cloud", "group", "delete", "-f")
    assert gone.exit_code == 0, gone.output
    assert _summary(gone.stdout) == {m: ("deleted", "") for m in MEMBERS}
    assert _live_stacks() == {}
    ids = {m: stacks[stack(m)]["StackId"] for m in MEMBERS}
    for member, dependency in EDGES:  # a stack's deletion starts only after the stacks that look it up are gone
        assert _event_time(ids[member], "DELETE_COMPLETE") <= _event_time(ids[dependency], "DELETE_IN_PROGRESS")


def test_the_rendezvous_fails_when_members_run_one_after_another(group, run_cli, rendezvous, monkeypatch):
    """The parallelism proof above can fail: run one at a time, the first member waits for its partner in vain."""
    for member in ("audit", "base"):
        _add_hook(group, member, "rendezvous.py", RENDEZVOUS)
    for folder in ("data", "queue", "services", "legacy"):
        shutil.rmtree(group / folder)
    monkeypatch.setenv("RENDEZVOUS_TIMEOUT", "0.5")  # the partner cannot come: it starts after this one ends
    result = run_cli("cloud", "group", "deploy", "--max-parallel", "1")
    assert result.exit_code == 1
    summary = _summary(result.stdout)
    assert summary["audit"][0] == "failed"
    assert "was not created while fink-grp-audit was running" in summary["audit"][1]


@pytest.mark.parametrize("fork", ["1", "0"], ids=["forked-members", "subprocess-members"])
def test_a_failing_member_stops_its_dependents_and_the_others_finish(group, run_cli, monkeypatch, fork):
    monkeypatch.setenv("FINK_GROUP_FORK", fork)  # both ways of starting members (0: where fork is unavailable)
    # a template CloudFormation would refuse; moto answers such templates with HTTP 500 and then fails later calls
    # too (see moto-notes), so the template is broken before it is sent: the member's run fails all the same
    (group / "queue" / "template.json").write_text('{"Resources": {"Topic": ')
    shutil.rmtree(group / "audit")  # the diamond is enough: base <- data, base <- queue (fails) <- app
    shutil.rmtree(group / "services" / "reports")
    result = run_cli("cloud", "group", "deploy")
    assert result.exit_code == 1
    summary = _summary(result.stdout)
    # the detail is the member's own error, as `cloud deploy` reports it in that folder
    own = next(line for line in result.stderr.splitlines() if line.startswith("queue ") and "| ERROR: " in line)
    assert summary["queue"] == ("failed", own.split("| ERROR: ", 1)[1]) and "JSON" in own
    assert summary["app"] == ("skipped", "queue (fink-grp-queue) failed")
    assert (summary["base"][0], summary["data"][0]) == ("deployed", "deployed")  # data does not need queue
    assert sorted(_live_stacks()) == sorted(stack(m) for m in ("base", "data"))
    assert "ERROR: The stack group deploy failed: " in result.stderr and "1 failed, 1 skipped" in result.stderr


def test_preview_shows_every_member_and_leaves_nothing_behind(group, run_cli):
    result = run_cli("cloud", "group", "preview", "--json")
    assert result.exit_code == 0, result.output
    members = {m["Member"].split("/")[-1]: m for m in json.loads(result.stdout)["members"]}
    assert members["base"]["Result"] == "previewed" and members["base"]["ChangeSetType"] == "CREATE"
    assert [c["LogicalResourceId"] for c in members["base"]["Changes"]] == ["Topic"]
    assert members["app"]["Result"] == "waiting"
    assert members["app"]["Detail"] == ("looks up fink-grp-data, fink-grp-queue, not deployed yet: preview it "
                                        "after deploying")
    assert members["reports"]["Result"] == "waiting"
    assert _cfn().describe_stacks()["Stacks"] == []  # no REVIEW_IN_PROGRESS stack, no change set
    assert _cfn().list_change_sets(StackName=stack("base"))["Summaries"] == []


def test_cycles_and_unknown_stacks_are_reported_before_anything_runs(group, run_cli):
    base = json.loads((group / "base" / "fink_dev.json").read_text())
    base["cloud"]["parameters"]["Upstream"] = "lookup:stack:fink-grp-app:TopicArn"
    (group / "base" / "fink_dev.json").write_text(json.dumps(base))
    cycle = run_cli("cloud", "group", "deploy")
    assert cycle.exit_code == 3
    assert ("dependency cycle: base (fink-grp-base) -> services/app (fink-grp-app) -> data (fink-grp-data) -> "
            "base (fink-grp-base)") in cycle.stderr
    base["cloud"]["parameters"]["Upstream"] = "lookup:stack:fink-grp-nowhere:TopicArn"
    (group / "base" / "fink_dev.json").write_text(json.dumps(base))
    unknown = run_cli("cloud", "group", "preview")
    assert unknown.exit_code == 3
    assert "stack 'fink-grp-nowhere', looked up in base" in unknown.stderr
    zero = run_cli("cloud", "group", "deploy", "--max-parallel", "0")
    assert zero.exit_code == 2 and "--max-parallel must be a whole number of at least 1, not '0'" in zero.stderr
    assert _cfn().describe_stacks()["Stacks"] == []


def test_list_shows_each_member_with_its_status_and_dependencies(group, run_cli):
    (group / "data" / "fink_dev.json").unlink()  # data is no member now; app's lookup of it is external...
    result = run_cli("cloud", "group", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["Member"]: (r["StackStatus"], r["DependsOn"]) for r in json.loads(result.stdout)}
    assert rows["services/app"] == ("NOT_DEPLOYED", ["fink-grp-queue", "fink-grp-data"])
    assert rows["services/reports"] == ("NOT_DEPLOYED", ["fink-grp-audit"])
    assert run_cli("fink", "cloud", "group", "list", "--json").stdout == result.stdout  # same code via fink
    refused = run_cli("cloud", "group", "deploy")  # ...and does not exist: refused before anything runs
    assert refused.exit_code == 3 and "stack 'fink-grp-data', looked up in services/app" in refused.stderr


BLOCK = textwrap.dedent('''
    """Test hook: the member is "in flight" at the test's rendezvous (see _Rendezvous), blocked on an answer that
    never comes (bounded), until the group's signal ends it."""
    import os
    import socket

    from fink import fink_signals


    def _block(params):
        context, config = params
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(60)
            sock.connect(os.environ["RENDEZVOUS_SOCKET"])
            sock.sendall(f"{config['cloud']['stack']['StackName']} -\\n".encode())
            sock.recv(8)  # the SIGINT handler raises out of here


    def register():
        fink_signals.command_init.connect(_block)


    def deregister():
        fink_signals.command_init.disconnect(_block)
''')


def test_sigint_is_passed_to_the_members_in_flight_and_the_group_waits_for_them(group, rendezvous):
    """A real process: the signal goes to the group's process only, as a Ctrl-C at a terminal would."""
    for member in ("audit", "base"):
        _add_hook(group, member, "block.py", BLOCK)
    command = [sys.executable, "-c", "from fink.cli import tool_main; tool_main('cloud')", "group", "deploy"]
    process = subprocess.Popen(command, cwd=group, env=dict(os.environ), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert rendezvous.wait_for([stack("audit"), stack("base")]), "the members did not get in flight"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    summary = _summary(out)
    assert summary["audit"][0] == summary["base"][0] == "interrupted"
    assert summary["data"] == ("skipped", "not started: interrupted by SIGINT")
    assert "passing it on to the running members (audit, base)" in err
    # each member handled the signal as `cloud deploy` does, and the group ended after them
    for member in ("audit", "base"):
        assert f"{member}{' ' * (16 - len(member))} | Received SIGINT signal - exiting command 'cloud deploy'" in err
    assert err.rstrip().endswith("Received SIGINT signal - exiting command 'cloud group deploy'")
    assert _cfn().describe_stacks()["Stacks"] == []


def test_dot_draws_the_group_as_one_picture(group, run_cli):
    from fink_testtools.golden import assert_golden
    result = run_cli("cloud", "group", "dot")
    assert_golden(Path(__file__).parent / "golden" / "sample_group.dot", (group / "cloud-group.dot").read_text())
    assert result.exit_code == 0, result.output
    svg = (group / "cloud-group.svg").read_text()
    text = html.unescape(svg)  # Graphviz writes '-' in labels as &#45;
    assert svg.lstrip().startswith(("<?xml", "<svg")) and all(stack(m) in text for m in MEMBERS)
