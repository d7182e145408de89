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
from recommender.decide.ranking.rank import Ranking, planning_elsewhere, rank
from recommender.decide.ranking.ties import tie_message, tie_notice
from recommender.engine.answers import Answers, resolve_answers
from recommender.engine.evaluate import Evaluation, evaluate
from recommender.facts import evidence
from recommender.facts.document import Facts
from recommender.facts.load import facts_from_document, load_facts
from recommender.rulebase.load import RuleBase, load_rulebase

if TYPE_CHECKING:  # the checklist, diagnosis, fleet, smoke and tries: imported when asked for
    from recommender.decide.checklist.build import Checklist
    from recommender.decide.diagnosis import Diagnosis
    from recommender.decide.fleet import FleetReport
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


def _smoke_note(request: Request, facts: Facts, evaluation: Evaluation | None = None) -> str | None:
    if not facts.is_local:
        return (
            f"The facts come from {facts.origin}, another machine: no smoke run here; "
            "these results are unverified on that machine."
        )
    if not request.smoke:
        return "Smoke runs skipped (--no-smoke): confidence is rules-only."
    if evaluation is not None and planning_elsewhere(evaluation):
        accel = evaluation.derived.answer_accelerator
        return (
            f"The answered accelerator ({accel}) is not on this machine: no smoke run here, "
            "the ranking is a plan for another machine and treats every framework alike."
        )
    return None


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


def _with_distributed(facts: Facts) -> Facts:
    """Probed facts gain the distributed smoke results cached for this machine (rules read them)."""
    from recommender.smoke.distributed.cache import cached

    if not facts.is_local:
        return facts
    # `dlrec smoke --distributed N` stores GPU runs under their device: read both, GPU first.
    runs = (*cached(os.environ, facts, device="cuda"), *cached(os.environ, facts))
    return evidence.attach(facts, runs)


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
    facts = _with_distributed(facts or load_facts(request.facts_file))
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
    note = _smoke_note(request, facts, evaluation)
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
    from recommender.decide.ranking.rank import NOT_FOUND_RULE
    from recommender.decide.ranking.tries import notices, trial_plan, wanted_rows
    from recommender.smoke.trial import (
        DEFAULT_INSTALL_TIMEOUT,
        DEFAULT_SIZE_BUDGET,
        TrialPlan,
        try_plans,
    )

    if any(n.rule == NOT_FOUND_RULE for n in ranking.warnings):
        why = "--try: the answered accelerator is not on this machine, so nothing is tried here"
        return {}, notices({}, (why,))
    plans: list[TrialPlan] = []
    skipped: list[str] = []
    for entry, backend in wanted_rows(ranking.entries, request.tries or ()):
        plan = trial_plan(entry, backend, ranking.device)
        (plans if isinstance(plan, TrialPlan) else skipped).append(plan)  # type: ignore[arg-type]
    if not plans and not skipped:
        skipped.append("--try: every feasible row is installed and measured here; nothing to try")
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


# --------------------------------------------------------------------------- a fleet


#: What a node's own recommendation document is (``dlrec fleet node-recommend``), and its format.
NODE_KIND = "dlrec node recommendation"
NODE_FORMAT = 1


