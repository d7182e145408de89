"""Run an external command with a hard time budget: the probes' door to the one supervisor.

Every command runs under :mod:`recommender.supervise`: its own session, output to files capped
at ``OUTPUT_CAP`` a stream (a tool that prints forever is killed), its whole group killed on
timeout and after every exit, dead with dlrec however dlrec ends. A probe over its budget is
abandoned by the runner, which kills that thread's commands (``kill_live``).
"""

from __future__ import annotations

import threading

from recommender.supervise import OUTPUT_CAP, CommandResult, abandon, kill_all, run_bounded


def kill_live(thread: threading.Thread | None = None) -> int:
    """Kill the process groups ``thread`` started and let it start no more; with None, every
    live group (at exit). Returns how many groups were killed."""
    return kill_all() if thread is None else abandon(thread)


__all__ = ["OUTPUT_CAP", "CommandResult", "kill_live", "run_bounded"]
