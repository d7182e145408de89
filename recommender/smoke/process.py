"""Run one smoke child under its budgets: start it, watch its JSON lines, kill its whole tree.

The child's stdout is a file opened for appending (never a pipe, so a grandchild that keeps it
open cannot stall us), read through a separate handle as it grows; its stderr is the run's log.
The import budget runs until the child says "imported", then the training budget starts. On
timeout, on cancel (Ctrl-C) and after every normal exit, the process group and every descendant
that left it are killed and reaped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from recommender.smoke.failures import ChildExit, read_oom_kills

MODELS = ("mlp", "cnn")
_POLL_S = 0.02
_STDERR_TAIL = 16 << 10


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill the child's process group and every descendant that left it; reap them all."""
    import psutil

    from recommender.probes.process import kill_group

    try:
        descendants = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    kill_group(proc)
    for p in descendants:
        try:
            p.kill()
        except psutil.Error:
            pass
    deadline = time.monotonic() + 2.0
    while descendants and time.monotonic() < deadline:  # dead: gone, or a zombie init will reap
        descendants = [p for p in descendants if _alive(p)]
        time.sleep(0.01) if descendants else None


def _alive(p) -> bool:
    import psutil

    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    steps: int
    import_timeout: float
    train_timeout: float
    threads: int
    env: Mapping[str, str]
    log_dir: str


def _child_env(run, s: Settings) -> dict[str, str]:
    env = dict(s.env)
    env.update(run.env)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's noise goes to the log file, and less of it
    env["PYTHONUNBUFFERED"] = "1"
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = str(s.threads)
    # Appended, never prepended: the user's PYTHONPATH (and its packages) keeps precedence.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), root) if p)
    return env


class _Watch:
    """Reads the child's JSON lines from its stdout file as they arrive."""

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


def child_cwd(fallback: str) -> str | None:
    """None (inherit) while the working directory exists; ``fallback`` once it has been deleted.
    A child started in a deleted directory fails in odd ways (torch: "oneMKL FATAL ERROR: Cannot
    load libtorch_cpu.so"), which would be misread as a broken install."""
    try:
        os.getcwd()
        return None
    except OSError:
        return os.path.abspath(fallback) if os.path.isabs(fallback) else tempfile.gettempdir()


def _argv(run, s: Settings) -> list[str]:
    return [
        sys.executable,
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


def supervise(
    run, s: Settings, cancel: threading.Event, live: set, on_phase: Callable[[str, float], None]
) -> tuple[ChildExit, list[dict], dict, str]:
    """Start the child for ``run``, enforce its budgets, kill its tree, and return
    (how it ended, its per-model result dicts, its "imported" message, its log path)."""
    stem = run.label.replace(" on ", "-").replace("[", "-").replace("]", "")
    os.makedirs(s.log_dir, exist_ok=True)
    log, out = os.path.join(s.log_dir, f"{stem}.log"), os.path.join(s.log_dir, f"{stem}.out")
    open(out, "wb").close()
    oom_before, start = read_oom_kills(), time.monotonic()
    with open(out, "ab") as out_w, open(log, "wb") as err_w:
        proc = subprocess.Popen(
            _argv(run, s),
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            env=_child_env(run, s),
            start_new_session=True,
            cwd=child_cwd(s.log_dir),
        )
    live.add(proc)
    watch, said, imported = _Watch(out), [], {}
    phase, deadline, budget, timed_out = "import", start + s.import_timeout, s.import_timeout, False
    try:
        while True:
            rc = proc.poll()
            for msg in watch.messages():
                said.append(msg)
                if msg.get("phase") == "imported":
                    imported, phase = msg, "train"
                    deadline, budget = time.monotonic() + s.train_timeout, s.train_timeout
                if msg.get("phase") in ("imported", "training"):
                    on_phase(
                        f"training {msg.get('model', '')}".strip()
                        if msg["phase"] == "training"
                        else "imported",
                        time.monotonic() - start,
                    )
            if rc is not None or cancel.is_set():
                break
            if time.monotonic() > deadline:
                timed_out = True
                break
            cancel.wait(_POLL_S)
    finally:
        kill_tree(proc)  # on timeout, and also reaps grandchildren left after a normal exit
        live.discard(proc)
        said.extend(watch.messages())
        watch.close()
    error = next((m["error"] for m in said if isinstance(m.get("error"), dict)), None)
    exit_ = ChildExit(
        returncode=None if timed_out else proc.returncode,
        phase=phase,
        timed_out=timed_out,
        budget=budget,
        error=error,
        stderr_tail=_tail(log),
        oom_kills=read_oom_kills() - oom_before,
    )
    return exit_, [m["result"] for m in said if isinstance(m.get("result"), dict)], imported, log


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.path.getsize(path) - _STDERR_TAIL))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
