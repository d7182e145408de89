"""The child's end of the supervisor: die with dlrec, even where nothing else can make it.

A child dlrec wrote (a smoke child, a distributed rank) calls :func:`watch_parent` first thing.
The supervisor put ``DLREC_WATCH=pid:sid:budget`` in its environment (``supervise.child_env``);
a daemon thread then kills the child's process group within :data:`WATCH_POLL_S` seconds of
its parent (dlrec, or a launcher such as torchrun) or dlrec itself going away, or once the whole
budget is spent. The portable fallback for ``PR_SET_PDEATHSIG``, which is Linux-only, kills only
the direct child, and cannot be set before the child runs our code.

A base layer, and cheap to import: the standard library's ``os``, ``signal``, ``threading``,
``time`` only (every smoke child pays for it inside its import budget).
"""

from __future__ import annotations

import os
import signal
import threading
import time

#: ``pid:sid:budget`` of the dlrec that started a child we wrote.
WATCH_ENV = "DLREC_WATCH"
#: How often a child's parent watch looks for its parent.
WATCH_POLL_S = 0.2
_POSIX = os.name == "posix"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, not ours to signal
        return True
    return True


def _die(dlrec_sid: int) -> None:
    """Kill this child's group (when it is a session dlrec made, never dlrec's own), then exit."""
    if _POSIX and os.getpgrp() == os.getsid(0) != dlrec_sid:
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(137)


def watch_parent(poll: float = WATCH_POLL_S) -> threading.Thread | None:
    """In a child dlrec wrote: exit (killing its group) within ``poll`` seconds of losing its
    parent or dlrec, or once the budget in ``DLREC_WATCH`` is spent. The portable fallback for
    ``PR_SET_PDEATHSIG`` (which is Linux-only and kills only the direct child). A daemon thread;
    None when the variable is absent (the child was not started by dlrec)."""
    try:
        pid, sid, budget = os.environ[WATCH_ENV].split(":")
        dlrec, dlrec_sid, seconds = int(pid), int(sid), float(budget)
    except (KeyError, ValueError):
        return None
    parent = os.getppid()  # dlrec, or a launcher dlrec started (torchrun)
    deadline = time.monotonic() + seconds if seconds > 0 else None

    def lost() -> bool:
        if os.getppid() != parent or not _alive(dlrec):
            return True
        return deadline is not None and time.monotonic() > deadline

    if lost() or (parent == 1 and dlrec != 1):  # orphaned before it got here
        _die(dlrec_sid)

    def run() -> None:
        while not lost():
            time.sleep(poll)
        _die(dlrec_sid)

    thread = threading.Thread(target=run, name="dlrec-parent-watch", daemon=True)
    thread.start()
    return thread


__all__ = ["WATCH_ENV", "WATCH_POLL_S", "watch_parent"]
