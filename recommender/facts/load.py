"""Read a facts document from a file, or refuse it in one line (exit 2)."""

from __future__ import annotations

from recommender.documents import DocumentError, load_document
from recommender.errors import BadInputError
from recommender.facts.document import Facts, FactsError


def load_facts_file(path: str) -> Facts:
    """A ``dlrec probe --json`` document read from ``path`` (BadInputError when it is bad)."""
    try:
        doc = load_document(path)
        return Facts.from_dict(doc, origin=str(path))
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    except FactsError as exc:
        raise BadInputError(
            f"key {exc.key}: {str(exc).split(': ', 1)[-1]}", where=str(path)
        ) from None
