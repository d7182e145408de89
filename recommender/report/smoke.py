"""Smoke results as text: one line per run, failure details, and the live table on a TTY."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Sequence
from typing import cast

from recommender.core.numfmt import throughput
from recommender.report.pictures import loss_curve
from recommender.smoke.cache import age_seconds, describe_age
from recommender.smoke.results import SmokeEvent, SmokeResult, SmokeRun


def _bytes(value: int | None) -> str:
    return f"{value / 2**20:.0f} MiB" if value else "?"


def loss_text(r) -> str:
    """``loss 2.37 ▇▅▃▂▁ 0.01`` from the curve, else ``loss 2.37 -> 0.01``."""
    curve = loss_curve(getattr(r, "losses", ()) or ())
    return curve or f"loss {r.loss_first:.2f} -> {r.loss_last:.2f}"


def model_summary(r: SmokeResult) -> str:
    return f"{r.model} {loss_text(r)} acc {r.accuracy:.2f} {throughput(r.samples_per_s)}"


def run_summary(results: Sequence[SmokeResult]) -> str:
    """'trained: mlp loss 1.34 -> 0.00, ... on cpu' or the first failure's cause."""
    failed = [r for r in results if not r.ok]
    if failed:
        err = failed[0].error
        return f"FAILED ({err.kind.value})" if err else "FAILED"
    first = results[0]
    text = f"trained: {', '.join(model_summary(r) for r in results)} on {first.device}"
    if first.cached:
        text += f" (cached {describe_age(age_seconds(first.cached_at or ''))})"
    return text


def run_details(results: Sequence[SmokeResult], *, verbose: bool) -> list[str]:
    """Indented lines under a run: cause, fix and log on failure; figures with --verbose."""
    lines = []
    failed = [r.error for r in results if not r.ok and r.error]
    seen = set()
    for err in failed:
        if err.message in seen:
            continue
        seen.add(err.message)
        lines += [f"  cause: {err.message}", f"  fix:   {err.fix}"]
        if err.log:
            lines.append(f"  log:   {err.log}")
    if verbose:
        for r in results:
            if r.ok:
                lines.append(
                    f"  {r.model}: import {r.import_s:.2f}s, first step {r.first_step_s:.3f}s, "
                    f"step {cast(float, r.step_s) * 1000:.2f} ms, peak RSS {_bytes(r.peak_rss_bytes)}"
                    + (
                        f", device peak {_bytes(r.peak_device_bytes)}"
                        if r.peak_device_bytes
                        else ""
                    )
                )
        if results and results[0].log and not failed:
            lines.append(f"  log:   {results[0].log}")
    return lines


def label(results: Sequence[SmokeResult]) -> str:
    r = results[0]
    name = f"{r.framework}[{r.backend}]" if r.backend else r.framework
    return f"{name} on {r.device}"


def group_runs(results: Iterable[SmokeResult]) -> list[tuple[SmokeResult, ...]]:
    groups: dict[tuple, list[SmokeResult]] = {}
    for r in results:
        groups.setdefault((r.framework, r.backend, r.device), []).append(r)
    return [tuple(g) for g in groups.values()]


def plain_lines(results: Sequence[SmokeResult], *, verbose: bool) -> list[str]:
    lines = []
    for group in group_runs(results):
        mark = "ok  " if all(r.ok for r in group) else "FAIL"
        lines.append(f"{mark} {label(group)}: {run_summary(group)}")
        lines += run_details(group, verbose=verbose)
    return lines


class LiveTable:
    """The state behind the live display, fed by events from worker threads."""

    def __init__(self, *, notes: bool = False) -> None:
        self._lock = threading.Lock()
        self._rows: dict[SmokeRun, dict] = {}
        self.messages: list[str] = []
        #: Keep each run's note (a setting overridden for it, such as KERAS_BACKEND): only under
        #: ``--verbose``; it would repeat on every run otherwise (issue 26).
        self._notes = notes

    def on_event(self, event: SmokeEvent) -> None:
        with self._lock:
            if event.kind == "skipped":
                self.messages.append(event.message)
                return
            # Every event but "skipped" names its run.
            run = cast(SmokeRun, event.run)
            row = self._rows.setdefault(run, {"phase": "waiting", "start": None, "results": None})
            if event.kind == "planned" and event.message:
                if self._notes:
                    self.messages.append(f"{run.label}: {event.message}")
            elif event.kind == "phase":
                row["start"] = row["start"] or time.monotonic()
                row["phase"] = event.phase
            elif event.kind == "done":
                row["results"] = event.results
                row["elapsed"] = event.elapsed

    def renderable(self):
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 1))
        with self._lock:
            for run, row in self._rows.items():
                results = row["results"]
                start = row["start"]
                if results is None:
                    elapsed = time.monotonic() - start if start else 0.0
                    table.add_row(
                        Spinner("dots"),
                        Text(run.label, style="bold"),
                        f"{elapsed:5.1f}s",
                        Text(row["phase"], style="dim"),
                    )
                elif not results:
                    table.add_row(Text("-"), Text(run.label), "", Text("cancelled", style="yellow"))
                else:
                    ok = all(r.ok for r in results)
                    table.add_row(
                        Text("✓" if ok else "✗", style="green" if ok else "red bold"),
                        Text(run.label, style="bold"),
                        f"{row.get('elapsed', 0.0):5.1f}s",
                        Text(run_summary(results), style="" if ok else "red"),
                    )
        return table


class PlainProgress:
    """Progress for a piped run: one line on stderr as each smoke run starts and ends, so a
    run is never silent for the 10-15 s the trainings take (``on_event`` for run_smoke)."""

    def __init__(self, write) -> None:
        self._write = write
        self._started: set[str] = set()

    def on_event(self, event) -> None:
        run = event.run
        if run is None:
            return
        label = run.label
        if event.kind == "phase" and label not in self._started:
            self._started.add(label)
            self._write(f"smoke: {label}: started")
        elif event.kind == "done":
            results = event.results or ()
            ok = bool(results) and all(r.ok for r in results)
            cached = bool(results) and all(r.cached for r in results)
            state = "passed" if ok else "failed"
            tail = " (cached)" if cached else f" in {event.elapsed:.0f} s"
            self._write(f"smoke: {label}: {state}{tail}")


@contextlib.contextmanager
def live_smoke(console):
    """The smoke command's live table (one line per run, spinner, elapsed, result); yields
    the ``on_event`` callback for run_smoke."""
    from rich.live import Live

    from recommender.report.smoke import LiveTable

    table = LiveTable()
    with Live(
        console=console, get_renderable=table.renderable, refresh_per_second=10, transient=False
    ):
        yield table.on_event
    for message in table.messages:
        console.print(message, style="dim", markup=False)
