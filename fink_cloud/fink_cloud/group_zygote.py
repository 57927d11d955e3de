"""Starting group members fast: each member is a forked child of a preloaded, single-threaded "zygote" process.

A member must be its own process (working folder, the imported ``cloudformation.py``, hooks connected to the
global lifecycle signals, log and signal handlers are process-wide; see :mod:`fink_cloud.group_member`). Started
with ``python -m fink_cloud.group_member``, every member pays for the interpreter's start and for importing
botocore, troposphere, fink's lifecycle and plugins and for parsing botocore's service models: about
0.3 s of CPU, which against the emulator is nearly all of a member's work. The zygote pays for that once per
group run. It is started by the group (``python -m fink_cloud.group_zygote <fd>``, in its own session), imports
:data:`PRELOAD` and the installed tools and plugins, parses the service models of :data:`SERVICES` into one
botocore loader, and then forks one child per member. The child becomes exactly the process that
``python -m fink_cloud.group_member <argv>`` in the member's folder would be: its own session, the member's folder
as working folder and ``sys.path[0]``, the member's environment, stdin and stdout on ``/dev/null`` and stderr on
the group's pipe, default signal handlers; it runs :func:`fink_cloud.group_member.main` and ends with a normal
interpreter exit (``atexit``, flushing). The user's own modules (``cloudformation.py``, hook files, Python
configs) are imported only there, and botocore sessions, clients and connections are created only there; what
the children share with the zygote are imported modules and parsed, read-only model data (copy-on-write).

Protocol, over a ``SOCK_SEQPACKET`` Unix socket pair (one JSON message per packet):

- zygote -> group: ``{"op": "ready"}`` or ``{"op": "failed", "reason": ...}`` (then it exits);
- group -> zygote: ``{"op": "start", "id", "argv", "cwd", "env"}`` with the stderr pipe's write end attached
  (``socket.send_fds``); answered by ``{"op": "started", "id", "pid"}`` or ``{"op": "error", "id", "reason"}``;
- new child -> group, before it closes its copy of the zygote's socket: ``{"op": "forked", "id", "pid"}`` with a
  pidfd for itself where the kernel has them. The group sees the socket's end only after every copy is closed,
  so it hears of every child that exists even when the zygote dies right after ``fork``; a member it heard
  nothing about starts as a subprocess only if its stderr pipe is at its end (no process holds the write end);
- the group signals a member through its pidfd (which never refers to another process); without one it sends
  ``{"op": "signal", "pid", "signum"}`` and the zygote signals its child only while it has not reaped it, so a
  signal never reaches a recycled pid;
- zygote -> group: ``{"op": "exit", "pid", "code"}`` when a child ended (``-N`` for "killed by signal N", as
  :class:`subprocess.Popen` reports it).

The group side (:class:`Zygote`) hands the runner one process-like object per member (:class:`ForkedMember`:
``stderr``, ``wait()``, ``send_signal()``). Where fork cannot be used (not Linux, ``FINK_GROUP_FORK=0``) members
start as plain subprocesses; when the zygote fails to start, fails to fork or ends early, the members it has not
forked start as plain subprocesses too. Nothing is lost but speed, and no member runs twice.
"""
from __future__ import annotations

import importlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from typing import Any, Callable

__all__ = ["PRELOAD", "OPTIONAL", "ENTRY", "SERVICES", "FORK_ENV", "fork_supported", "Zygote", "ForkedMember", "main"]

#: modules a ``cloud`` member imports on every run (the installed tools and plugins are added at run time)
PRELOAD = ("fink.cli", "fink.lifecycle", "fink.hooks", "fink.config", "fink.config_keys", "fink.legacy_config",
           "fink.loaders", "fink.checkpoints", "fink.awsclient", "fink.aws_loader", "fink.schema_check",
           "fink.retrying", "fink.servicediscovery", "fink.render", "fink_cloud.cli", "fink_cloud.commands", "fink_cloud.deployer", "fink_cloud.cfn",
           "fink_cloud.events", "fink_cloud.params", "fink_cloud.review", "fink_cloud.stack_settings",
           "fink_cloud.template", "fink_cloud.group_member", "botocore.session", "botocore.client",
           "botocore.httpsession", "botocore.config", "botocore.waiter", "yaml", "docopt", "difflib",
           "encodings.idna", "troposphere")
