"""The one supervisor of every process dlrec starts: the probes' tools, smoke children, ranks.

Every child

* starts in a new session, so that its whole process group is killed at once, and a terminal's
  Ctrl-C reaches dlrec alone (which then kills the child);
* writes to files, never to pipes (a grandchild that keeps a pipe open cannot stall us), and a
  caller's wait loop (:meth:`Child.wait`) kills it once a capture file passes its cap
  (:data:`OUTPUT_CAP` for a tool: an ``nvidia-smi`` that prints forever must not fill TMPDIR);
* has its budget enforced by the caller's wait loop; on timeout, on cancel and after every normal
  exit its group, and every descendant that left the group, is killed and reaped (:meth:`Child.kill`);
* dies with dlrec however dlrec ends:

  - Ctrl-C, SIGTERM, SIGHUP: dlrec's handlers (``cli.main``) call :func:`kill_all`, then
    unwind as ``KeyboardInterrupt`` (exit 130); ``atexit`` kills anything left;
  - SIGKILL or a crash: on Linux the kernel kills each direct child (``PR_SET_PDEATHSIG``), and
    the keeper, a tiny process that holds the read end of a pipe from dlrec, sees end-of-file
    and kills every group still registered, grandchildren included (macOS too);
  - a child we write ourselves also calls :func:`recommender.supervise.parent_watch.watch_parent`: a
    thread that kills its group within 0.2 s of losing its parent, or once its budget is spent;

* never imports code from dlrec's working directory: it starts in a directory dlrec chose
  (:data:`NEUTRAL_CWD` unless the caller names its own private one), and :func:`child_env`
  and the probes' ``run_bounded`` set ``PYTHONSAFEPATH`` (Python 3.11+: neither the cwd nor a
  script's folder is put first on ``sys.path``).

A base layer: it imports nothing of dlrec's (psutil only when killing a tree).
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import BinaryIO

from recommender.supervise.parent_watch import WATCH_ENV

#: Bytes a tool may print on each of stdout and stderr before it is killed.
OUTPUT_CAP = 1 << 20
#: Where a tool starts when the caller names no directory: it always exists, and nobody but
#: root can put a ``numpy.py`` there.
NEUTRAL_CWD = os.path.abspath(os.sep)
_POSIX = os.name == "posix"
_PR_SET_PDEATHSIG = 1
#: The folder holding the ``recommender`` package this process runs.
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Stopped(Exception):
    """No child may start: dlrec is shutting down, or this thread was abandoned over budget."""


# --- the registry of live children ------------------------------------------------------------

# Re-entrant: a signal handler runs kill_all() in the main thread, possibly inside start().
_LOCK = threading.RLock()
_LIVE: dict[int, tuple[Child, threading.Thread]] = {}
_ABANDONED: set[threading.Thread] = set()
_STOPPING = False


def stopping() -> bool:
    """True once :func:`kill_all` stopped everything (a signal, or exit): wind down, start nothing."""
    return _STOPPING


def kill_all(*, stop: bool = True, reap: bool = True) -> int:
    """Kill every live child group; with ``stop``, let no child start afterwards (a signal, exit).
    ``reap=False`` (in a signal handler) only sends the kills: the thread waiting on a child
    reaps it. Returns how many groups were killed."""
    global _STOPPING
    with _LOCK:
        _STOPPING = _STOPPING or stop
        doomed = [child for child, _ in _LIVE.values()]
    for child in doomed:
        child.kill(reap=reap)
    return len(doomed)


def abandon(thread: threading.Thread) -> int:
    """Kill the groups ``thread`` started and let it start no more (a probe over its budget)."""
    with _LOCK:
        _ABANDONED.add(thread)
        doomed = [child for child, owner in _LIVE.values() if owner is thread]
    for child in doomed:
        child.kill()
    return len(doomed)


atexit.register(kill_all)


# --- dying with dlrec: PR_SET_PDEATHSIG and the keeper ----------------------------------------


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


_PRCTL: list = []  # [prctl or None], resolved in the parent before its first fork


def _preexec(parent: int):
    """Runs in the child between fork and exec: SIGKILL when the thread that started it dies
    (it waits for the child, so: when dlrec dies), and follow a parent that died already."""
    if not _PRCTL:
        _PRCTL.append(_load_prctl())
    prctl = _PRCTL[0]
    if prctl is None:
        return None

    def in_child() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(137)

    return in_child


# The keeper reads "+PGID" / "-PGID" lines; at end-of-file (dlrec is gone, however it ended) it
# kills every group it still holds. It runs isolated (-I -S) in its own session, without our env.
_KEEPER_CODE = """\
import os, signal
live, buf = set(), b""
while True:
    chunk = os.read(0, 4096)
    if not chunk:
        break
    *lines, buf = (buf + chunk).split(b"\\n")
    for line in lines:
        if line[:1] == b"+":
            live.add(int(line[1:]))
        elif line[:1] == b"-":
            live.discard(int(line[1:]))
