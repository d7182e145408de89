"""The user's answers: flags win over an answers file; the rest stay unanswered.

Defaults are neutral: a question nobody answered has the value None ("unanswered"), and no rule
fires on it (a condition on an unknown answer is unknown), so the machine decides. The one
exception is a question with a ``prefill`` fact (the accelerator): the probes answer it
(source "probe"). ``questions.yaml``'s ``default`` is only the choice ``dlrec ask`` pre-selects.

An answers file is a flat YAML or JSON mapping ``{goal: research, deploy: server, ...}`` read
through ``recommender/core/documents.py``. Every key must be a question in ``questions.yaml`` and
every value one of its choices; anything else is a BadInputError naming file, line, key and
the allowed values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import GPU_ANSWERS, KIND_ANSWER
from recommender.core.documents import DocumentError, load_document
from recommender.core.errors import BadInputError
from recommender.core.frozen import frozen
from recommender.core.names import did_you_mean

if TYPE_CHECKING:
    from recommender.facts.document import Facts
    from recommender.rulebase.model import Question

#: Where an answer came from; "asked": given or confirmed at a ``dlrec ask`` prompt.
SOURCES = ("flag", "file", "probe", "asked", "unanswered")


@frozen
class Answers:
    """Each question's answer (None: unanswered) and where it came from (one of ``SOURCES``)."""

    values: Mapping[str, str | None] = field(default_factory=lambda: MappingProxyType({}))
    source: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def with_value(self, key: str, value: str, source: str = "flag") -> Answers:
        return Answers(
            values=MappingProxyType({**self.values, key: value}),
            source=MappingProxyType({**self.source, key: source}),
        )

    def to_dict(self) -> dict[str, str]:
        """The given answers as a replayable mapping (``dlrec recommend --answers FILE``):
        unanswered questions are left out, so a replay leaves them unanswered too."""
        return {k: v for k, v in self.values.items() if v is not None}

    def sources_dict(self) -> dict[str, str]:
        return dict(self.source)


#: ``--accelerator gpu``: the one GPU kind the facts show (``gpu_answers``).
GPU = "gpu"


def gpu_answers(facts: Facts | None) -> list[str]:
    """The accelerator answers of the GPU kinds the facts show (visible ones), in catalog order
    (none without facts)."""
    found = {
        KIND_ANSWER.get(str(a.get("kind")))
        for a in (getattr(facts, "accelerators", None) or ())
        if a.get("visible") is not False
    }
    return [a for a in GPU_ANSWERS if a in found]


def gpu_answer(facts: Facts | None) -> str:
    """``--accelerator gpu`` -> the one GPU kind present, else a BadInputError naming them."""
    found = gpu_answers(facts)
    if len(found) == 1:
        return found[0]
    if not found:
        raise BadInputError(
            "--accelerator gpu: no GPU was found on this machine; choose cpu, or name the kind: "
            + ", ".join(GPU_ANSWERS)
        )
    raise BadInputError(
        f"--accelerator gpu: this machine has {' and '.join(found)} GPUs; name one: "
        + " or ".join(f"--accelerator {a}" for a in found)
    )


def _allowed(question: Any) -> str:
    return ", ".join(c.value for c in question.choices)


def _read_file(path: str, questions: Mapping[str, Any]) -> dict[str, str]:
    try:
        doc = load_document(path)
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise BadInputError(
            f"expected a mapping of answers (keys: {', '.join(questions)})", where=path
        )
    out = {}
    for key, value in doc.items():
        line = doc.line_of(key) if hasattr(doc, "line_of") else None
        where = f"{path}:{line}" if line else path
        question = questions.get(key)
        if question is None:
            raise BadInputError(
                f"unknown answer key {key!r} (allowed: {', '.join(questions)})"
                + did_you_mean(str(key), questions),
                where=where,
            )
        if not isinstance(value, str) or value not in question.values:
            raise BadInputError(
                f"{key}: {value!r} is not allowed (allowed: {_allowed(question)})"
                + did_you_mean(str(value), question.values),
                where=where,
            )
        out[key] = value
    return out


def _prefill(question: Question, facts: Facts | None) -> str | None:
    if facts is None or not question.prefill:
        return None
    if question.prefill.startswith("derived."):
        from recommender.engine.derived import derived_facts

        value = derived_facts(facts, None).get(question.prefill)
    else:
        value = facts.get(question.prefill)
    return value if isinstance(value, str) and value in question.values else None


def resolve_answers(
    questions: Sequence[Question],
    *,
    file: str | None = None,
    flags: Mapping[str, str | None] | None = None,
    facts: Facts | None = None,
    asked: Mapping[str, str] | None = None,
) -> Answers:
    """Answers for every question: asked at a prompt, else flag, else file, else a fact
    pre-fill (with ``facts``), else None (unanswered).

    ``flags`` maps question keys (``team_stack`` or ``team-stack``) to a value or None (not given).
    """
    by_key = {q.key: q for q in questions}
    from_file = _read_file(file, by_key) if file else {}
    given: dict[str, str] = {}
    for name, value in (flags or {}).items():
        key = name.replace("-", "_")
        question = by_key.get(key)
        if question is None:
            raise BadInputError(f"unknown answer {name!r} (allowed: {', '.join(by_key)})")
        if value is None:
            continue
        if value == GPU and key == "accelerator":
            value = gpu_answer(facts)
        if value not in question.values:
            raise BadInputError(
                f"--{key.replace('_', '-')}: {value!r} is not allowed (allowed: {_allowed(question)})"
                + did_you_mean(value, question.values)
            )
        given[key] = value
    asked = {k: v for k, v in (asked or {}).items() if k in by_key and v in by_key[k].values}
    values: dict[str, str | None] = {}
    source: dict[str, str] = {}
    for q in questions:
        prefill = None if q.key in {**given, **from_file, **asked} else _prefill(q, facts)
        if q.key in asked:
            values[q.key], source[q.key] = asked[q.key], "asked"
        elif q.key in given:
            values[q.key], source[q.key] = given[q.key], "flag"
        elif q.key in from_file:
            values[q.key], source[q.key] = from_file[q.key], "file"
        elif prefill is not None:
            values[q.key], source[q.key] = prefill, "probe"
        else:
            values[q.key], source[q.key] = None, "unanswered"
    return Answers(values=MappingProxyType(values), source=MappingProxyType(source))


__all__ = ["GPU", "SOURCES", "Answers", "gpu_answer", "gpu_answers", "resolve_answers"]


def answers_digest(answers: Answers) -> str:
    """The answers (each value and where it came from) by digest: a node's recommendation is
    folded by the head only for the answers the head resolved."""
    import hashlib
    import json

    text = json.dumps(
        {"values": dict(answers.values), "source": dict(answers.source)}, sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()