#: preloaded only when installed (a member that needs one and lacks it fails on its own, as it would anyway)
OPTIONAL = frozenset({"troposphere"})
#: what a child runs: ``module:function``, called with the member's argv; returns the exit code
ENTRY = "fink_cloud.group_member:main"
#: botocore service models parsed once in the zygote (the ones ``cloud deploy`` and its plugins use)
SERVICES = ("cloudformation", "s3", "ssm", "sts")
#: ``FINK_GROUP_FORK=0`` starts every member as a plain ``python -m fink_cloud.group_member`` process
FORK_ENV = "FINK_GROUP_FORK"

_PACKET = 1 << 20
#: in a forked member: the modules it got from the zygote (what it imports beyond these, it pays for itself)
MODULES_AT_FORK: frozenset[str] = frozenset()


def fork_supported(environ: Any = None) -> bool:
    environ = os.environ if environ is None else environ
    return (sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(socket, "send_fds")
            and environ.get(FORK_ENV, "1") != "0")


def _send(sock: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


# =================================================================================================================
# the zygote process
# =================================================================================================================
def _preload(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            if name not in OPTIONAL:
                raise
    from fink import plugins
    found = plugins.discover_groups(plugins.TOOLS_GROUP, plugins.PLUGINS_GROUP)
    for info in found[plugins.PLUGINS_GROUP] + [t for t in found[plugins.TOOLS_GROUP] if t.name == "cloud"]:
        info.entry_point.load()  # imports the module; register() runs in each member, as it would in its process
    _warm_botocore()
    import gc
    gc.collect()
    gc.freeze()  # the children's collections need not walk (and copy) the zygote's objects


def _warm_botocore() -> None:
    """Parse the service models once and let every session created in a child use this loader (a loader holds
    parsed JSON only; botocore shares one per session between all of that session's clients in the same way)."""
    import botocore.session

    from fink.aws_loader import warm_loader
    path = os.environ.get("AWS_DATA_PATH")
    loader = warm_loader(path)  # the loader fink's sessions use (fink.awsclient installs it)
    for service in SERVICES:
        try:
            loader.load_service_model(service, "service-2")
            loader.load_service_model(service, "endpoint-rule-set-1")
        except Exception:  # noqa: BLE001 - an older botocore without one of them: the child loads what it needs
            pass
    for name in ("endpoints", "partitions", "_retry", "sdk-default-configuration"):
        try:
            loader.load_data(name)
        except Exception:  # noqa: BLE001
            pass
    original = botocore.session.create_loader

    def create_loader(search_path_string: str | None = None) -> Any:
        return loader if search_path_string == path else original(search_path_string)

    botocore.session.create_loader = create_loader


class _Child:
    """What a forked child runs: :func:`fink_cloud.group_member.main` as ``python -m fink_cloud.group_member``
    in the member's folder would."""

    def __init__(self, request: dict, stderr_fd: int):
        self.argv, self.cwd, self.env = list(request["argv"]), request["cwd"], dict(request["env"])
        self.entry = request.get("entry") or ENTRY
        self.stderr_fd = stderr_fd

    def become_member(self) -> None:
        os.setsid()  # signals come from the group only, as with start_new_session
        null = os.open(os.devnull, os.O_RDWR)
        for target, fd in ((0, null), (1, null), (2, self.stderr_fd)):
            os.dup2(fd, target)
        os.close(null)
        os.close(self.stderr_fd)
        os.chdir(self.cwd)
        sys.path[0] = os.getcwd()  # python -m puts the working folder first
        os.environ.clear()
        os.environ.update(self.env)
        module = sys.modules.get(self.entry.split(":")[0])
        sys.argv = [getattr(module, "__file__", None) or self.entry, *self.argv]
        for stream in (sys.stdout, sys.stderr):  # the members' PYTHONUNBUFFERED
            stream.reconfigure(line_buffering=True, write_through=True)

    def run(self) -> int:
        module, _, function = self.entry.partition(":")
        return getattr(importlib.import_module(module), function)(self.argv)


class _Server:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.children: dict[int, int] = {}  # pid -> request id
        self.wake_r, self.wake_w = os.pipe()

    def serve(self, preload: tuple[str, ...]) -> _Child | None:
        """Serve requests until the group closes its end; returns a :class:`_Child` in each forked child."""
        try:
            _preload(preload)
        except BaseException as exc:  # noqa: BLE001 - whatever broke, the group falls back to subprocesses
            _send(self.sock, {"op": "failed", "reason": f"preloading failed: {type(exc).__name__}: {exc}"})
            self._drain()
            return None
        for fd in (self.wake_r, self.wake_w):
            os.set_blocking(fd, False)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # the wake-up fd wakes the loop; reaping is done there
        signal.set_wakeup_fd(self.wake_w)
        selector = selectors.DefaultSelector()
        selector.register(self.sock, selectors.EVENT_READ)
        selector.register(self.wake_r, selectors.EVENT_READ)
        _send(self.sock, {"op": "ready"})
        try:
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self.sock:
                        data, fds, _flags, _addr = socket.recv_fds(self.sock, _PACKET, 4)
                        if not data:
                            return None  # the group has ended
                        child = self._handle(json.loads(data), fds)
                        if child is not None:
                            return child
                    else:
                        while True:
                            try:
                                if not os.read(self.wake_r, 512):
                                    break
                            except BlockingIOError:
                                break
                self._reap()
        finally:
            selector.close()

    def _drain(self) -> None:
        """Refuse requests until the group closes its end (ending now, with requests unread, could reset the
        connection before the group has read why)."""
        while True:
            data, fds, _flags, _addr = socket.recv_fds(self.sock, _PACKET, 4)
            for fd in fds:
                os.close(fd)
            if not data:
                return
            request = json.loads(data)
            if request.get("op") == "start":
                _send(self.sock, {"op": "error", "id": request.get("id"), "reason": "the zygote has failed"})

    def _handle(self, request: dict, fds: list[int]) -> _Child | None:
        op = request.get("op")
        if op == "signal":
            for fd in fds:
                os.close(fd)
            if request["pid"] in self.children:  # not reaped yet: the pid is still our child's
                try:
                    os.kill(request["pid"], request["signum"])
                except OSError:
                    pass
            return None
        if op != "start" or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            _send(self.sock, {"op": "error", "id": request.get("id"), "reason": f"bad request {op!r}"})
            return None
        if threading.active_count() != 1:  # fork copies one thread: never fork a process with others running
            os.close(fds[0])
            _send(self.sock, {"op": "error", "id": request["id"], "reason": "the zygote is not single-threaded"})
            return None
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(fds[0])
            _send(self.sock, {"op": "error", "id": request["id"], "reason": f"fork failed: {exc}"})
            return None
        if pid == 0:
            self._announce(request["id"])
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGCHLD, signal.SIGTERM):
                signal.signal(signum, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for fd in (self.wake_r, self.wake_w):
                os.close(fd)
            self.sock.close()
            return _Child(request, fds[0])
        os.close(fds[0])
        self.children[pid] = request["id"]
        _send(self.sock, {"op": "started", "id": request["id"], "pid": pid})
        return None

    def _announce(self, request_id: int) -> None:
        """In a new child, before it lets go of its copy of the zygote's socket: tell the group it exists, with a
        pidfd for it. The group sees the socket end only once every copy is closed, so it always learns of a child
        that exists, even when the zygote dies right after forking it (and then never starts that member again)."""
        fds: tuple[int, ...] = ()
        if hasattr(os, "pidfd_open"):
            try:
                fds = (os.pidfd_open(os.getpid()),)
            except OSError:  # a kernel before 5.3: the group signals through the zygote, or by pid
                pass
        try:
            _send(self.sock, {"op": "forked", "id": request_id, "pid": os.getpid()}, fds)
        except OSError:
            pass  # the group has gone
        for fd in fds:
            os.close(fd)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if self.children.pop(pid, None) is not None:
                _send(self.sock, {"op": "exit", "pid": pid, "code": os.waitstatus_to_exitcode(status),
                                  "cpu": round(usage.ru_utime + usage.ru_stime, 3)})


def main(argv: list[str] | None = None) -> int:
    import gc

    from fink.cli import GC_THRESHOLD
    # a short-lived process like a console script (fink.cli.console): the collector would otherwise walk the
    # preloaded modules again and again while they are imported, and each member inherits the setting
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    args = sys.argv[1:] if argv is None else argv
    sock = socket.socket(fileno=int(args[0]))
    preload = tuple(args[1].split(",")) if len(args) > 1 and args[1] else PRELOAD
    child = _Server(sock).serve(preload)
    if child is None:
        return 0
    global MODULES_AT_FORK
    MODULES_AT_FORK = frozenset(sys.modules)
    child.become_member()
    code, interrupted = 1, False
    try:
        code = _exit_code(child.run())  # as ``sys.exit(main())`` would end the process
    except SystemExit as exc:  # sys.exit() in user code, as the interpreter would treat it
        code = _exit_code(exc.code)
    except KeyboardInterrupt:  # python prints the traceback, then ends killed by SIGINT (the shell's 130)
        import traceback
        traceback.print_exc()
        interrupted = True
    except BaseException:  # noqa: BLE001 - what an uncaught exception does at the top of a process
        import traceback
        traceback.print_exc()
    _exit(code, interrupted)
    return code  # not reached


def _exit_code(value: Any) -> int:
    """The exit status the interpreter gives ``SystemExit(value)``: an int modulo 256 (``-1`` is 255), ``None``
    0, anything else is printed to stderr and gives 1."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    try:
        sys.stderr.write(f"{value}\n")
    except (OSError, ValueError):
        pass
    return 1


def _exit(code: int, interrupted: bool = False) -> None:
    """End a member as the interpreter ends a process -- non-daemon threads joined, ``atexit`` callbacks run
    (logging and ``weakref.finalize`` clean-ups among them), files the member's code left open flushed, standard
    streams flushed -- but without tearing down the ~500 modules inherited from the zygote one by one, which would
    cost a member more CPU than its work. ``interrupted``: end killed by SIGINT, as python does after an uncaught
    KeyboardInterrupt."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    run_exit_functions = getattr(__import__("atexit"), "_run_exitfuncs", None)
    if run_exit_functions is not None:
        run_exit_functions()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    _flush_open_files()
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code & 0xFF)


def _flush_open_files() -> None:
    """What the interpreter's shutdown does for files still open (held by a module's globals, a reference cycle,
    a leaked object): they are closed, so what is buffered is written; ``os._exit`` would lose it. The child's own
    objects are the ones the collector tracks (the zygote's were frozen before the fork), unreachable ones
    included until it collects them. Closed here before collecting, text files before the binary buffers beneath
    them before the raw files beneath those (the collector finalises a cycle's objects in no particular order, and
    a text file closed after its buffer loses what it holds)."""
    import _io
    import gc
    import io
    standard = {id(stream) for stream in (sys.stdout, sys.stderr, sys.stdin, sys.__stdout__, sys.__stderr__,
                                          sys.__stdin__)}
    # the C bases (every io class, the user's subclasses of io.IOBase too, derives from them): a type check per
    # object, where the io.IOBase ABC's isinstance would cost a member several milliseconds
    base, text, buffered = (getattr(_io, name, None) for name in ("_IOBase", "_TextIOBase", "_BufferedIOBase"))
    if base is None or text is None or buffered is None:
        base, text, buffered = io.IOBase, io.TextIOBase, io.BufferedIOBase
    files = [obj for obj in gc.get_objects() if isinstance(obj, base) and id(obj) not in standard]
    for layer in (text, buffered, base):
        for obj in files:
            if isinstance(obj, layer):
                try:
                    if not obj.closed:
                        obj.close()
                except Exception:  # noqa: BLE001 - as at shutdown: a file that cannot be written is left
                    pass
    del files
    gc.collect()  # the finalisers of what is left unreachable run, as at shutdown


# =================================================================================================================
# the group's side
# =================================================================================================================
class ForkedMember:
    """A member started through the zygote, as the group runner sees a process: ``stderr`` (text lines),
    ``wait()`` (the exit code), ``send_signal()``, ``pid``. If the zygote cannot start it, it starts itself as a
    plain subprocess (``fallback``) and behaves as that process."""

    def __init__(self, zygote: "Zygote", stderr_fd: int, fallback: Callable[[], Any], result_path: str):
        self._zygote, self._fallback_start, self._result_path = zygote, fallback, result_path
        self._stderr = open(stderr_fd, encoding="utf-8", errors="replace")
        self._cond = threading.Condition()
        self._signals: list[int] = []
        self._eof = threading.Event()
        self._sent = threading.Event()  # the group has sent the request and closed its copy of the write end
        self._lost = False
        self._pidfd: int | None = None  # refers to the forked child itself: never to a process reusing its pid
        self.pid: int | None = None
        self.returncode: int | None = None
        self.cpu: float | None = None  # CPU seconds of the forked child, as its zygote reaped it
        self.popen: Any = None
        self.how = "pending"  # pending / forked / subprocess

    # ---- the runner's view --------------------------------------------------------------------------------------
    @property
    def stderr(self) -> Any:
        with self._cond:
            self._cond.wait_for(lambda: self.how != "pending")
            return self.popen.stderr if self.how == "subprocess" else self._lines()

    def _lines(self) -> Any:
        try:
            yield from self._stderr
            if self._lost and self.pid is None:
                yield (f"WARNING: the preloaded process that started this member ended before it told the group; "
                       f"the member was not started again; signals could not reach it\n")
        finally:
            self._stderr.close()
            self._eof.set()

    def wait(self) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self.how == "subprocess" or self.returncode is not None or self._lost)
            how, code = self.how, self.returncode
        if how == "subprocess":
            return self.popen.wait()
        if code is None:  # lost: the member has ended when its stderr has
            self._eof.wait()
            code = self._code_from_result_file()
            self.exited(code)
        return code

    def send_signal(self, signum: int) -> None:
        with self._cond:  # decide under the lock, send outside it (the listener takes it to report)
            if self.how == "pending":
                self._signals.append(signum)  # delivered as soon as the member has a pid
                return
            how, pid, ended, lost = self.how, self.pid, self.returncode is not None, self._lost
            if how == "forked" and not ended and self._pidfd is not None:
                try:  # under the lock: the pidfd is closed (under it) when the member ends
                    signal.pidfd_send_signal(self._pidfd, signum)
                except ProcessLookupError:  # it has ended and been reaped
                    pass
                return
        if how == "subprocess":
            self.popen.send_signal(signum)
        elif ended:
            return
        elif not lost:
            self._zygote.signal(pid, signum)
        elif pid is not None and not self._eof.is_set():  # no pidfd (kernel < 5.3), no zygote: the member is
            # still writing, so the pid is still its own -- unless a process it started holds its stderr open
            try:
                os.kill(pid, signum)  # type: ignore[arg-type]
            except OSError:
                pass

    # ---- called by the zygote's listener --------------------------------------------------------------------------
    def started(self, pid: int, pidfd: int | None = None) -> None:
        with self._cond:
            if self.how != "pending":  # the child's own word and the zygote's both come, in either order
                if (pidfd is not None and self._pidfd is None and self.pid == pid and self.returncode is None
                        and hasattr(signal, "pidfd_send_signal")):
                    self._pidfd = pidfd
                elif pidfd is not None:
                    os.close(pidfd)
                return
            self.pid, self.how = pid, "forked"
            if pidfd is not None and hasattr(signal, "pidfd_send_signal"):
                self._pidfd = pidfd
            elif pidfd is not None:
                os.close(pidfd)
            pending, self._signals = self._signals, []
            self._cond.notify_all()
        for signum in pending:
            self.send_signal(signum)

    def exited(self, code: int) -> None:
        with self._cond:
            self.returncode = code
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
            self._cond.notify_all()

    def lost(self) -> None:
        """The zygote ended before it told this member's exit: when the member's stderr ends, its exit code is
        read from its result file (every member writes one); a member that could not (killed) counts as failed."""
        with self._cond:
            self._lost = True
            if self.how == "pending":  # forked, but its pid never came: it runs; the group only reads it
                self.how = "forked"
            self._cond.notify_all()

    def zygote_ended(self) -> None:
        """The zygote ended without a word about this member (neither started nor refused). If no process holds
        the write end of its stderr pipe (it is at its end, with nothing written), no child of the zygote has it:
        it starts as a subprocess. Otherwise a child exists and runs it -- starting it again would run the same
        stack twice, so the member is lost: read to its end, its exit code taken from its result file."""
        self._sent.wait()
        import select
        poller = select.poll()
        poller.register(self._stderr.fileno(), select.POLLIN)
        events = dict(poller.poll(0)).get(self._stderr.fileno(), 0)
        if events & select.POLLHUP and not events & select.POLLIN:
            self.fall_back()
        else:
            self.lost()

    def _code_from_result_file(self) -> int:
        try:
            with open(self._result_path, encoding="utf-8") as fh:
                return int(json.load(fh).get("exit_code", 1))
        except (OSError, ValueError, TypeError, AttributeError):
            return 1

    def fall_back(self) -> None:
        """The zygote did not start this member: start it as a plain subprocess."""
        self._stderr.close()
        try:
            popen = self._fallback_start()
        except OSError as exc:
            popen = _NotStarted(str(exc))
        with self._cond:
            self.popen, self.how = popen, "subprocess"
            pending, self._signals = self._signals, []
            self._cond.notify_all()
        for signum in pending:
            popen.send_signal(signum)


