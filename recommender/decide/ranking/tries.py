"""``--try``: which rows to prove, the plans handed to the smoke stage, and what a try proves.

Pure: a ranking in, the rows to try and their ``TrialPlan`` values out; after the tries, each
row rewritten by its result (``with_try``) and the notices the output prints.

* ``--try`` alone: the two best feasible rows that need an install (or a reinstall), and any
  tied with the second; ``--try F`` (repeatable; ``keras:torch``): those rows.
* A proven row keeps its needs-install verdict and ``ready: false``; its confidence becomes
  ``measured in a fresh environment`` and it earns the smoke bonus.
* A failed install is a finding: the row is ``install failed here`` (blocked, with the
  installer's one-line error and its log), and a notice says the planner's data is suspect.
* Offline, a refusing proxy, a full disk, a timeout, the budget or a declined download say
  nothing about the plan: the row stays rules-only, and a notice gives the one-line reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import Framework
from recommender.decide.ranking.rows import (
    MEASURED_FRESH,
    NOT_FOUND_RULE,
    Block,
    Entry,
    Notice,
    Ranking,
)
from recommender.decide.ranking.smoke_evidence import deciding_run, smoke_block, smoke_reason
from recommender.smoke.trial.values import (
    INSTALL_FAILED,
    PROVEN,
    SMOKE_FAILED,
    TrialPlan,
    TrialResult,
    find,
)

if TYPE_CHECKING:  # a type only
    from recommender.smoke.results import SmokeResult

#: Rows ``--try`` alone proves (plus those tied with the last of them).
AUTO_COUNT = 2
#: The notice of a plan that did not install here.
SUSPECT_RULE = "try:install-failed"


def wanted_rows(entries: Sequence[Entry], names: Sequence[str]) -> list[tuple[Entry, str | None]]:
    """(row, Keras backend) for each name (``keras:torch``), or the automatic choice."""
    if names:
        out = []
        for name in dict.fromkeys(names):
            framework, _, backend = name.partition(":")
            entry = next(e for e in entries if e.framework == framework)
            out.append(
                (entry, (backend or entry.backend) if framework == Framework.KERAS else None)
            )
        return out
    needing = [e for e in entries if e.feasible and not e.ready and _commands(e, e.backend)]
    chosen = needing[:AUTO_COUNT]
    if chosen:
        last = chosen[-1].score
        chosen += [e for e in needing[AUTO_COUNT:] if e.score == last]
    return [(e, e.backend if e.framework == Framework.KERAS else None) for e in chosen]


def _plan_of(entry: Entry, backend: str | None) -> Mapping[str, Any]:
    if entry.framework == Framework.KERAS and backend and backend != entry.backend:
        row = next((b for b in entry.backends if b.backend == backend), None)
        return (row.install_plan or {}) if row is not None else {}
    return entry.install_plan or {}


def _commands(entry: Entry, backend: str | None) -> list[list[str]]:
    plan = _plan_of(entry, backend)
    if plan.get("no_build"):
        return []
    return [list(c) for c in plan.get("commands") or ()]


def trial_plan(entry: Entry, backend: str | None, device: str) -> TrialPlan | str:
    """The plan's pip argument lists as the smoke stage takes them, or why it cannot be tried."""
    name = f"keras:{backend}" if entry.framework == Framework.KERAS and backend else entry.framework
    plan = _plan_of(entry, backend)
    if plan.get("no_build"):
        return f"{name}: the planner has no build to try here ({plan.get('reason', '')})"
    commands = _commands(entry, backend)
    steps = []
    for argv in commands:
        at = next((i for i in range(len(argv) - 1) if argv[i : i + 2] == ["-m", "pip"]), None)
        if at is None or len(argv) < at + 3:
            return f"{name}: `{' '.join(argv)}` is not a pip command; dlrec tries pip plans only"
        steps.append(tuple(argv[at + 2 :]))
    if not steps:
        return f"{name}: no install plan to try"
    return TrialPlan(
        framework=entry.framework,
        backend=backend if entry.framework == Framework.KERAS else None,
        steps=tuple(steps),
        command=str(plan.get("command_line") or ""),
        device=device,
    )


