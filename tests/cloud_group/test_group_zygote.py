"""Members forked from the preloaded zygote are what ``python -m fink_cloud.group_member`` in their folders would be.

A real zygote process runs here, with a probe as the members' entry instead of ``cloud``: the probe (a module in
each member's folder, so imported only by the forked child, like a user's ``cloudformation.py``) reports what its
process looks like. The e2e tests (test_group_e2e.py) run real ``cloud`` members through the same zygote.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fink_cloud.group_runner import Job
from fink_cloud.group_zygote import FORK_ENV, ForkedMember, Zygote, fork_supported

pytestmark = pytest.mark.skipif(not fork_supported({}), reason="members start as plain subprocesses here")

PROBE = textwrap.dedent('''
    """Test probe, the entry of a forked member: reports its process, then ends as argv says."""
    import json
    import os
    import signal
    import socket
    import sys
    import threading

    IMPORTED_BEFORE = sorted(m for m in ("helper", "probe") if m in sys.modules and m != __name__)
    PRELOADED = "botocore.session" in sys.modules and "fink.lifecycle" in sys.modules


    def main(argv):
        import helper
        facts = {"cwd": os.getcwd(), "path0": sys.path[0], "session_leader": os.getsid(0) == os.getpid(),
                 "parent": os.getppid(), "result_env": bool(os.environ.get("FINK_GROUP_RESULT")),
                 "unbuffered": os.environ.get("PYTHONUNBUFFERED"), "threads": threading.active_count(),
                 "sigint_default": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
                 "sigchld_default": signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL,
                 "stdin": sys.stdin.read(), "imported_before": IMPORTED_BEFORE, "preloaded": PRELOADED,
                 "helper": helper.NAME, "argv0": sys.argv[0], "exit_code": None}
        print("to stdout, which goes nowhere")
        print(f"probe {helper.NAME} says hello", file=sys.stderr)
        code = 0
        if argv[0] == "block":  # until the group's SIGTERM arrives (bounded)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
            print("waiting for a signal", file=sys.stderr)
            code = 143 if signal.sigtimedwait({signal.SIGTERM}, 60) else 1
        elif argv[0] == "await":  # until the test says go on its socket (bounded)
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(60)
                sock.connect(argv[1])
                sock.recv(16)
            code = 7
        elif argv[0] == "exit":
            code = int(argv[1])
        elif argv[0] == "count":  # one line per run of this member
            with open(argv[1], "a") as fh:
                fh.write(f"{os.getpid()}\\n")
        elif argv[0] == "sys.exit":  # ends as sys.exit(<int or text>) does, or returns -1 as main's code
            sys.exit(int(argv[1]) if argv[1].lstrip("-").isdigit() else argv[1])
        elif argv[0] == "return":
            return int(argv[1])
        elif argv[0] == "interrupt":
            raise KeyboardInterrupt
        elif argv[0] == "keep-open":  # files left open, unflushed: by a module global and in a reference cycle
            global KEPT
            KEPT = open(argv[1], "w")
            KEPT.write("kept by a global")
            cycle = [open(argv[2], "w")]
            cycle.append(cycle)
            cycle[0].write("kept in a cycle")
        facts["exit_code"] = code
        with open(os.environ["FINK_GROUP_RESULT"], "w") as fh:
            json.dump(facts, fh)
        return code
''')


def _member(root: Path, name: str) -> Job:
    (root / name).mkdir(parents=True)
    (root / name / "probe.py").write_text(PROBE)
    (root / name / "helper.py").write_text(f"NAME = {name!r}\n")
    return Job(name, f"stack-{name}", ())


@pytest.fixture
def zygote():
    lines: list[str] = []
    with Zygote(debug=lines.append, entry="probe:main") as z:
        z.debug_lines = lines
        yield z


def _run(zygote, root: Path, job: Job, argv: tuple[str, ...]):
    from dataclasses import replace
    path = str(root / f"{job.folder}.json")
    return zygote(str(root), replace(job, argv=argv), path), path


def test_a_forked_member_is_its_own_process_in_its_folder(zygote, tmp_path):
    jobs = [_member(tmp_path, name) for name in ("alpha", "beta")]
    started = [_run(zygote, tmp_path, job, ("exit", str(code))) for job, code in zip(jobs, (0, 3))]
    for (member, path), job, code in zip(started, jobs, (0, 3)):
        stderr = list(member.stderr)
        assert member.wait() == code
        assert member.how == "forked" and member.pid != os.getpid()
        facts = json.loads(Path(path).read_text())
        folder = str(tmp_path / job.folder)
        # the member's folder, first on sys.path, and its own helper.py: same module names, no sharing
        assert (facts["cwd"], facts["path0"], facts["helper"]) == (folder, folder, job.folder)
        assert facts["imported_before"] == []  # the zygote never imported the member's own modules...
        assert facts["preloaded"] is True      # ...but fink and botocore came imported
        assert facts["session_leader"] and facts["parent"] == zygote.process.pid
        assert facts["result_env"] and facts["unbuffered"] == "1" and facts["threads"] == 1
        assert facts["sigint_default"] and facts["sigchld_default"] and facts["stdin"] == ""
        assert stderr == [f"probe {job.folder} says hello\n"]  # stderr reaches the group, stdout does not
    assert zygote.debug_lines == ["Group members start as forks of a preloaded process."]


def test_a_signal_from_the_group_reaches_the_forked_member(zygote, tmp_path):
    member, _path = _run(zygote, tmp_path, _member(tmp_path, "alpha"), ("block",))
    lines = iter(member.stderr)
    assert next(lines) == "probe alpha says hello\n"
    assert next(lines) == "waiting for a signal\n"
    member.send_signal(signal.SIGTERM)
    assert member.wait() == 143


def test_members_start_as_subprocesses_when_the_zygote_cannot_preload(tmp_path):
    """A broken zygote costs speed, not members: they run as ``python -m fink_cloud.group_member`` processes."""
    (tmp_path / "alpha").mkdir()
    lines: list[str] = []
    with Zygote(debug=lines.append, preload=("fink_no_such_module",)) as zygote:
        member = zygote(str(tmp_path), Job("alpha", "stack-alpha", ("--help",)), str(tmp_path / "alpha.json"))
        assert list(member.stderr) == [] and member.wait() == 0
        assert member.how == "subprocess"
        member.stderr.close()
        assert zygote.failed.startswith("preloading failed: ModuleNotFoundError")
        later = zygote(str(tmp_path), Job("alpha", "stack-alpha", ("--help",)), str(tmp_path / "later.json"))
        assert isinstance(later, subprocess.Popen) and later.wait() == 0
        later.stderr.close()
    assert "Usage:" in json.loads((tmp_path / "alpha.json").read_text())["stdout"]  # it ran `cloud --help`
    assert lines == ["Group members start as separate processes: the preloaded process failed (preloading failed: "
                     "ModuleNotFoundError: No module named 'fink_no_such_module')."]


def test_when_the_zygote_dies_running_members_report_through_their_result_file(zygote, tmp_path):
    address = str(tmp_path / "go.sock")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(address)
        server.listen(1)
        server.settimeout(60)
        member, _path = _run(zygote, tmp_path, _member(tmp_path, "alpha"), ("await", address))
        connection, _ = server.accept()  # the member is running
        zygote.process.kill()
        zygote.process.wait()
        connection.sendall(b"go")
        connection.close()
        assert list(member.stderr) == ["probe alpha says hello\n"]  # read to its end, as the runner does
        assert member.wait() == 7  # the zygote could not tell; the member's result file did
    assert zygote.failed == "it has ended"
    later = zygote(str(tmp_path), Job("alpha", "stack-alpha", ("--help",)), str(tmp_path / "later.json"))
    assert isinstance(later, subprocess.Popen) and later.wait() == 0  # the next member starts as a subprocess
    later.stderr.close()


class _FakeZygote:
    def __init__(self):
        self.signals: list[tuple[int, int]] = []

    def signal(self, pid, signum):
        self.signals.append((pid, signum))


def test_a_signal_sent_before_the_member_has_a_pid_is_delivered_when_it_has_one(tmp_path):
    fake = _FakeZygote()
    read_end, write_end = os.pipe()
    os.close(write_end)
    member = ForkedMember(fake, read_end, fallback=lambda: None, result_path=str(tmp_path / "r.json"))
    member.send_signal(signal.SIGINT)
    assert fake.signals == []
    member.started(4242)
    assert fake.signals == [(4242, signal.SIGINT)]
    member.exited(130)
    member.send_signal(signal.SIGINT)  # ended: nothing is sent to a pid that may be someone else's by now
    assert fake.signals == [(4242, signal.SIGINT)] and member.wait() == 130
    assert list(member.stderr) == []


def test_fork_can_be_switched_off():
    assert fork_supported({FORK_ENV: "0"}) is False


IMPORT_REPORT = textwrap.dedent('''
    """Test hook: which installed modules did this member import itself, beyond what the zygote gave it?"""
    import json
    import os
    import sys

    from fink import fink_signals


    def _report(params):
        inherited = getattr(sys.modules["__main__"], "MODULES_AT_FORK", None)
        here = os.getcwd()
        own = sorted(name for name in set(sys.modules) - set(inherited or ())
                     if not (getattr(sys.modules[name], "__file__", None) or here).startswith(here))
        with open(os.environ["IMPORT_REPORT"], "w") as fh:
            json.dump({"forked": inherited is not None, "own": own}, fh)


    def register():
        fink_signals.command_finalized.connect(_report)


    def deregister():
        fink_signals.command_finalized.disconnect(_report)
''')


def test_the_zygote_preloads_every_module_a_cloud_deploy_member_imports(aws, tmp_path, monkeypatch, run_cli):
    """A module a member imports that PRELOAD lacks is imported again by every member (slower, not wrong): this
    names it, so that it is added to fink_cloud.group_zygote.PRELOAD."""
    member = tmp_path / "system" / "alpha"
    member.mkdir(parents=True)
    (member / "template.json").write_text(json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))
    (member / "report.py").write_text(IMPORT_REPORT)
    (member / "fink_dev.json").write_text(json.dumps({
        "hookfile": "report.py", "cloud": {"stack": {"StackName": "fink-zygote-alpha", "TemplateBody": "template.json"}}}))
    monkeypatch.setenv("ENV", "dev")
    monkeypatch.setenv("IMPORT_REPORT", str(tmp_path / "imports.json"))
    result = run_cli("cloud", "group", "deploy", str(tmp_path / "system"))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "imports.json").read_text())
    assert report == {"forked": True, "own": []}, "add these to PRELOAD: " + ", ".join(report["own"])


def test_a_member_the_zygote_could_not_start_runs_as_a_subprocess_and_gets_its_pending_signals(tmp_path):
    class Popen:
        def __init__(self):
            self.stderr, self.signals = iter(["from the subprocess\n"]), []

        def send_signal(self, signum):
            self.signals.append(signum)

        def wait(self):
            return 130

    popen = Popen()
    read_end, write_end = os.pipe()
    os.close(write_end)
    member = ForkedMember(_FakeZygote(), read_end, fallback=lambda: popen, result_path=str(tmp_path / "r.json"))
    member.send_signal(signal.SIGTERM)
    member.fall_back()
    assert popen.signals == [signal.SIGTERM] and member.how == "subprocess"
    assert list(member.stderr) == ["from the subprocess\n"] and member.wait() == 130


def _probe_process(folder: Path, argv, result_path: str) -> subprocess.Popen:
    """The probe as a plain process (what a member started as a subprocess is), the reference for a forked one."""
    return subprocess.Popen([sys.executable, "-c", "import sys, probe; sys.exit(probe.main(sys.argv[1:]))", *argv],
                            cwd=folder, env={**os.environ, "FINK_GROUP_RESULT": result_path},
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_a_forked_member_ends_with_the_exit_code_a_process_would(zygote, tmp_path):
    job = _member(tmp_path, "alpha")
    cases = [("sys.exit", "-1"), ("sys.exit", "300"), ("sys.exit", "a reason"), ("return", "-1"), ("interrupt",)]
    forked = [_run(zygote, tmp_path, job, argv)[0] for argv in cases]  # one zygote, members side by side
    references = [_probe_process(tmp_path / "alpha", argv, str(tmp_path / "ref.json")) for argv in cases]
    for argv, member, reference in zip(cases, forked, references):
        forked_stderr = list(member.stderr)
        reference_stderr = reference.stderr.readlines()
        reference.stderr.close()
        assert member.how == "forked"
        assert (argv, member.wait()) == (argv, reference.wait())  # 255, 44, 1, 255, -SIGINT
        # the reason (sys.exit("a reason")), the traceback's end (KeyboardInterrupt)
        assert forked_stderr[-1] == reference_stderr[-1]


def test_files_a_forked_member_left_open_are_written_as_at_a_process_end(zygote, tmp_path):
    job = _member(tmp_path, "alpha")
    for how in ("forked", "process"):
        argv = ("keep-open", str(tmp_path / f"{how}-global.txt"), str(tmp_path / f"{how}-cycle.txt"))
        if how == "forked":
            member, _path = _run(zygote, tmp_path, job, argv)
            list(member.stderr)
            assert member.wait() == 0 and member.how == "forked"
        else:
            process = _probe_process(tmp_path / "alpha", argv, str(tmp_path / "ref.json"))
            process.stderr.read()
            process.stderr.close()
            assert process.wait() == 0
    for kind in ("global", "cycle"):
        assert (tmp_path / f"forked-{kind}.txt").read_text() == (tmp_path / f"process-{kind}.txt").read_text() != ""


def test_a_member_killed_by_sigint_counts_as_interrupted_like_a_cloud_exit_130():
    from fink_cloud.group_runner import _interpret, _Running
    for code in (130, -signal.SIGINT):
        running = _Running(Job("alpha", "stack-alpha", ("deploy",)), None, "/nonexistent/result.json", 0.0)
        assert _interpret(running, code, 1.0).outcome == "interrupted"


DIES = textwrap.dedent('''
    """Test preload: the zygote dies as its fork returns (ZYGOTE_DIES=after) or instead of forking (before)."""
    import os

    _fork = os.fork


    def fork():
        if os.environ["ZYGOTE_DIES"] == "before":
            os._exit(3)
        pid = _fork()
        if pid:
            os._exit(3)
        return pid


    os.fork = fork
''')


@pytest.mark.parametrize("when", ["after", "before"])
def test_a_member_runs_once_when_the_zygote_dies_around_its_fork(tmp_path, monkeypatch, when):
    """Dead after the fork: the child runs the member, so it must not start again as a subprocess (that would
    deploy the same stack twice at once). Dead before it: nothing runs it, so it starts as a subprocess."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "zygote_dies.py").write_text(DIES)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path / "lib"),
                                                                   os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("ZYGOTE_DIES", when)
    fallbacks = []

    def fallback(root, job, result_path):
        fallbacks.append(job.folder)
        return _probe_process(Path(root) / job.folder, job.argv, result_path)

    monkeypatch.setattr("fink_cloud.group_runner.member_process", fallback)
    runs = tmp_path / "runs.txt"
    with Zygote(entry="probe:main", preload=("fink_cloud.group_member", "zygote_dies")) as zygote:
        member, _path = _run(zygote, tmp_path, _member(tmp_path, "alpha"), ("count", str(runs)))
        stderr = list(member.stderr)
        assert member.wait() == 0, stderr
        assert zygote.failed == "it has ended"
    assert len(runs.read_text().splitlines()) == 1
    if when == "after":
        assert fallbacks == [] and member.how == "forked"
        assert stderr[0] == "probe alpha says hello\n"
    else:
        assert fallbacks == ["alpha"] and member.how == "subprocess"
        assert stderr == ["probe alpha says hello\n"]


