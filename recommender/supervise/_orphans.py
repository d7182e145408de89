"""Finding a child's whole tree, the descendants that detached from it included.

dlrec is a child subreaper (``_keeper.become_subreaper``): a descendant whose parent died is
re-parented to dlrec, not to init. Each child's environment carries the supervisor's mark
(``MARK_ENV``, inherited by its descendants), which names the child an adopted orphan came from.
psutil is imported only when a tree is killed.
"""

from __future__ import annotations

import os
import time

#: ``<dlrec's token>:<serial>`` in every child's environment.
MARK_ENV = "DLREC_SUPERVISED"


def descendants(pid: int) -> list:
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - psutil.Error (gone), or no psutil: the group kill remains
        return []


def kill_adopted(mark: str, known: set[int]) -> int:
    """Kill and reap the orphans dlrec adopted (as subreaper) whose environment carries
    ``mark`` (one child's), with their descendants; ``known``: live children's pids, left
    alone. Returns how many were killed."""
    try:
        import psutil

        adopted = psutil.Process().children()
    except Exception:  # noqa: BLE001 - psutil.Error, or no psutil
        return 0
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
    await_death(doomed)
    return len(doomed)


def await_death(procs: list, grace: float = 2.0) -> None:
    """Until each is gone or a zombie (re-parented: init reaps it), at most ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while procs and time.monotonic() < deadline:
        procs = [p for p in procs if running(p)]
        if procs:
            time.sleep(0.01)


def running(p) -> bool:
    try:
        import psutil

        return p.status() != psutil.STATUS_ZOMBIE
    except Exception:  # noqa: BLE001 - psutil.Error: gone
        return False
