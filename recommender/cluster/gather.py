"""Start one task per node through a launcher (srun), and gather each node's answer as it comes.

A node's task (:mod:`recommender.cluster.node`) prints three kinds of line on stdout:

* ``DLREC-NODE {"name": ..., "addr": ...}``: it started, and where;
* ``DLREC-DOC {...}``: its answer, one JSON line (srun cuts long lines into labelled pieces;
  the pieces of one task are joined again here);
* ``DLREC-END``: the answer is whole.

srun's ``--label`` puts ``<task id>: `` before each piece; with one task per node the task id is
the node rank. The launcher's stderr (srun's ``error: n2: task 1: Killed``) goes to a log, and
names the nodes that never answered. Nothing needs a shared filesystem.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recommender.core.numfmt import is_digits
from recommender.smoke.process import open_capture
from recommender.supervise.supervisor import Stopped, start

HEADER, DOC, END = "DLREC-NODE ", "DLREC-DOC ", "DLREC-END"
_LABEL = re.compile(r"^ *(\d+): ?(.*)$", re.S)
_SRUN_ERROR = re.compile(r"srun: error: ([^:\s]+): tasks? ([\d,\-]+): (.+)")
_LAUNCH_FAILED = re.compile(r"srun: error: Task launch for \S+ failed on node ([^:\s]+): (.+)")
_QUEUED = "queued and waiting for resources"
#: Seconds srun gets to cancel its step (SIGTERM) before its group is killed.
CANCEL_GRACE_S = 10.0
_POLL_S = 0.05


@dataclass(slots=True)
class _Task:
    name: str | None = None
    addr: str | None = None
    parts: list[str] = field(default_factory=list)
    in_doc: bool = False
    doc: dict[str, Any] | None = None
    at: float | None = None


class LabelledStream:
    """Pieces of labelled lines in, each task's header and whole answer out (pure, linear)."""

    def __init__(self, count: int) -> None:
        self.tasks = [_Task() for _ in range(count)]
        self._rest = ""

    def feed(self, text: str, now: float = 0.0) -> list[int]:
        """Add output; return the tasks whose answer became whole."""
        lines = (self._rest + text).split("\n")
        self._rest = lines.pop()
        done = []
        for line in lines:
            m = _LABEL.match(line)
            if not m or not 0 <= int(m.group(1)) < len(self.tasks):
                continue
            k, payload = int(m.group(1)), m.group(2)
            if self._take(self.tasks[k], payload):
                self.tasks[k].at = now
                done.append(k)
        return done

    @staticmethod
    def _take(task: _Task, payload: str) -> bool:
        if task.doc is not None:
            return False
        if task.in_doc:
            if payload == END:
                task.in_doc = False
                try:
                    doc = json.loads("".join(task.parts))
                except ValueError:
                    doc = {"error": "its answer was not valid JSON"}
                task.parts = []
                task.doc = (
                    doc if isinstance(doc, dict) else {"error": "its answer was not an object"}
                )
                return True
            task.parts.append(payload)
        elif payload.startswith(HEADER):
            try:
                head = json.loads(payload[len(HEADER) :])
            except ValueError:
                head = {}
            if isinstance(head, dict):
                task.name = str(head.get("name") or "") or None
                task.addr = str(head.get("addr") or "") or None
        elif payload.startswith(DOC):
            task.in_doc, task.parts = True, [payload[len(DOC) :]]
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """One node's answer, or why there is none."""

    task: int
    name: str  # the node's name (SLURMD_NODENAME), else srun's, else "task K"
    addr: str | None
    doc: dict[str, Any] | None
    error: str | None  # None when the node answered
    seconds: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Gathered:
    answers: tuple[Answer, ...]
    returncode: int | None
    timed_out: bool
    log: str

    @property
    def failed(self) -> tuple[Answer, ...]:
        return tuple(a for a in self.answers if a.error is not None)


def launch_failures(text: str) -> dict[str, str]:
    """srun's ``Task launch for StepId=10.0 failed on node n2: Communication connection failure``
    (the node's slurmd is down) -> {"n2": "Communication connection failure"}."""
    return {m.group(1): m.group(2).strip() for m in _LAUNCH_FAILED.finditer(text)}


def srun_errors(text: str) -> dict[int, tuple[str, str]]:
    """srun's ``error: n2: task 1: Killed`` lines -> {1: ("n2", "Killed")}."""
    out: dict[int, tuple[str, str]] = {}
    for m in _SRUN_ERROR.finditer(text):
        for part in m.group(2).split(","):
            lo, _, hi = part.partition("-")
            if is_digits(lo):
                for k in range(int(lo), int(hi if is_digits(hi) else lo) + 1):
                    out.setdefault(k, (m.group(1), m.group(3).strip()))
    return out