for group in live:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
"""


class _Keeper:
    """dlrec's end of the keeper's pipe. Every call is made under ``_LOCK``."""

    def __init__(self) -> None:
        self.fd: int | None = None
        self.proc: subprocess.Popen | None = None

    def add(self, pgid: int) -> None:
        if self.fd is None and not self._start():
            return
        self._send(f"+{pgid}\n")

    def remove(self, pgid: int) -> None:
        if self.fd is not None:
            self._send(f"-{pgid}\n")

    def _send(self, line: str) -> None:
        try:
            if self.fd is None:
                raise TypeError("the keeper's pipe is closed")
            os.write(self.fd, line.encode())
        except (OSError, TypeError):  # the keeper died: PDEATHSIG and the handlers remain
            self.forget()

    def forget(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def _start(self) -> bool:
        if not _POSIX or not sys.executable or (self.proc and self.proc.poll() is None):
            return False
        env = {k: os.environ[k] for k in ("PATH", "LD_LIBRARY_PATH") if k in os.environ}
        read, write = os.pipe()  # both non-inheritable: no child but the keeper holds them
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _KEEPER_CODE],
                stdin=read,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=NEUTRAL_CWD,
                env=env,
                start_new_session=True,
            )
        except OSError:
            os.close(write)
            return False
        finally:
            os.close(read)
        self.fd = write
        for pgid in _LIVE:
            self._send(f"+{pgid}\n")
        return True


_KEEPER = _Keeper()
if hasattr(os, "register_at_fork"):  # a forked copy of dlrec must not hold the keeper's pipe
    os.register_at_fork(after_in_child=_KEEPER.forget)


# --- one child ---------------------------------------------------------------------------------


class Child:
    """A started child, the leader of its own process group."""

    def __init__(self, proc: subprocess.Popen, captures: Sequence[tuple[str, BinaryIO]]) -> None:
        self.proc = proc
        self.pid = proc.pid
        self._captures = tuple(captures)

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def poll(self) -> int | None:
        return self.proc.poll()

    def overflow(self, cap: int) -> str | None:
        """The stream ("stdout", "stderr") whose capture file holds more than ``cap`` bytes."""
        for name, fh in self._captures:
            try:
                if os.fstat(fh.fileno()).st_size > cap:
                    return name
            except (OSError, ValueError):  # closed by the caller
                continue
        return None

    def wait(self, timeout: float, cap: int) -> str | None:
        """Wait up to ``timeout`` s: None once it exited, else "timeout" or the stream over ``cap``."""
        deadline = time.monotonic() + max(timeout, 0.01)
        while True:
            try:
                self.proc.wait(timeout=max(0.001, min(0.05, deadline - time.monotonic())))
                return None
            except subprocess.TimeoutExpired:
                pass
            if over := self.overflow(cap):
                return over
            if time.monotonic() >= deadline:
                return "timeout"

    def kill(self, *, reap: bool = True) -> None:
        """Kill the group and every descendant that left it, then reap (unless ``reap`` is
        False: a signal handler must not wait on a child its own thread may be polling).
        Safe to call twice."""
        descendants = _descendants(self.pid)
        try:
            if _POSIX:
                os.killpg(self.pid, signal.SIGKILL)
            else:
                self.proc.kill()
        except OSError:  # no such group left
            pass
        for p in descendants:
            try:
                p.kill()
            except Exception:  # noqa: BLE001 - psutil.Error: gone already
                pass
        if not reap:
            return
        with _LOCK:  # a killed child's leader is reaped only once the keeper forgot its group
            _KEEPER.remove(self.pid)
            _LIVE.pop(self.pid, None)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
            pass
        _await_death(descendants)


def _descendants(pid: int) -> list:
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - psutil.Error (gone), or no psutil: the group kill remains
        return []


def _await_death(procs: list, grace: float = 2.0) -> None:
    """Until each is gone or a zombie (re-parented: init reaps it), at most ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while procs and time.monotonic() < deadline:
        procs = [p for p in procs if _running(p)]
        if procs:
            time.sleep(0.01)