def trial_plans(ranking: Ranking, names: Sequence[str]) -> tuple[list[TrialPlan], list[str]]:
    """(the plans to try for the rows ``names`` asks for, or the best rows; why each other
    wanted row is not tried). Nothing is tried where the answered accelerator is not here."""
    if any(n.rule == NOT_FOUND_RULE for n in ranking.warnings):
        return [], [
            "--try: the answered accelerator is not on this machine, so nothing is tried here"
        ]
    plans: list[TrialPlan] = []
    skipped: list[str] = []
    for entry, backend in wanted_rows(ranking.entries, names):
        plan = trial_plan(entry, backend, ranking.device)
        if isinstance(plan, TrialPlan):
            plans.append(plan)
        else:
            skipped.append(plan)
    if not plans and not skipped:
        skipped.append("--try: every feasible row is installed and measured here; nothing to try")
    return plans, skipped


def with_try(entry: Entry, tried: Mapping[str, TrialResult], bonus: float) -> Entry:
    """The row as its try left it (unchanged when it was not tried)."""
    result = find(tried, entry.framework, entry.backend)
    if result is None:
        return entry
    doc = result.to_dict()
    if result.status == PROVEN:
        passed, _ = deciding_run(result.smoke, result.plan.device)
        if passed is None or entry.ready:  # already measured in this environment
            return dataclasses.replace(entry, tried=doc)
        reason = smoke_reason(passed, bonus)
        why = reason.why.replace("Trained here on", "Trained in a fresh environment on", 1)
        reason = dataclasses.replace(reason, why=why)
        return dataclasses.replace(
            entry,
            tried=doc,
            confidence=MEASURED_FRESH,
            score=round(entry.score + bonus, 4),
            reasons=(*entry.reasons, reason) if bonus else entry.reasons,
            smoke=passed,
        )
    if result.status == SMOKE_FAILED:
        _, failed = deciding_run(result.smoke, result.plan.device)
        block = smoke_block(failed) if failed is not None else None
        if block is not None:
            block = dataclasses.replace(block, why=f"in a fresh environment, {block.why}")
            return _blocked(entry, doc, block, smoke=failed)
        return dataclasses.replace(entry, tried=doc)
    if result.status == INSTALL_FAILED:
        log = f" (log: {result.log})" if result.log else ""
        why = f"the planned command did not install here: {result.reason}{log}"
        return _blocked(entry, doc, Block(rule=SUSPECT_RULE, why=why))
    return dataclasses.replace(entry, tried=doc)  # unreached: rules-only as before


def _blocked(
    entry: Entry, doc: Mapping[str, Any], block: Block, smoke: SmokeResult | None = None
) -> Entry:
    return dataclasses.replace(
        entry,
        tried=doc,
        feasible=False,
        ready=False,
        blockers=(*entry.blockers, block),
        smoke=smoke if smoke is not None else entry.smoke,
    )


def row_label(entry: Entry) -> str:
    return (
        f"keras:{entry.backend}"
        if entry.framework == Framework.KERAS and entry.backend
        else entry.framework
    )


def notices(
    tried: Mapping[str, TrialResult], skipped: Sequence[str] = (), rows: Sequence[Entry] = ()
) -> tuple[Notice, ...]:
    """One notice per try that did not prove its row, one per row that could not be tried, and
    one per try of a Keras backend that is not the row's (the table shows the row's backend)."""
    out = [Notice(rule="try:skipped", why=why) for why in skipped]
    shown = {row_label(e) for e in rows}
    for label, result in tried.items():
        fws = (result.plan.framework,)
        if rows and label not in shown and result.status in (PROVEN, SMOKE_FAILED):
            size = f", {result.bytes / 1e6:.0f} MB of packages" if result.bytes else ""
            how = (
                "proven in a fresh environment"
                if result.status == PROVEN
                else f"installed but did not train in a fresh environment (log: {_log(result)})"
            )
            out.append(
                Notice(
                    rule=f"try:{result.status.replace('_', '-')}",
                    why=f"{label}: {result.plan.command} {how} "
                    f"(installed in {result.seconds:.0f} s{size})",
                    frameworks=fws,
                )
            )
            continue
        if result.status == INSTALL_FAILED:
            out.append(
                Notice(
                    rule=SUSPECT_RULE,
                    why=(
                        f"`{result.plan.command}` did not install here: {result.reason}. The "
                        "install planner's data (rules/wheels.yaml) is suspect for this machine"
                    ),
                    frameworks=fws,
                    fix=f"see the full log: {result.log}" if result.log else None,
                )
            )
        elif result.status not in (PROVEN, SMOKE_FAILED):
            out.append(
                Notice(
                    rule=f"try:{result.status.replace('_', '-')}",
                    why=f"{label} not proven: {result.reason}; its row stays rules-only",
                    frameworks=fws,
                )
            )
    return tuple(out)


def _log(result: TrialResult) -> str:
    logs = [r.log for r in result.smoke if r.log]
    return logs[0] if logs else str(result.log)