def gather(
    argv: Sequence[str],
    *,
    count: int,
    env: Mapping[str, str],
    timeout: float,
    log_path: str,
    on_answer: Callable[[Answer], None] | None = None,
) -> Gathered:
    """Run the launcher until every task answered, it exited, or ``timeout`` s passed (then it
    is asked to cancel its step, and killed); every answer reported to ``on_answer`` as it comes."""
    began = time.monotonic()
    stream = LabelledStream(count)
    out_path = log_path + ".out"
    with open_capture(out_path) as out_w, open_capture(log_path) as log_w:
        try:
            child = start(argv, stdout=out_w, stderr=log_w, env=env)
        except (OSError, Stopped) as exc:
            why = getattr(exc, "strerror", None) or str(exc)
            answers = tuple(
                _missing(k, stream, {}, f"{argv[0]} could not start: {why}") for k in range(count)
            )
            return Gathered(answers=answers, returncode=None, timed_out=False, log=log_path)
        timed_out = False
        try:
            with open(out_path, encoding="utf-8", errors="replace") as reader:
                while True:
                    code = child.poll()
                    for k in stream.feed(reader.read(), time.monotonic() - began):
                        if on_answer:
                            on_answer(_answered(k, stream))
                    if code is not None:
                        break
                    if all(t.doc is not None for t in stream.tasks):
                        _finish(child)  # srun must end by itself: a killed srun leaves its job
                        break
                    if time.monotonic() - began > timeout:
                        timed_out = True
                        _cancel(child)
                        break
                    time.sleep(_POLL_S)
                code = child.poll() if not timed_out else child.returncode
                for k in stream.feed(reader.read() + "\n", time.monotonic() - began):
                    if on_answer:
                        on_answer(_answered(k, stream))
        finally:
            child.kill()
    _remove(out_path)
    text = _tail(log_path)
    errors = srun_errors(text)
    _blame_launch_failures(stream, errors, launch_failures(text))
    why = f"did not answer within {timeout:g}s" if timed_out else None
    if why is None and not any(t.name for t in stream.tasks) and (said := _last_error(text)):
        why = f"srun failed before any task started: {said}"
    if timed_out and not any(t.name for t in stream.tasks) and _QUEUED in text:
        why = f"the job was still waiting for resources after {timeout:g}s (srun: {_QUEUED})"
    answers = tuple(
        _answered(k, stream)
        if stream.tasks[k].doc is not None
        else _missing(k, stream, errors, why)
        for k in range(count)
    )
    if on_answer:
        for a in answers:
            if a.doc is None:
                on_answer(a)
    return Gathered(answers=answers, returncode=code, timed_out=timed_out, log=log_path)


def _blame_launch_failures(
    stream: LabelledStream, errors: dict[int, tuple[str, str]], failed: Mapping[str, str]
) -> None:
    """Tasks that never started, on nodes srun could not launch on: with one such node per such
    task, each is named (in order; with one, exactly), else every name goes to each."""
    silent = [k for k, t in enumerate(stream.tasks) if t.name is None and k not in errors]
    nodes = [n for n in failed if n not in {t.name for t in stream.tasks}]
    if not silent or not nodes:
        return
    if len(silent) == len(nodes):
        pairs = zip(silent, nodes)
        for k, node in pairs:
            errors[k] = (node, f"srun could not start it there: {failed[node]}")
        return
    names = ", ".join(nodes)
    for k in silent:
        errors[k] = (f"task {k}", f"srun could not start tasks on {names}: {failed[nodes[0]]}")


def _answered(k: int, stream: LabelledStream) -> Answer:
    t = stream.tasks[k]
    doc = t.doc or {}
    err = doc.get("error") if isinstance(doc.get("error"), str) else None
    return Answer(task=k, name=t.name or f"task {k}", addr=t.addr, doc=doc, error=err, seconds=t.at)


def _missing(
    k: int, stream: LabelledStream, errors: Mapping[int, tuple[str, str]], why: str | None
) -> Answer:
    t = stream.tasks[k]
    node, srun_says = errors.get(k, (None, None))
    name = t.name or node or f"task {k}"
    reason = why or (srun_says if srun_says and "srun" in srun_says else None)
    reason = reason or (f"its task ended: {srun_says}" if srun_says else "it never answered")
    if why and srun_says:
        reason = f"{why} ({srun_says})"
    if t.name is None and not srun_says and not why:
        reason = "it never started (no task output)"
    return Answer(task=k, name=name, addr=t.addr, doc=None, error=reason, seconds=None)


def _finish(child) -> None:
    """Every task answered: let the launcher end its step, else cancel it."""
    deadline = time.monotonic() + CANCEL_GRACE_S
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(_POLL_S)
    if child.poll() is None:
        _cancel(child)


def _last_error(text: str) -> str | None:
    """srun's last ``srun: error: ...`` line (an allocation refused, a bad option), or None."""
    lines = [
        line for line in text.splitlines() if line.startswith(("srun: error:", "srun: fatal:"))
    ]
    return lines[-1].split(": ", 2)[-1].strip() if lines else None


def _cancel(child) -> None:
    """SIGTERM: srun cancels its step on every node; then its group is killed (by the caller)."""
    try:
        os.kill(child.pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + CANCEL_GRACE_S
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(_POLL_S)


def _tail(path: str, limit: int = 1 << 16) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - limit))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
