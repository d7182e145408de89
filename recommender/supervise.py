"""The one supervisor of every process dlrec starts: the probes' tools, smoke children, ranks.

Every child

* starts in a new session, so that its whole process group is killed at once, and a terminal's
  Ctrl-C reaches dlrec alone (which then kills the child);
* writes to pipes that a pump thread empties into the caller's capture files as the output
  arrives, keeping at most the cap (:data:`OUTPUT_CAP` for a tool) and draining and counting
  the rest: a child that floods its output costs the disk nothing past the cap, whatever it
  writes between two polls. A caller's wait loop (:meth:`Child.wait`) kills it once over. A
  grandchild that keeps a pipe open cannot stall us: the pump stops when the tree is dead;
* is found with all its descendants even when they detach (double fork, ``setsid``): on Linux
  dlrec is a child subreaper (``PR_SET_CHILD_SUBREAPER``), so an orphaned descendant is
  re-parented to dlrec, not to init; each child's environment carries :data:`MARK_ENV`, which
  names the child, and :meth:`Child.kill` kills and reaps every adopted process so marked;
* has its budget enforced by the caller's wait loop; on timeout, on cancel and after every normal
  exit its group, and every descendant that left the group, is killed and reaped (:meth:`Child.kill`);
* dies with dlrec however dlrec ends:

  - Ctrl-C, SIGTERM, SIGHUP: dlrec's handlers (``cli.main``) call :func:`kill_all`, then
    unwind as ``KeyboardInterrupt`` (exit 130); ``atexit`` kills anything left;
  - SIGKILL or a crash: on Linux the kernel kills each direct child (``PR_SET_PDEATHSIG``), and
    the keeper, a tiny process that holds the read end of a pipe from dlrec, sees end-of-file
    and kills every group still registered, grandchildren included (macOS too);
  - a child we write ourselves also calls :func:`recommender.parent_watch.watch_parent`: a
    thread that kills its group within 0.2 s of losing its parent, or once its budget is spent;

* never imports code from dlrec's working directory: it starts in a directory dlrec chose
  (:data:`NEUTRAL_CWD` unless the caller names its own private one), and :func:`child_env`
  and the probes' ``run_bounded`` set ``PYTHONSAFEPATH`` (Python 3.11+: neither the cwd nor a
  script's folder is put first on ``sys.path``).

A base layer: it imports nothing of dlrec's (psutil only when killing a tree).
"""

from __future__ import annotations

import atexit
import itertools
import os
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import BinaryIO

from recommender.parent_watch import WATCH_ENV

#: Bytes a tool may print on each of stdout and stderr before it is killed.
OUTPUT_CAP = 1 << 20
#: Where a tool starts when the caller names no directory: it always exists, and nobody but
#: root can put a ``numpy.py`` there.
NEUTRAL_CWD = os.path.abspath(os.sep)
_POSIX = os.name == "posix"
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
#: ``<dlrec's token>:<serial>`` in every child's environment (its descendants inherit it):
#: how an adopted orphan is traced back to the child it came from.
MARK_ENV = "DLREC_SUPERVISED"
_TOKEN = f"{os.getpid()}-{secrets.token_hex(4)}"
_CHUNK = 1 << 16
#: The folder holding the ``recommender`` package this process runs.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def _prctl():
    if not _PRCTL:
        _PRCTL.append(_load_prctl())
    return _PRCTL[0]


def _become_subreaper() -> bool:
    """Make dlrec the child subreaper of its descendants (Linux 3.4+): an orphan is re-parented
    here, where :meth:`Child.kill` finds it, instead of to init. Idempotent."""
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _preexec(parent: int, keeper_fd: int | None):
    """Runs in the child between fork and exec: tell the keeper about its new group (before
    the child can start anything: no window in which dlrec dies and the keeper does not know),
    SIGKILL when the thread that started it dies (it waits for the child, so: when dlrec dies),
    and follow a parent that died already."""
    prctl = _prctl()
    if prctl is None and keeper_fd is None:
        return None

    def in_child() -> None:
        if keeper_fd is not None:
            try:
                os.write(keeper_fd, b"+%d\n" % os.getpid())
            except OSError:
                pass
        if prctl is not None:
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

    def ready(self) -> int | None:
        """The pipe's fd, the keeper started first if need be (before the child it guards)."""
        if self.fd is None:
            self._start()
        return self.fd

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
_SERIAL = itertools.count(1)
if hasattr(os, "register_at_fork"):  # a forked copy of dlrec must not hold the keeper's pipe
    os.register_at_fork(after_in_child=_KEEPER.forget)


# --- one child ---------------------------------------------------------------------------------


