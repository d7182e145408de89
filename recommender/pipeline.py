"""Request -> Outcome: the one orchestration that ``recommend``, ``ask``, ``checklist`` and
``init`` call.

facts (the probes, or ``--facts``) + answers (flags > ``--answers`` > questions.yaml defaults) +
rules (bundled + ``--rules``) -> evaluate -> smoke (cached when fresh; skipped with
``--no-smoke`` or another machine's facts) -> rank. Several facts files are a fleet: each
distinct machine is evaluated and ranked here, then ``decide/fleet/`` combines them. The
pipeline has the facts read (``facts/load.py``, ``facts/fleet.py``); ``decide/`` stays pure.
Nothing here prints.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, cast

from recommender.core.catalog import ANSWER_DEVICE
from recommender.core.errors import BadInputError
from recommender.core.frozen import frozen
from recommender.decide.ranking.rank import Ranking, rank, smoke_note
from recommender.decide.ranking.ties import tie_message, tie_notice
from recommender.engine.answers import Answers, answers_digest, resolve_answers
from recommender.engine.evaluate import Evaluation, evaluate
from recommender.facts import evidence
from recommender.facts.document import Facts
from recommender.facts.load import facts_from_document, load_facts
from recommender.rulebase.load import RuleBase, load_rulebase

if TYPE_CHECKING:  # the checklist, diagnosis, fleet, smoke and tries: imported when asked for
    from recommender.decide.checklist.build import Checklist
    from recommender.decide.diagnosis import Diagnosis
    from recommender.decide.fleet import FleetReport
    from recommender.rulebase.reference import Reference
    from recommender.smoke.run import SmokeEvent, SmokeResult
    from recommender.smoke.trial import Preview

#: Progress events from the smoke runs (``dlrec recommend`` prints them as they come).
OnEvent = Callable[["SmokeEvent"], None]


def run_smoke(*args: Any, **kwargs: Any) -> tuple[SmokeResult, ...]:
    """``smoke.run.run_smoke``, imported when a smoke run is due (``--no-smoke`` never pays for
    the smoke engine's import)."""
    from recommender.smoke.run import run_smoke as run

    return run(*args, **kwargs)


@frozen
class Request:
    """Everything one recommendation needs, as read from the command line."""

    facts_file: str | None = None
    #: Several --facts (or a directory): a fleet, recommended by recommender.decide.fleet.
    facts_files: tuple[str, ...] = ()
    answers_file: str | None = None
    flags: Mapping[str, str]
    #: Answers given or confirmed at a ``dlrec ask`` prompt (source "asked"; they win over flags).
    asked: Mapping[str, str] = field(default_factory=dict)
    rules_files: tuple[str, ...] = ()
    smoke: bool = True
    import_timeout: float | None = None
    train_timeout: float | None = None
    fresh: bool = False
    #: ``--try``: None (no try), () (the best rows), or the rows named (``keras:torch``).
    tries: tuple[str, ...] | None = None
    #: ``--try-budget``: bytes a tried plan may download (None: the default).
    try_budget: int | None = None
    #: ``--try-timeout``: seconds each plan's environment and install may take (None: default).
    try_timeout: float | None = None


@frozen
class TryHooks:
    """How a try talks to its user: ``confirm`` (once, with what each plan would download;
    False declines every download) and ``on_step`` (a line per step of each install)."""

    confirm: Callable[[Sequence[Preview]], bool] = lambda previews: True
    on_step: Callable[[str], None] | None = None


@frozen
class Outcome:
    ranking: Ranking
    answers: Answers
    facts: Facts
    rulebase: RuleBase
    fleet: FleetReport | None = None
    #: A fleet: (nodes folded from their own recommendation documents, nodes evaluated here,
    #: documents refused for a stamp that does not match), or None where no node had one.
    folded: tuple[int, int, int] | None = None


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
        return _recommend_fleet(request, rulebase)
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
    ranking = _with_tie(ranking, facts, answers, rulebase)
    return Outcome(ranking=ranking, answers=answers, facts=facts, rulebase=rulebase)


def _with_tie(ranking: Ranking, facts: Facts, answers: Answers, rulebase: RuleBase) -> Ranking:
    """A tie at the top is said first, with the question that breaks it (one machine or a
    fleet alike)."""
    tie = tie_notice(ranking, facts, answers, rulebase)
    if tie is None:
        return ranking
    return dataclasses.replace(ranking, warnings=(tie, *ranking.warnings))


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


def _stamp(rulebase: RuleBase, answers: Answers, facts_digest: str | None) -> dict[str, Any]:
    """What a node document must match to be folded (``facts/fleet.py``'s ``node_document``)."""
    from recommender import __version__
    from recommender.facts.fleet import node_stamp
    from recommender.rulebase.digest import rules_digest

    return node_stamp(
        version=__version__,
        rules=rules_digest(rulebase),
        answers=answers_digest(answers),
        facts=facts_digest,
    )


def node_recommendation(
    request: Request, facts_path: str, *, rulebase: RuleBase | None = None
) -> dict[str, Any]:
    """A node's own recommendation document for its facts file: what the fleet keeps of the
    machine (``decide/fleet/``'s ``summarize``: evaluated and ranked as a fleet's node is,
    no smoke run), stamped with the rule base's digest, the answers' digest, dlrec's version
    and the facts file's digest, so that the head folds it only for these very inputs."""
    from recommender.decide.fleet import summarize
    from recommender.decide.fleet.document import summary_to_dict
    from recommender.facts.copies import CopyReader
    from recommender.facts.fleet import file_digest, node_names

    rulebase = rulebase or load_rulebase(request.rules_files)
    got = CopyReader().read_machine(facts_path)
    assert got.facts is not None  # a fresh reader parses its first file in full
    answers = resolve_answers(
        rulebase.questions, file=request.answers_file, flags=request.flags, facts=got.facts
    )
    evaluation = evaluate(got.facts, answers, rulebase)
    ranking = rank(evaluation, (), got.facts, rulebase, smoke_note="(fleet)")
    return {
        **_stamp(rulebase, answers, file_digest(facts_path)),
        "names": node_names(got.names),
        "summary": summary_to_dict(summarize(got.facts, evaluation, ranking, rulebase)),
    }


def _summary(doc: Any, doc_path: str) -> Any:
    """The node's summary; a value of another shape refused with its file, line and key."""
    from recommender.core.documents import where_is
    from recommender.decide.fleet.document import BadSummary, summary_from_dict

    try:
        return summary_from_dict(doc, doc_path)
    except BadSummary as exc:
        raise BadInputError(exc.message, where=where_is(doc_path, exc.key)) from None


def _recommend_fleet(request: Request, rulebase: RuleBase) -> Outcome:
    """Each node read in turn (identical machines are recognised by their text and share one
    machine: facts/copies.py), each distinct machine evaluated and ranked once, and every node
    folded into ``decide/fleet/``'s ``Fleet`` as it comes: the fleet never holds every
    node's document, evaluation and ranking.

    A node with its own recommendation document (``DIR/<node>.recommendation.json``, written
    where it runs by ``dlrec fleet node-recommend``) whose stamp matches this run (rule base,
    answers, dlrec's version, and the facts file by digest) is folded from it, without reading
    its facts; any other node is evaluated here. The first machine is always evaluated here
    (the fleet's answers and tie notice read its facts)."""
    from recommender.decide.fleet import Fleet
    from recommender.facts.copies import CopyReader
    from recommender.facts.fleet import NODE_SUFFIX, fleet_files, node_document, node_name

    reader = CopyReader()
    fleet = Fleet(rulebase)
    answers: Answers | None = None
    stamp: dict[str, Any] = {}
    seen: set[str] = set()
    folded = refused = 0
    documents = False
    doc_machine = 0
    for path in fleet_files(request.facts_files):
        doc = node_document(path, stamp) if answers is not None else None
        documents = documents or doc is not None
        if doc:
            summary = _summary(doc, path.removesuffix(".json") + NODE_SUFFIX)
            doc_machine -= 1  # the head's own machines count from 0
            fleet.add_summary(doc_machine, summary)
            names = doc.get("names")
            name = node_name(path, names if isinstance(names, Mapping) else {})
            machine = doc_machine
            folded += 1
        else:
            refused += doc is False
            got = reader.read_machine(path)
            if got.facts is not None:  # the first file of this machine
                if answers is None:  # the answers' defaults read the first node's facts
                    answers = resolve_answers(
                        rulebase.questions,
                        file=request.answers_file,
                        flags=request.flags,
                        facts=got.facts,
                    )
                    stamp = _stamp(rulebase, answers, None)
                evaluation = evaluate(got.facts, answers, rulebase)
                ranking = rank(evaluation, (), got.facts, rulebase, smoke_note="(fleet)")
                fleet.add_machine(got.machine, got.facts, evaluation, ranking)
            name = node_name(path, got.names)
            machine = got.machine
        if name in seen:  # two documents from one host: tell them apart by file
            name = f"{name} ({os.path.basename(path)})"
        seen.add(name)
        fleet.add_node(name, path, machine)
    assert answers is not None  # fleet_files gives at least one file, or raises
    ranking, report = fleet.result()
    return Outcome(
        ranking=_with_tie(ranking, fleet.facts, answers, rulebase),
        answers=answers,
        facts=fleet.facts,
        rulebase=rulebase,
        fleet=report,
        folded=(folded, len(report.nodes) - folded, refused) if documents else None,
    )


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
    ``reference``: the rule base and tables a caller diagnosing many pastes loaded once (its
    overlays its own); where None, this one diagnosis loads them, with ``rules_files``."""
    from recommender.decide.diagnosis import diagnose as judge
    from recommender.facts.reports import load_signatures, read_paste
    from recommender.facts.reports.about import pasted_frameworks
    from recommender.rulebase.reference import load_reference

    reference = reference or load_reference(rules_files)
    signatures = load_signatures()
    tables, rulebase = reference.hardware, reference.rulebase
    paste = read_paste(
        text, origin=origin, signatures=signatures, tables=tables, repository=repository
    )
    facts = facts_from_document(paste.doc, origin)
    request = Request(flags={}, smoke=False, rules_files=rules_files)
    checklists = {
        fw: checklist(request, fw, facts=facts, rulebase=rulebase).checklist
        for fw in pasted_frameworks(facts)
    }
    return judge(paste, checklists, signatures, origin=origin, reference=reference)
