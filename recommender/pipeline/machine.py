"""Request -> Outcome for one machine: the orchestration that ``recommend``, ``ask``,
``checklist``, ``init`` and ``diagnose`` call.

facts (the probes, or ``--facts``) + answers (flags > ``--answers`` > questions.yaml defaults) +
rules (bundled + ``--rules``) -> evaluate -> smoke (cached when fresh; skipped with
``--no-smoke`` or another machine's facts) -> rank. Several facts files are a fleet, handed to
``pipeline/fleet.py``. The pipeline has the facts read (``facts/load.py``); ``decide/`` stays
pure. Nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from recommender.core.catalog import ANSWER_DEVICE
from recommender.core.errors import BadInputError
from recommender.core.frozen import frozen
from recommender.decide.ranking.rank import Ranking, rank, smoke_note
from recommender.decide.ranking.ties import tie_message, with_tie
from recommender.engine.answers import Answers, resolve_answers
from recommender.engine.evaluate import Evaluation, evaluate
from recommender.facts import evidence
from recommender.facts.document import Facts
from recommender.facts.load import facts_from_document, load_facts
from recommender.pipeline.fleet import recommend_fleet
from recommender.pipeline.request import OnEvent, Outcome, Request, TryHooks
from recommender.rulebase.load import RuleBase, load_rulebase

if TYPE_CHECKING:  # the checklist, diagnosis, smoke and tries: imported when asked for
    from recommender.decide.checklist.build import Checklist
    from recommender.decide.diagnosis import Diagnosis
    from recommender.rulebase.reference import Reference
    from recommender.smoke.run import SmokeResult


def run_smoke(*args: Any, **kwargs: Any) -> tuple[SmokeResult, ...]:
    """``smoke.run.run_smoke``, imported when a smoke run is due (``--no-smoke`` never pays for
    the smoke engine's import)."""
    from recommender.smoke.run import run_smoke as run

    return run(*args, **kwargs)


def _run_smoke(
    request: Request, facts: Facts, answers: Answers, on_event: OnEvent | None, rulebase: RuleBase
) -> tuple[SmokeResult, ...]:
    """The smoke runs, their failures' fixes told with the install planner's commands."""
    from recommender.decide.install.hints import with_planned_fixes
    from recommender.smoke.run import DEFAULT_IMPORT_TIMEOUT, DEFAULT_TRAIN_TIMEOUT

    accel = answers.values.get("accelerator", "auto")
    results = run_smoke(
        facts,
        device=ANSWER_DEVICE.get(accel, "auto") if accel is not None else "auto",
        fresh=request.fresh,
        all_backends=True,
        on_event=on_event,
        import_timeout=request.import_timeout or DEFAULT_IMPORT_TIMEOUT,
        train_timeout=request.train_timeout or DEFAULT_TRAIN_TIMEOUT,
    )
    if not any(r.error is not None for r in results):
        return results
    return with_planned_fixes(results, facts, matrix=rulebase.wheels)


def recommend(
    request: Request,
    *,
    on_event: OnEvent | None = None,
    rulebase: RuleBase | None = None,
    facts: Facts | None = None,
    hooks: TryHooks | None = None,
) -> Outcome:
    """The one core function every recommending command calls."""
    rulebase = rulebase or load_rulebase(request.rules_files)
    _check_try(request)
    if request.facts_files and facts is None:
        return recommend_fleet(request, rulebase)
    from recommender.smoke.distributed.cache import with_cached_runs

    facts = with_cached_runs(os.environ, facts or load_facts(request.facts_file))
    if request.tries is not None and not facts.is_local:
        raise BadInputError(
            f"--try installs and trains on this machine; the facts come from {facts.origin}",
            where="--try",
        )
    answers = resolve_answers(
        rulebase.questions,
        file=request.answers_file,
        flags=request.flags,
        facts=facts,
        asked=request.asked,
    )
    evaluation = evidence.with_figures(evaluate(facts, answers, rulebase), facts)
    note = smoke_note(facts, smoke=request.smoke, evaluation=evaluation)
    results = () if note else _run_smoke(request, facts, answers, on_event, rulebase)
    ranking = rank(
        evaluation,
        results,
        facts,
        rulebase,
        smoke_note=note,
    )
    if request.tries is not None:
        tried, notices = _tries(request, ranking, hooks or TryHooks(), on_event)
        ranking = rank(
            evaluation, results, facts, rulebase, smoke_note=note, tried=tried,
            extra_warnings=notices,
        )  # fmt: skip
    ranking = with_tie(ranking, facts, answers, rulebase)
    return Outcome(ranking=ranking, answers=answers, facts=facts, rulebase=rulebase)


def _check_try(request: Request) -> None:
    if request.tries is None:
        return
    if request.facts_files:
        raise BadInputError("--try works for this machine, not a fleet", where="--try")
    if not request.smoke:
        raise BadInputError("--try smoke-trains what it installs; drop --no-smoke", where="--try")


def _tries(
    request: Request, ranking: Ranking, hooks: TryHooks, on_event: OnEvent | None
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """Prove the wanted rows' plans (``decide/ranking/tries.py`` picks them, ``smoke/trial`` runs them):
    (results by row label, the notices for what was not proven)."""
    from recommender.decide.ranking.tries import notices, trial_plans
    from recommender.smoke.trial import DEFAULT_INSTALL_TIMEOUT, DEFAULT_SIZE_BUDGET, try_plans

    plans, skipped = trial_plans(ranking, request.tries or ())
    tried = (
        try_plans(
            plans,
            confirm=hooks.confirm,
            size_budget=request.try_budget or DEFAULT_SIZE_BUDGET,
            install_timeout=request.try_timeout or DEFAULT_INSTALL_TIMEOUT,
            import_timeout=request.import_timeout,
            train_timeout=request.train_timeout,
            on_step=hooks.on_step,
            on_event=on_event,
        )
        if plans
        else {}
    )
    return dict(tried), notices(tried, skipped, ranking.entries)


@frozen
class Made:
    """A checklist and the recommendation it was built on."""

    checklist: Checklist
    outcome: Outcome


def checklist(
    request: Request,
    framework: str | None = None,
    *,
    on_event: OnEvent | None = None,
    env: Mapping[str, str] | None = None,
    facts: Facts | None = None,
    rulebase: RuleBase | None = None,
) -> Made:
    """Run the pipeline, then check the chosen framework (the winner unless one is named).
    ``env``: the environment the items read (default: this process's, for probed facts only;
    another machine's environment is unknown)."""
    if request.facts_files:
        raise BadInputError(
            "a checklist is for one machine; several facts files (a fleet) work with "
            "`dlrec recommend` only",
            where="--facts",
        )
    outcome = recommend(request, on_event=on_event, facts=facts, rulebase=rulebase)
    ranking = outcome.ranking
    from recommender.facts.reports.about import reported_framework

    chosen = framework or reported_framework(outcome.facts)
    if chosen is None and ranking.tied:
        raise BadInputError(tie_message(ranking), where="--framework")
    chosen = chosen or (ranking.winner or ranking.entries[0]).framework
    entry = ranking.entry(chosen)
    from recommender.decide.checklist.build import build_checklist

    made = build_checklist(
        framework=chosen,
        backend=entry.backend,
        facts=outcome.facts,
        answers=outcome.answers,
        rulebase=outcome.rulebase,
        evaluation=cast(Evaluation, ranking.evaluation),  # rank() always records its evaluation
        smoke=ranking.smoke,
        env=dict(env) if env is not None else dict(os.environ) if outcome.facts.is_local else None,
        smoke_note=ranking.smoke_note,
    )
    return Made(checklist=made, outcome=outcome)


def diagnose(
    text: str,
    origin: str,
    *,
    rules_files: tuple[str, ...] = (),
    repository: str | None = None,
    reference: Reference | None = None,
) -> Diagnosis:
    """Read a paste, check each framework it shows, and judge the findings (exit 2 when the
    text holds nothing dlrec knows). ``repository``: the ``owner/name`` it was filed in.
    ``reference``: the signatures, rule base and tables a caller diagnosing many pastes loaded
    once (its overlays its own); where None, this one diagnosis loads them, with
    ``rules_files``."""
    from recommender.decide.diagnosis import diagnose as judge
    from recommender.facts.reports import read_paste
    from recommender.facts.reports.about import pasted_frameworks
    from recommender.rulebase.reference import load_reference

    reference = reference or load_reference(rules_files)
    signatures, tables, rulebase = reference.signatures, reference.hardware, reference.rulebase
    paste = read_paste(
        text,
        origin=origin,
        signatures=signatures,
        tables=tables,
        repository=repository,
        index=reference.signature_index,
    )
    facts = facts_from_document(paste.doc, origin)
    request = Request(flags={}, smoke=False, rules_files=rules_files)
    checklists = {
        fw: checklist(request, fw, facts=facts, rulebase=rulebase).checklist
        for fw in pasted_frameworks(facts)
    }
    return judge(paste, checklists, signatures, origin=origin, reference=reference)