def _running(p) -> bool:
    try:
        import psutil

        return p.status() != psutil.STATUS_ZOMBIE
    except Exception:  # noqa: BLE001 - psutil.Error: gone
        return False


def start(
    argv: Sequence[str],
    *,
    stdout: BinaryIO,
    stderr: BinaryIO,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> Child:
    """Start ``argv`` in a new session writing to ``stdout``/``stderr`` (files the caller keeps
    open while it waits), in ``cwd`` (default :data:`NEUTRAL_CWD`), dying with dlrec.

    Wait for the child (:meth:`Child.wait`, or a poll loop) and :meth:`Child.kill` it in the
    thread that started it: ``PR_SET_PDEATHSIG`` fires when that thread ends.

    Raises :class:`Stopped` while dlrec is stopping or the calling thread was abandoned, and
    ``OSError`` when the program cannot be started."""
    me = threading.current_thread()
    with _LOCK:  # start and register atomically, so kill_all never misses a child
        if _STOPPING or me in _ABANDONED:
            raise Stopped("dlrec is stopping" if _STOPPING else "abandoned: time budget spent")
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=dict(env) if env is not None else None,
            cwd=cwd or NEUTRAL_CWD,
            start_new_session=True,
            preexec_fn=_preexec(os.getpid()),
        )
        child = Child(proc, (("stdout", stdout), ("stderr", stderr)))
        _LIVE[proc.pid] = (child, me)
        _KEEPER.add(proc.pid)
    return child


def size_text(n: int) -> str:
    """1048576 -> "1 MiB", for messages about a capture cap."""
    return f"{n / (1 << 20):g} MiB" if n >= 1 << 20 else f"{n / 1024:g} KiB"


# --- the environment of a child we wrote -------------------------------------------------------


def _installed(root: str) -> bool:
    """True when ``root`` is a site-packages folder: the child imports dlrec from there anyway."""
    import sysconfig

    sites = {sysconfig.get_paths().get(k) for k in ("purelib", "platlib")}
    try:
        import site

        sites.update(site.getsitepackages())
    except AttributeError:  # some virtualenvs' site module
        pass
    return os.path.realpath(root) in {os.path.realpath(p) for p in sites if p}


def child_env(
    base: Mapping[str, str],
    *,
    overrides: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    defaults: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    threads: int | None = None,
    budget: float = 0.0,
) -> dict[str, str]:
    """The environment of a Python child that dlrec wrote (a smoke child, a rank): the one builder.

    ``base`` with ``overrides`` set and ``defaults`` set where absent; unbuffered output; no unsafe
    path first on ``sys.path``; ``threads`` for the BLAS/OpenMP pools; the parent watch's
    ``pid:sid:budget`` (``budget`` 0: none). dlrec itself is found where it is installed; run
    from a source tree, that tree is appended to PYTHONPATH (never prepended: the user's
    PYTHONPATH and its packages keep precedence)."""
    env = dict(base)
    env.update(dict(overrides))
    for key, value in dict(defaults).items():
        env.setdefault(key, value)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONSAFEPATH"] = "1"
    if threads:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[name] = str(threads)
    if not _installed(_ROOT):
        paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        if _ROOT not in paths:
            env["PYTHONPATH"] = os.pathsep.join([*paths, _ROOT])
    sid = os.getsid(0) if _POSIX else 0
    env[WATCH_ENV] = f"{os.getpid()}:{sid}:{budget:g}"  # read by parent_watch.watch_parent
    return env


__all__ = [
    "NEUTRAL_CWD",
    "OUTPUT_CAP",
    "Child",
    "Stopped",
    "abandon",
    "child_env",
    "kill_all",
    "size_text",
    "start",
    "stopping",
]
