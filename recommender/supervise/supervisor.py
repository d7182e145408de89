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
import itertools
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import BinaryIO

from recommender.supervise._keeper import PR_SET_PDEATHSIG, Keeper, become_subreaper, prctl
from recommender.supervise._orphans import MARK_ENV, await_death, descendants, kill_adopted
from recommender.supervise._pump import Pump
from recommender.supervise.parent_watch import WATCH_ENV

#: Bytes a tool may print on each of stdout and stderr before it is killed.
OUTPUT_CAP = 1 << 20
#: Where a tool starts when the caller names no directory: it always exists, and nobody but
#: root can put a ``numpy.py`` there.
NEUTRAL_CWD = os.path.abspath(os.sep)
_POSIX = os.name == "posix"
#: This dlrec's half of :data:`MARK_ENV` (``<token>:<serial>``): how an adopted orphan is
#: traced back to the child it came from. ``os.urandom`` is what ``secrets.token_hex`` reads,
#: without importing secrets (base64, hmac, OpenSSL's hashes: a few ms of every probing run).
_TOKEN = f"{os.getpid()}-{os.urandom(4).hex()}"
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


def _preexec(parent: int, keeper_fd: int | None):
    """Runs in the child between fork and exec: tell the keeper about its new group (before
    the child can start anything: no window in which dlrec dies and the keeper does not know),
    SIGKILL when the thread that started it dies (it waits for the child, so: when dlrec dies),
    and follow a parent that died already."""
    call = prctl()
    if call is None and keeper_fd is None:
        return None

    def in_child() -> None:
        if keeper_fd is not None:
            try:
                os.write(keeper_fd, b"+%d\n" % os.getpid())
            except OSError:
                pass
        if call is not None:
            call(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(137)

    return in_child


_KEEPER = Keeper(live=lambda: list(_LIVE))
_SERIAL = itertools.count(1)
if hasattr(os, "register_at_fork"):  # a forked copy of dlrec must not hold the keeper's pipe
    os.register_at_fork(after_in_child=_KEEPER.forget_after_fork)


# --- one child ---------------------------------------------------------------------------------


class Child:
    """A started child, the leader of its own process group."""

    def __init__(self, proc: subprocess.Popen, pump: Pump | None, mark: str) -> None:
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
        tree = descendants(self.pid)
        try:
            if _POSIX:
                os.killpg(self.pid, signal.SIGKILL)
            else:
                self.proc.kill()
        except OSError:  # no such group left
            pass
        for p in tree:
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
        await_death(tree)
        with _LOCK:
            known = set(_LIVE) | ({_KEEPER.proc.pid} if _KEEPER.proc else set())
        kill_adopted(self.mark, known)
        if self._pump is not None:
            self._pump.finish(grace=1.0)


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
        become_subreaper()
        keeper_fd = _KEEPER.ready() if _POSIX else None
        mark = f"{_TOKEN}:{next(_SERIAL)}"
        marked = dict(os.environ if env is None else env, **{MARK_ENV: mark})
        pipes = [(name, *os.pipe(), fh) for name, fh in (("stdout", stdout), ("stderr", stderr))]
        _KEEPER.spawner = threading.get_ident()  # under _LOCK: one spawner at a time
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
        finally:
            _KEEPER.spawner = None
        for _, _, write, _ in pipes:
            os.close(write)
        pump = Pump([(name, read, fh) for name, read, _, fh in pipes], cap)
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
