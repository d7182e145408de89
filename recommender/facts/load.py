"""Read a facts document from a file, or refuse it in one line (exit 2)."""

from __future__ import annotations

from pathlib import Path

from recommender.documents import DocumentError, locate, parse_json, parse_yaml, read_text
from recommender.errors import BadInputError
from recommender.facts.document import Facts, FactsError


def load_facts_file(path: str) -> Facts:
    """A ``dlrec probe --json`` document read from ``path`` (BadInputError when it is bad)."""
    name = str(path)
    try:
        text = read_text(path)
        doc = (
            parse_json(text, name)
            if Path(name).suffix.lower() == ".json"
            else parse_yaml(text, name)
        )
        return Facts.from_dict(doc, origin=name)
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    except FactsError as exc:
        raise facts_error(exc, name, text) from None


def facts_error(exc: FactsError, name: str, text: str | None = None) -> BadInputError:
    """A FactsError as one line: ``file:line: key PATH: what is wrong (what is allowed)``."""
    line = locate(text, exc.key) if text is not None else None
    message = f"key {exc.key}: {str(exc).split(': ', 1)[-1]}"
    return BadInputError(message, where=f"{name}:{line}" if line else name)
