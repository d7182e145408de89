"""A fleet's recommendation: several facts files (or a directory) read one node at a time,
each distinct machine evaluated and ranked once, every node folded into ``decide/fleet/``'s
``Fleet``; and a node's own stamped recommendation document (``dlrec fleet node-recommend``),
which the head folds without evaluating that node again. The facts are read here
(``facts/copies.py``, ``facts/fleet.py``); ``decide/fleet/`` stays pure. Nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from recommender.core.errors import BadInputError
from recommender.decide.ranking.rank import rank
from recommender.decide.ranking.ties import with_tie
from recommender.engine.answers import Answers, answers_digest, resolve_answers
from recommender.engine.evaluate import evaluate
from recommender.pipeline.request import Outcome, Request
from recommender.rulebase.load import RuleBase, load_rulebase


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


def recommend_fleet(request: Request, rulebase: RuleBase) -> Outcome:
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
        ranking=with_tie(ranking, fleet.facts, answers, rulebase),
        answers=answers,
        facts=fleet.facts,
        rulebase=rulebase,
        fleet=report,
        folded=(folded, len(report.nodes) - folded, refused) if documents else None,
    )