class _Pump:
    """Empties a child's output pipes into its capture files as the output arrives: at most
    ``cap`` bytes a stream are kept, the rest is read, counted and dropped. Stops at end of
    file on every pipe, or when told to (a descendant that escaped still holds one open)."""

    def __init__(self, pipes: Sequence[tuple[str, int, BinaryIO]], cap: int) -> None:
        self.cap = cap
        self.seen = {name: 0 for name, _, _ in pipes}
        self._files = {fd: (name, fh) for name, fd, fh in pipes}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dlrec-output-pump", daemon=True)
        self._thread.start()

    def _keep(self, name: str, fh: BinaryIO, data: bytes) -> None:
        room = self.cap - self.seen[name]
        self.seen[name] += len(data)
        if room <= 0:
            return
        view = memoryview(data)[:room]
        try:
            fd = fh.fileno()
            while view:
                view = view[os.write(fd, view) :]
        except (OSError, ValueError):  # the caller closed it, or the disk is full: drain
            pass

    def _run(self) -> None:
        poller = select.poll()
        for fd in self._files:
            poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        open_fds = set(self._files)
        try:
            while open_fds and not self._stop.is_set():
                for fd, _ in poller.poll(100):
                    try:
                        data = os.read(fd, _CHUNK)
                    except OSError:
                        data = b""
                    if data:
                        self._keep(*self._files[fd], data)
                    else:
                        poller.unregister(fd)
                        open_fds.discard(fd)
        finally:
            for fd in self._files:
                os.close(fd)

    def finish(self, grace: float) -> None:
        """Wait up to ``grace`` s for end of file (the tree is dead), then stop reading."""
        self._thread.join(grace)
        self._stop.set()
        self._thread.join()


class Child:
    """A started child, the leader of its own process group."""

    def __init__(self, proc: subprocess.Popen, pump: _Pump | None, mark: str) -> None:
        self.proc = proc
        self.pid = proc.pid
        self._pump = pump
        self.mark = mark

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def poll(self) -> int | None:
        return self.proc.poll()

    def written(self, stream: str) -> int:
        """Bytes the child wrote to ``stream`` so far, kept or not."""
        return self._pump.seen.get(stream, 0) if self._pump else 0

    def overflow(self, cap: int) -> str | None:
        """The stream ("stdout", "stderr") on which the child wrote more than ``cap`` bytes."""
        if self._pump is None:
            return None
        return next((name for name, n in self._pump.seen.items() if n > cap), None)

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
        """Kill the group, every descendant that left it, and every orphan of it dlrec adopted;
        then reap them and drain the output (unless ``reap`` is False: a signal handler must
        not wait on a child its own thread may be polling). Safe to call twice."""
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
        _kill_adopted(self.mark)
        if self._pump is not None:
            self._pump.finish(grace=1.0)


def _descendants(pid: int) -> list:
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - psutil.Error (gone), or no psutil: the group kill remains
        return []


def _kill_adopted(mark: str) -> int:
    """Kill and reap the orphans dlrec adopted (as subreaper) whose environment carries
    ``mark`` (one child's), with their descendants. Returns how many were killed."""
    try:
        import psutil

        adopted = psutil.Process().children()
    except Exception:  # noqa: BLE001 - psutil.Error, or no psutil
        return 0
    with _LOCK:
        known = set(_LIVE) | ({_KEEPER.proc.pid} if _KEEPER.proc else set())
    doomed, ours = [], []
    for p in adopted:
        try:
            if p.pid not in known and p.environ().get(MARK_ENV) == mark:
                ours.append(p)
                doomed += [p, *p.children(recursive=True)]
        except Exception:  # noqa: BLE001 - psutil.Error: gone, a zombie, not ours to read
            continue
    for p in doomed:
        try:
            p.kill()
        except Exception:  # noqa: BLE001 - psutil.Error: gone already
            pass
    for p in ours:  # our children now: reap them, or they stay zombies until dlrec exits
        try:
            os.waitpid(p.pid, 0)
        except ChildProcessError:
            pass
    _await_death(doomed)
    return len(doomed)


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
    cap: int = OUTPUT_CAP,
) -> Child:
    """Start ``argv`` in a new session whose output is pumped into ``stdout``/``stderr`` (files
    the caller keeps open while it waits; at most ``cap`` bytes each are kept), in ``cwd``
    (default :data:`NEUTRAL_CWD`), dying with dlrec.

    Wait for the child (:meth:`Child.wait`, or a poll loop) and :meth:`Child.kill` it in the
    thread that started it: ``PR_SET_PDEATHSIG`` fires when that thread ends.

    Raises :class:`Stopped` while dlrec is stopping or the calling thread was abandoned, and
    ``OSError`` when the program cannot be started."""
    me = threading.current_thread()
    with _LOCK:  # start and register atomically, so kill_all never misses a child
        if _STOPPING or me in _ABANDONED:
            raise Stopped("dlrec is stopping" if _STOPPING else "abandoned: time budget spent")
        _become_subreaper()
        keeper_fd = _KEEPER.ready() if _POSIX else None
        mark = f"{_TOKEN}:{next(_SERIAL)}"
        marked = dict(os.environ if env is None else env, **{MARK_ENV: mark})
        pipes = [(name, *os.pipe(), fh) for name, fh in (("stdout", stdout), ("stderr", stderr))]
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=pipes[0][2],
                stderr=pipes[1][2],
                env=marked,
                cwd=cwd or NEUTRAL_CWD,
                start_new_session=True,
                preexec_fn=_preexec(os.getpid(), keeper_fd),
            )
        except BaseException:
            for _, read, write, _ in pipes:
                os.close(read)
                os.close(write)
            raise
        for _, _, write, _ in pipes:
            os.close(write)
        pump = _Pump([(name, read, fh) for name, read, _, fh in pipes], cap)
        child = Child(proc, pump, mark)
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
    "MARK_ENV",
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
