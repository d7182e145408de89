"""`dlrec diff A.json B.json`: what differs between two machines, in plain words."""

from __future__ import annotations

import click

from recommender.cli.choices import file_path


def _load(path: str):
    """The document at ``path`` (a facts or a recommend --json document); exit 2 when it is bad."""
    from pathlib import Path

    from recommender.core.documents import DocumentError, parse_json, parse_yaml, read_text
    from recommender.core.errors import BadInputError
    from recommender.facts.diff import split
    from recommender.facts.document import Facts, FactsError
    from recommender.facts.load import facts_error

    text = None
    try:
        text = read_text(path)
        parse = parse_json if Path(path).suffix.lower() == ".json" else parse_yaml
        doc = parse(text, path)
        if not isinstance(doc, dict):
            raise BadInputError(
                "expected a JSON object (dlrec probe --json or dlrec recommend --json)", where=path
            )
        Facts.from_dict(split(doc)[0], origin=path)  # the facts must be a valid facts document
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    except FactsError as exc:
        key = exc.key if "facts" not in doc else f"facts.{exc.key}"
        raise facts_error(FactsError(key, str(exc).split(": ", 1)[-1]), path, text) from None
    return doc


@click.command()
@click.argument("a", metavar="A.json", type=file_path())
@click.argument("b", metavar="B.json", type=file_path())
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
def diff(a: str, b: str, as_json: bool) -> None:
    """What differs between two machines' facts (and smoke results, when present).

    Each file is a `dlrec probe --json` document (optionally with `smoke` and `distributed`
    lists of results), or a `dlrec recommend --json` document (its `facts` and `smoke` are
    read). Then how the two machines' install plans differ per framework ("torch: ... (cu126)
    here, ... (cu130) there": here is A). Exit status 0 whether or not they differ; 2 for a bad
    file.
    """
    from recommender.decide.install.diff import plan_differences
    from recommender.facts.diff import diff_documents, diff_lines, diff_to_json
    from recommender.rulebase.wheels.load import load_wheels

    doc_a, doc_b = _load(a), _load(b)
    diffs = diff_documents(doc_a, doc_b)
    plans = plan_differences(doc_a, doc_b, matrix=load_wheels())
    if as_json:
        from recommender.report.output import emit_json

        emit_json({**diff_to_json(a, b, diffs), "plans": [p.to_dict() for p in plans]})
        return
    for line in diff_lines(a, b, diffs):
        click.echo(line)
    if plans:
        click.echo("Install plans (here: A, there: B):")
    for plan in plans:
        click.echo(f"  {plan.line()}")