def test_a_member_whose_stderr_someone_holds_open_is_never_started_again(tmp_path):
    """The zygote ended without a word about a member: only a pipe at its end proves that no child runs it."""
    started = []
    for held in (False, True):
        read_end, write_end = os.pipe()
        member = ForkedMember(_FakeZygote(), read_end, fallback=lambda: started.append(held) or _NoProcess(),
                              result_path=str(tmp_path / "r.json"))
        if not held:
            os.close(write_end)
        member._sent.set()
        member.zygote_ended()
        if held:
            assert member.how == "forked" and member._lost and started == [False]
            os.write(write_end, b"from the child nobody knew\n")
            os.close(write_end)
            lines = list(member.stderr)
            assert lines[0] == "from the child nobody knew\n" and "not started again" in lines[-1]
            assert member.wait() == 1  # no result file: counted as failed, never as done
        else:
            assert member.how == "subprocess" and started == [False]


class _NoProcess:
    stderr = iter(())

    def wait(self):
        return 0

    def send_signal(self, signum):
        pass


@pytest.mark.skipif(not hasattr(signal, "pidfd_send_signal"), reason="no pidfds here (Linux < 5.3)")
def test_signals_reach_a_forked_member_through_its_pidfd_even_when_the_zygote_is_gone(zygote, tmp_path,
                                                                                      monkeypatch):
    sent = []
    real = signal.pidfd_send_signal
    monkeypatch.setattr(signal, "pidfd_send_signal", lambda fd, signum: sent.append(signum) or real(fd, signum))
    monkeypatch.setattr(zygote, "signal", lambda pid, signum: pytest.fail("signalled by pid, through the zygote"))
    member, _path = _run(zygote, tmp_path, _member(tmp_path, "alpha"), ("block",))
    lines = iter(member.stderr)
    assert next(lines) == "probe alpha says hello\n" and next(lines) == "waiting for a signal\n"
    zygote.process.kill()
    zygote.process.wait()
    monkeypatch.setattr(os, "kill", lambda pid, signum: pytest.fail("signalled by a pid that may be reused"))
    member.send_signal(signal.SIGTERM)
    assert list(lines) == [] and member.wait() == 143 and sent == [signal.SIGTERM]
    member.send_signal(signal.SIGTERM)  # it has ended: nothing is sent, its pidfd is closed
    assert sent == [signal.SIGTERM] and member._pidfd is None
