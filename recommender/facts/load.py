"""Read a facts document from a file, or refuse it in one line (exit 2).

A file is either a ``dlrec probe --json`` document or the text of a ``torch.utils.collect_env``
report (vLLM's too), told apart by sniffing; a report is imported first (facts/reports/collect_env.py).
Then every document must be a facts document: a JSON object with ``schema_version: 1``, at
least one known section and no unknown top-level key. ``dlrec smoke --json`` output, a checklist
or ``{"foo": 1}`` are refused here, never ranked as an empty machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.core.documents import DocumentError, locate, parse_json, parse_yaml, read_text
from recommender.core.errors import BadInputError
from recommender.facts.document import SCHEMA_VERSION, Facts, FactsError, validate

#: The sections of a facts document (README, "The facts document").
SECTIONS = ("python", "os", "cpu", "memory", "disk", "accelerators", "frameworks", "probes")
#: Other top-level keys a facts document may carry.
EXTRA_KEYS = (
    "schema_version",
    "dlrec_version",
    "collected_at",
    "hostname",
    "warnings",
    "distributed",
    "smoke",
    "source",
    "toolchain",
    "packages",
    "environment",
    "vllm",
)


def read_facts_document(path: str) -> dict[str, Any]:
    """The facts document in ``path`` (a report is imported first), checked for its shape."""
    return facts_document(read_text(path), path)


def _report(text: str) -> bool:
    """A collect_env report's text (its readers are imported only when a report is read)."""
    from recommender.facts.reports.collect_env import looks_like_collect_env

    return looks_like_collect_env(text)


def facts_document(text: str, path: str) -> dict[str, Any]:
    """The facts document a file's ``text`` holds (a report is imported first)."""
    if text.lstrip().startswith(("{", "[")):  # JSON: no report starts so, no sniffing needed
        doc = parse_json(text, path)
    elif _report(text):
        from recommender.facts.reports.collect_env import import_report

        return import_report(text, origin=str(path))
    else:
        try:
            doc = parse_yaml(text, path)
        except DocumentError:
            pasted = _pasted(text, path)
            if pasted is None:
                raise
            return pasted
        if not (isinstance(doc, Mapping) and "schema_version" in doc):
            pasted = _pasted(text, path)
            if pasted is not None:
                return pasted
    check_shape(doc, path)
    return with_proven_builds(doc)


def _pasted(text: str, path: str) -> dict[str, Any] | None:
    """Any other paste (nvidia-smi, pip/conda lists, sessions, env dumps, error messages) read
    by the same reader as ``dlrec diagnose``; None when it holds nothing dlrec knows."""
    from recommender.facts.reports import NothingFound, read_paste

    try:
        return dict(read_paste(text, origin=str(path)).doc)
    except NothingFound:
        return None


def with_proven_builds(doc: dict[str, Any]) -> dict[str, Any]:
    """A framework version whose local label names its build (``2.13.0+cpu``, ``+cu121``,
    ``+rocm6.0``) proves the build even where ``build.flavour`` is missing: fill it in."""
    from recommender.facts.reports.lines import local_build

    frameworks = doc.get("frameworks")
    if not isinstance(frameworks, Mapping):
        return doc
    for entry in frameworks.values():
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            continue
        build = entry.get("build")
        if build is not None and not isinstance(build, dict):
            continue
        proven = local_build(entry["version"])
        if proven and not (build or {}).get("flavour"):
            entry["build"] = {**proven, **(build or {})}
    return doc


def check_shape(doc: Any, where: str) -> None:
    """Refuse what is not a facts document, in one line naming what is wrong."""
    if not isinstance(doc, Mapping):
        raise BadInputError(
            "not a facts document: expected a JSON object from `dlrec probe --json`, or a "
            "`python -m torch.utils.collect_env` report",
            where=where,
        )
    if doc.get("schema_version") != SCHEMA_VERSION or isinstance(doc.get("schema_version"), bool):
        found = doc.get("schema_version", "missing")
        raise BadInputError(
            f"key schema_version: {found!r} (allowed: {SCHEMA_VERSION}); not a facts document "
            "from `dlrec probe --json`",
            where=where,
        )
    unknown = [k for k in doc if k not in SECTIONS and k not in EXTRA_KEYS]
    if unknown:
        raise BadInputError(
            f"key {unknown[0]}: not a facts section (allowed: {', '.join(SECTIONS)}, "
            f"{', '.join(EXTRA_KEYS)})",
            where=where,
        )
    if not any(k in doc for k in SECTIONS):
        raise BadInputError(
            f"no facts section (expected at least one of {', '.join(SECTIONS)})", where=where
        )


def read_document(path: str) -> tuple[dict[str, Any], str]:
    """(the checked facts document in ``path`` as a plain dict, the file's text)."""
    try:
        text = read_text(path)
        return facts_document(text, str(path)), text
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None


def facts_from_document(doc: Mapping[str, Any], path: str, text: str | None = None) -> Facts:
    """``doc`` validated against FACT_SCHEMA and frozen (one line naming file:line and key)."""
    try:
        return Facts.from_dict(doc, origin=str(path))
    except FactsError as exc:
        raise facts_error(exc, str(path), text) from None


def check_facts_document(doc: Mapping[str, Any], path: str, text: str | None = None) -> None:
    """``doc`` checked as ``facts_from_document`` checks it, without freezing a copy."""
    try:
        validate(doc, loaded=True)
    except FactsError as exc:
        raise facts_error(exc, str(path), text) from None


def load_facts_file(path: str) -> Facts:
    """A facts document read from ``path`` (BadInputError when it is bad)."""
    doc, text = read_document(path)
    return facts_from_document(doc, path, text)


def load_facts(path: str | None) -> Facts:
    """Probe this machine, or read a ``dlrec probe --json`` document (exit 2 when it is bad)."""
    if isinstance(path, tuple):
        raise BadInputError(
            "several facts files (a fleet) work with `dlrec recommend` only", where="--facts"
        )
    if path is None:
        from recommender.facts.collect import collect_facts

        return collect_facts()
    return load_facts_file(path)


def facts_error(exc: FactsError, name: str, text: str | None = None) -> BadInputError:
    """A FactsError as one line: ``file:line: key PATH: what is wrong (what is allowed)``; the
    line is looked up in ``text`` (not for an imported report: its lines are not the keys')."""
    document = text is not None and not _report(text)
    line = locate(text, exc.key) if text is not None and document else None
    message = f"key {exc.key}: {str(exc).split(': ', 1)[-1]}"
    return BadInputError(message, where=f"{name}:{line}" if line else name)
