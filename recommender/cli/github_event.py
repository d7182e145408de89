"""The text of a GitHub ``issues`` or ``issue_comment`` event payload (what a workflow's
``$GITHUB_EVENT_PATH`` holds): the comment's body for a comment, else the issue's title and body."""

from __future__ import annotations

from collections.abc import Mapping

from recommender.core.documents import DocumentError, parse_json, read_text
from recommender.core.errors import BadInputError


def event_body(path: str) -> tuple[str, str, str | None]:
    """(text to diagnose, a name for it, the repository's ``owner/name`` or None) from the payload
    in ``path``; exit 2 when it is not one."""
    try:
        doc = parse_json(read_text(path), path)
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    if not isinstance(doc, Mapping):
        raise BadInputError("not a GitHub event payload (expected a JSON object)", where=path)
    comment, issue = doc.get("comment"), doc.get("issue")
    repo = doc.get("repository")
    name = repo.get("full_name") if isinstance(repo, Mapping) else None
    repository = name if isinstance(name, str) else None
    if isinstance(comment, Mapping) and isinstance(comment.get("body"), str):
        number = issue.get("number") if isinstance(issue, Mapping) else None
        return comment["body"], f"comment on issue #{number}" if number else "comment", repository
    if isinstance(issue, Mapping) and isinstance(issue.get("body"), str):
        title = issue.get("title") if isinstance(issue.get("title"), str) else ""
        return f"{title}\n{issue['body']}", f"issue #{issue.get('number', '?')}", repository
    raise BadInputError(
        "key issue.body / comment.body: missing; not an issues or issue_comment event payload",
        where=path,
    )
