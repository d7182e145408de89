"""What the diagnosis tests ask of one paste, written once: run it, and read its findings back.

Every round of issue 21 tests causes on text written in the test; these helpers are the small
questions those tests ask (the failing categories, the signature ids, one category's status, one
fact's value). A paste in which the reader finds nothing it knows answers with nothing, never
with an exception, so a test can assert that a healthy text stays quiet.
"""

from __future__ import annotations

from recommender.facts.reports.paste import NothingFound
from recommender.pipeline import diagnose
from recommender.rulebase.reference import load_reference

#: The bundled rule base and tables, loaded once for the test session (the run these helpers
#: belong to) and passed to every diagnosis, as ``dlrec diagnose`` loads them once for its run.
REFERENCE = load_reference()


def diagnosed(text: str, origin: str = "paste.txt", repository: str | None = None):
    """``pipeline.diagnose`` of ``text`` as the file ``origin``, with the session's reference."""
    return diagnose(text, origin, repository=repository, reference=REFERENCE)


def run(text: str, repository: str | None = None):
    """The diagnosis of ``text`` as a pasted file; raises NothingFound where nothing is read."""
    return diagnose(text, "paste.txt", repository=repository, reference=REFERENCE)


def read(text: str, repository: str | None = None):
    """The diagnosis of ``text``, or None where the reader finds nothing it knows."""
    try:
        return run(text, repository)
    except NothingFound:
        return None


def fails(text: str, repository: str | None = None) -> set[str]:
    """Every category a failing finding names (its own and its ``also``); none where nothing is read."""
    result = read(text, repository)
    return failing_categories(result) if result is not None else set()


def failing_categories(result) -> set[str]:
    """The categories a result's failing findings name, their ``also`` included."""
    return {c for f in result.findings if f.status == "fail" for c in (f.category, *f.also)}


def categories(text: str, repository: str | None = None) -> set[str]:
    """The categories of every finding (fail or warn); none where nothing is read."""
    result = read(text, repository)
    return set(result.categories) if result is not None else set()


def signature_ids(text: str, repository: str | None = None) -> set[str]:
    """The ids of the findings, without the ``signature:`` prefix; none where nothing is read."""
    result = read(text, repository)
    return finding_ids(result) if result is not None else set()


def finding_ids(result) -> set[str]:
    """A result's finding ids, without the ``signature:`` prefix."""
    return {f.id.removeprefix("signature:") for f in result.findings}


def status(result, category: str) -> str | None:
    """``fail`` where any finding of ``category`` fails, else the first one's status, else None."""
    found = [f.status for f in result.findings if f.category == category]
    if "fail" in found:
        return "fail"
    return found[0] if found else None


def fact(result, path: str):
    """The value of the fact at ``path`` that the paste states, or None."""
    return next((f.value for f in result.facts if f.path == path), None)


def statuses(result, category: str) -> set[str]:
    """The statuses of every finding that names ``category``, as its own or in its ``also``."""
    return {f.status for f in result.findings if category in (f.category, *f.also)}


def block_facts(blocks) -> dict:
    """Fact path -> value over the blocks a reader returned."""
    return {f.path: f.value for b in blocks for f in b.facts}


def failing_with_also(text: str) -> dict[str, tuple[str, ...]]:
    """Each failing category -> the other categories its finding names (raises where nothing is read)."""
    return {f.category: f.also for f in run(text).findings if f.status == "fail"}