class _NotStarted:
    """A member whose process could not be started at all: no output, exit code 1."""

    def __init__(self, reason: str):
        self.stderr = iter([f"ERROR: the member's process could not be started: {reason}\n"])

    def wait(self) -> int:
        return 1

    def send_signal(self, signum: int) -> None:
        pass


class Zygote:
    """The group's handle on one zygote process; call it like :func:`fink_cloud.group_runner.member_process`.

    ``debug`` receives one line saying how members start (forked, or why as subprocesses)."""

    def __init__(self, debug: Callable[[str], None] = lambda text: None, preload: tuple[str, ...] = PRELOAD,
                 entry: str = ENTRY):
        self._debug, self.entry = debug, entry
        self._lock = threading.Lock()
        self._members: dict[int, ForkedMember] = {}   # request id -> member, until it has a pid
        self._by_pid: dict[int, ForkedMember] = {}
        self._next_id = 0
        self._listening = False
        self._closing = False
        self.failed: str | None = None
        self.ready = threading.Event()
        self._folder = tempfile.mkdtemp(prefix="fink-zygote-")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "fink_cloud.group_zygote", str(theirs.fileno()), ",".join(preload)],
                pass_fds=[theirs.fileno()], cwd=self._folder, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            ours.close()
            self.process = None
            self._fail(f"it could not be started: {exc}")
        finally:
            theirs.close()
        self.sock = ours
        self._listener: threading.Thread | None = None
        if self.process is not None:
            self._listening = True
            self._listener = threading.Thread(target=self._listen, name="fink-zygote", daemon=True)
            self._listener.start()

    def __call__(self, root: str, job: Any, result_path: str) -> Any:
        from .group_runner import member_process

        def fallback() -> Any:
            return member_process(root, job, result_path)

        from .group_member import RESULT_ENV
        with self._lock:
            if self.failed is not None or not self._listening:
                return fallback()
            read_end, write_end = os.pipe()
            member = ForkedMember(self, read_end, fallback, result_path)
            request_id = self._next_id = self._next_id + 1
            self._members[request_id] = member
        env = {**os.environ, RESULT_ENV: result_path, "PYTHONUNBUFFERED": "1"}
        request = {"op": "start", "id": request_id, "argv": list(job.argv), "cwd": os.path.join(root, job.folder),
                   "env": env, "entry": self.entry}
        mine = False
        try:
            _send(self.sock, request, (write_end,))
        except OSError as exc:
            with self._lock:
                mine = self._members.pop(request_id, None) is not None  # else the listener has taken it over
            self._fail(f"the request could not be sent: {exc}")
        finally:
            os.close(write_end)
            member._sent.set()  # from now on only a forked child can hold the write end
        if mine:
            member.fall_back()
        return member

    def signal(self, pid: int | None, signum: int) -> None:
        if pid is None:
            return
        try:
            _send(self.sock, {"op": "signal", "pid": pid, "signum": int(signum)})
        except OSError:  # the zygote is gone; so is its knowledge of which pid is still its child
            pass

    def close(self) -> None:
        """End the zygote (every member has ended by now; a member still running would keep running)."""
        self._closing = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the listener and tells the zygote to end
        except OSError:
            pass
        try:
            if self._listener is not None:
                self._listener.join(timeout=5)
            self.sock.close()
        finally:
            if self.process is not None:
                self.process.kill()  # it has no member left; killing it mid-preload saves the wait
                self.process.wait()
            import shutil
            shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- the listener thread ------------------------------------------------------------------------------------
    def _fail(self, reason: str) -> None:
        if self.failed is None:
            self.failed = reason
            if not self._closing:
                self._debug(f"Group members start as separate processes: the preloaded process failed ({reason}).")

    def _listen(self) -> None:
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.sock, _PACKET, 1)
                for fd in fds:
                    os.set_inheritable(fd, False)
            except OSError:
                data, fds = b"", []
            if not data:
                break
            message = json.loads(data)
            op = message.get("op")
            if op == "ready":
                self.ready.set()
                self._debug("Group members start as forks of a preloaded process.")
            elif op == "failed":
                self._fail(message.get("reason", "unknown"))
            elif op in ("forked", "started"):  # from the new child itself (with a pidfd), and from the zygote
                with self._lock:
                    member = self._members.pop(message["id"], None)
                    if member is not None:
                        self._by_pid[message["pid"]] = member
                    elif fds:
                        member = self._by_pid.get(message["pid"])
                if member is not None:
                    member.started(message["pid"], fds[0] if fds else None)
                    fds = []
            elif op == "error":
                with self._lock:
                    member = self._members.pop(message.get("id"), None)
                if self.failed is None:
                    self._debug(f"A group member starts as a separate process: {message.get('reason')}.")
                if member is not None:
                    member.fall_back()
            elif op == "exit":
                with self._lock:
                    member = self._by_pid.pop(message["pid"], None)
                if member is not None:
                    member.cpu = message.get("cpu")
                    member.exited(message["code"])
            for fd in fds:
                os.close(fd)
        self._fail("it has ended")
        if not self._closing and self.process is not None:
            try:  # so that it holds none of the pipes it was sent: ended means ended, fds closed
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # then its members' pipes look held: lost, never started twice
                pass
        with self._lock:
            self._listening = False
            pending, self._members = list(self._members.values()), {}
            running, self._by_pid = list(self._by_pid.values()), {}
        for member in pending:
            member.zygote_ended()
        for member in running:
            member.lost()


if __name__ == "__main__":
    sys.exit(main())
