"""Run one smoke child under its budgets: start it, read its JSON lines, kill its whole tree.

The child runs under :mod:`recommender.supervise.supervisor` (its own session, dead with dlrec, started in
the run's private log folder, never importing from dlrec's working directory). Its stdout is a
file, never a pipe, read through a second handle as it grows; its stderr is the run's log. Both
are created fresh (never through a symlink) and capped at :data:`CAP` bytes. The import budget
runs until the child says "imported", then the training budget starts. On timeout, on cancel
(Ctrl-C) and after every normal exit the group and every descendant are killed and reaped.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from recommender.smoke.failures import ChildExit, read_oom_kills
from recommender.supervise.supervisor import Child, Stopped, child_env, size_text, start, stopping

MODELS = ("mlp", "cnn")
#: Bytes a framework child may write on each of stdout and stderr before it is killed: far
#: above the noisiest real import (TF/XLA on a GPU host writes tens of KiB), far below a disk.
CAP = 8 << 20
#: Seconds the child's own watch grants beyond its import and training budgets.
WATCH_SLACK_S = 10.0
_POLL_S = 0.02
_STDERR_TAIL = 16 << 10


def kill_tree(child: Child) -> None:
    """Kill the child's process group and every descendant that left it; reap them all."""
    child.kill()


def open_capture(path: str) -> BinaryIO:
    """A new file for a child's output: created, never opened through a symlink or truncated."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o600), "ab")


def framework_env(
    base: Mapping[str, str],
    *,
    threads: int,
    overrides: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    budget: float = 0.0,
) -> dict[str, str]:
    """A framework child's environment: the supervisor's, plus quieter TensorFlow logs."""
    return child_env(
        base,
        overrides=overrides,
        defaults={"TF_CPP_MIN_LOG_LEVEL": "2"},  # TF's noise goes to the log, and less of it
        threads=threads,
        budget=budget,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    steps: int
    import_timeout: float
    train_timeout: float
    threads: int
    env: Mapping[str, str]
    log_dir: str  # this dlrec run's own folder: no other run writes there
    #: The interpreter that runs the child: this one, or a try's throwaway environment's.
    python: str = sys.executable
    #: A try's child: its whole ``sys.path`` addition (a folder holding only a link to dlrec's
    #: package), in place of the user's PYTHONPATH, so nothing of this environment leaks in.
    path: str | None = None


class JsonLines:
    """Reads a child's JSON lines from its stdout file as they arrive."""

    def __init__(self, path: str) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._buf = b""

    def messages(self) -> list[dict]:
        self._buf += self._fh.read()
        *lines, self._buf = self._buf.split(b"\n")
        out = []
        for line in lines:
            try:
                doc = json.loads(line)
            except ValueError:
                continue  # a stray print from framework code
            if isinstance(doc, dict):
                out.append(doc)
        return out

    def close(self) -> None:
        self._fh.close()


def _argv(run, s: Settings) -> list[str]:
    return [
        s.python,
        "-m",
        "recommender.smoke.children.train",
        "--framework",
        run.framework,
        "--device",
        run.device,
        "--steps",
        str(s.steps),
        "--threads",
        str(s.threads),
        "--models",
        ",".join(MODELS),
    ]


def _overflow_error(stream: str) -> dict:
    return {
        "kind": "exception",
        "message": f"the child wrote more than {size_text(CAP)} to its {stream}, and was killed",
    }


def supervise(
    run, s: Settings, cancel: threading.Event, live: set, on_phase: Callable[[str, float], None]
) -> tuple[ChildExit, list[dict], dict, str]:
    """Start the child for ``run``, enforce its budgets, kill its tree, and return
    (how it ended, its per-model result dicts, its "imported" message, its log path)."""
    stem = run.label.replace(" on ", "-").replace("[", "-").replace("]", "")
    log, out = os.path.join(s.log_dir, f"{stem}.log"), os.path.join(s.log_dir, f"{stem}.out")
    oom_before, began = read_oom_kills(), time.monotonic()
    env = framework_env(
        s.env,
        threads=s.threads,
        overrides=run.env,
        budget=s.import_timeout + s.train_timeout + WATCH_SLACK_S,
    )
    if s.path is not None:
        env.pop("PYTHONHOME", None)
        env.update(PYTHONPATH=s.path, PYTHONNOUSERSITE="1")
    with open_capture(out) as out_w, open_capture(log) as err_w:
        try:
            child = start(
                _argv(run, s), stdout=out_w, stderr=err_w, env=env, cwd=s.log_dir, cap=CAP
            )
        except Stopped:
            return ChildExit(returncode=None, phase="import"), [], {}, log
        live.add(child)
        reader, said, imported = JsonLines(out), [], {}
        phase, deadline, budget = "import", began + s.import_timeout, s.import_timeout
        timed_out, error = False, None
        try:
            while True:
                rc = child.poll()
                for msg in reader.messages():
                    said.append(msg)
                    if msg.get("phase") == "imported":
                        imported, phase = msg, "train"
                        deadline, budget = time.monotonic() + s.train_timeout, s.train_timeout
                    if msg.get("phase") in ("imported", "training"):
                        on_phase(_phase_text(msg), time.monotonic() - began)
                if rc is not None or cancel.is_set() or stopping():
                    break
                if stream := child.overflow(CAP):
                    error = _overflow_error(stream)
                    break
                if time.monotonic() > deadline:
                    timed_out = True
                    break
                cancel.wait(_POLL_S)
        finally:
            child.kill()  # on timeout, and also reaps grandchildren left after a normal exit
            live.discard(child)
            said.extend(reader.messages())
            reader.close()
    error = error or next((m["error"] for m in said if isinstance(m.get("error"), dict)), None)
    exit_ = ChildExit(
        returncode=child.returncode if rc is not None else None,
        phase=phase,
        timed_out=timed_out,
        budget=budget,
        error=error,
        stderr_tail=_tail(log),
        oom_kills=read_oom_kills() - oom_before,
    )
    return exit_, [m["result"] for m in said if isinstance(m.get("result"), dict)], imported, log


def _phase_text(msg: dict) -> str:
    if msg["phase"] == "training":
        return f"training {msg.get('model', '')}".strip()
    return "imported"


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.path.getsize(path) - _STDERR_TAIL))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