def _rules_digest(rulebase: RuleBase) -> str:
    """A digest of the rule base's files (bundled and overlays) and dlrec's version."""
    import hashlib

    from recommender import __version__
    from recommender.rulebase.load import BUNDLED_FILES, bundled_dir

    def make() -> str:
        digest = hashlib.sha256(f"dlrec {__version__} rules\0".encode())
        folder = bundled_dir()
        bundled = sorted(str(p) for p in folder.iterdir() if p.is_file())
        for path in (*bundled, *rulebase.files[len(BUNDLED_FILES) :]):
            digest.update(f"{os.path.basename(path)}\0".encode())
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                data = b"\0missing"
            digest.update(f"{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()

    return rulebase.memo("node-documents: rules digest", make)


def _answers_digest(answers: Answers) -> str:
    import hashlib
    import json

    text = json.dumps(
        {"values": dict(answers.values), "source": dict(answers.source)}, sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _file_digest(path: str) -> str | None:
    import hashlib

    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _stamp(rulebase: RuleBase, answers: Answers, facts_digest: str | None) -> dict[str, Any]:
    from recommender import __version__

    return {
        "kind": NODE_KIND,
        "format": NODE_FORMAT,
        "dlrec_version": __version__,
        "rules": _rules_digest(rulebase),
        "answers": _answers_digest(answers),
        "facts": facts_digest,
    }


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

    rulebase = rulebase or load_rulebase(request.rules_files)
    got = CopyReader().read_machine(facts_path)
    assert got.facts is not None  # a fresh reader parses its first file in full
    answers = resolve_answers(
        rulebase.questions, file=request.answers_file, flags=request.flags, facts=got.facts
    )
    evaluation = evaluate(got.facts, answers, rulebase)
    ranking = rank(evaluation, (), got.facts, rulebase, smoke_note="(fleet)")
    names = got.names
    os_names = names.get("os")
    return {
        **_stamp(rulebase, answers, _file_digest(facts_path)),
        "names": {
            "hostname": names.get("hostname"),
            "os": {"hostname": os_names.get("hostname") if isinstance(os_names, Mapping) else None},
        },
        "summary": summary_to_dict(summarize(got.facts, evaluation, ranking, rulebase)),
    }


def _node_document(path: str, stamp: Mapping[str, Any]) -> Any:
    """The node's recommendation document beside ``path`` when there is one whose stamp is
    ``stamp`` (the facts file's digest checked last); None when there is none or its stamp
    differs (the node is then evaluated here). A document that is not one: exit 2."""
    from recommender.core.documents import DocumentError, load_document
    from recommender.facts.fleet import NODE_SUFFIX

    doc_path = path.removesuffix(".json") + NODE_SUFFIX
    if not os.path.isfile(doc_path):
        return None
    try:
        doc = load_document(doc_path)
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    if not isinstance(doc, Mapping) or doc.get("kind") != NODE_KIND:
        raise BadInputError(f"key kind: expected {NODE_KIND!r}", where=f"{doc_path}:1")
    for key in ("format", "dlrec_version", "rules", "answers", "facts"):
        if key not in doc:
            raise BadInputError(f"key {key}: missing", where=f"{doc_path}:1")
        if key != "facts" and doc[key] != stamp[key]:
            return False
    if doc["facts"] != _file_digest(path):
        return False
    return doc


def _summary(doc: Any, doc_path: str) -> Any:
    """The node's summary; a value of another shape refused with its file, line and key."""
    from recommender.core.documents import locate, read_text
    from recommender.decide.fleet.document import BadSummary, summary_from_dict

    try:
        return summary_from_dict(doc, doc_path)
    except BadSummary as exc:
        text, key, line = read_text(doc_path), exc.key, None
        while key and line is None:  # a missing key: the line of the mapping it belongs in
            line = locate(text, key)
            key = key.rpartition(".")[0]
        where = f"{doc_path}:{line}" if line else doc_path
        raise BadInputError(exc.message, where=where) from None


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
    from recommender.facts.fleet import NODE_SUFFIX, fleet_files, node_name

    reader = CopyReader()
    fleet = Fleet(rulebase)
    answers: Answers | None = None
    stamp: dict[str, Any] = {}
    seen: set[str] = set()
    folded = refused = 0
    documents = False
    doc_machine = 0
    for path in fleet_files(request.facts_files):
        doc = _node_document(path, stamp) if answers is not None else None
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
    text: str, origin: str, *, rules_files: tuple[str, ...] = (), repository: str | None = None
) -> Diagnosis:
    """Read a paste, check each framework it shows, and judge the findings (exit 2 when the
    text holds nothing dlrec knows). ``repository``: the ``owner/name`` it was filed in."""
    from recommender.decide.diagnosis import diagnose as judge
    from recommender.facts.reports import load_signatures, read_paste
    from recommender.facts.reports.about import pasted_frameworks

    signatures = load_signatures()
    paste = read_paste(text, origin=origin, signatures=signatures, repository=repository)
    facts = facts_from_document(paste.doc, origin)
    rulebase = load_rulebase(rules_files)
    request = Request(flags={}, smoke=False, rules_files=rules_files)
    checklists = {
        fw: checklist(request, fw, facts=facts, rulebase=rulebase).checklist
        for fw in pasted_frameworks(facts)
    }
    return judge(paste, checklists, signatures, origin=origin)
