"""The supervisor limits while it reads, and finds the descendants that detach (issue 25).
Real processes throughout."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.faults.helpers import dead
from tests.faults.test_supervise import pids_in, wait_for

#: Writes 1 GiB to stdout as fast as it can, then sleeps.
FLOOD = (
    "import os, time\n"
    "block = b'x' * 65536\n"
    "for _ in range(16384):\n"
    "    os.write(1, block)\n"
    "time.sleep(1000)\n"
)


def test_a_flood_costs_the_disk_no_more_than_the_cap(tmp_path: Path):
    """Trigger: a child floods its stdout. The old supervisor checked the capture file's size
    between polls and found 60-690 MB written against an 8 MiB cap; the pump keeps the cap,
    and drains and counts the rest."""
    from recommender.supervise import supervisor

    cap = 1 << 20
    out_path = tmp_path / "out"
    with open(out_path, "wb") as out, open(tmp_path / "err", "wb") as err:
        child = supervisor.start([sys.executable, "-c", FLOOD], stdout=out, stderr=err, cap=cap)
        try:
            assert child.wait(60, cap) == "stdout"
            time.sleep(0.5)  # the child keeps writing while nobody has killed it yet
            assert out_path.stat().st_size <= cap
        finally:
            child.kill()
    assert out_path.stat().st_size == cap
    assert child.written("stdout") > cap


#: Double-forks a detached grandchild (a new session, its parent gone: an orphan), which
#: writes its pid and sleeps; the child itself then waits.
DETACH = (
    "import os, sys, time\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        open(sys.argv[1], 'a').write(f'{os.getpid()}\\n')\n"
    "        time.sleep(1000)\n"
    "    os._exit(0)\n"
    "time.sleep(1000)\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_CHILD_SUBREAPER")
def test_a_grandchild_that_detaches_is_found_and_killed(tmp_path: Path):
    """Trigger: a framework import that double-forks. Its grandchild left the group and the
    session and lost its parent: no group kill and no walk of the tree finds it, and it was
    left behind. dlrec is now its subreaper and kills what carries the child's mark."""
    from recommender.supervise import supervisor

    pids = tmp_path / "pids"
    with open(os.devnull, "wb") as out:
        child = supervisor.start([sys.executable, "-c", DETACH, str(pids)], stdout=out, stderr=out)
        try:
            [grandchild] = pids_in(pids, 1)
            assert os.getsid(grandchild) != child.pid  # detached from the child's session
        finally:
            child.kill()
    wait_for(lambda: dead(grandchild), 5, "the detached grandchild to die with the child")
