"""Score `dlrec diagnose` against the public corpus of pasted reports (benchmarks/reports/).

Each case is `cases/<id>.txt` (the paste) and `cases/<id>.yaml` (its thread's `diagnosis` and the
finding categories a reader must report, `expected`). The repository a case was filed in is passed as the action passes it (`--repository`).
A case agrees when every expected category
is among the categories of dlrec's findings (fail or warn), and a `healthy` case gets no fail.
Agreement alone does not punish claiming more than the thread found, so each half also counts the
cases with a *fail* in a category the thread did not reach (`--extra` lists them). A fail is one
cause under every name it carries (its category and its `also`: a gfx target without kernels is
both `rocm-issue` and `arch-unsupported`); a fail that names the thread's category among them is
the thread's cause named first another way, counted apart ("by first name") and not as an extra.
The corpus splits by the parity of sha256(source.url): even = development, odd = held-out.
Tune on the development half only; score the held-out half at the end.

    python benchmarks/score_reports.py --half dev            # the development half, with misses
    python benchmarks/score_reports.py --list dev            # the development case ids
    python benchmarks/score_reports.py                       # both halves' agreement
    python benchmarks/score_reports.py --since 166 --misses  # the cases added from 166 on, alone
    python benchmarks/score_reports.py --extra               # the fails the threads did not reach
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from recommender.rulebase.reference import Reference

ROOT = Path(__file__).resolve().parent / "reports" / "cases"


def half_of(url: str) -> str:
    return (
        "dev" if int(hashlib.sha256(url.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "held-out"
    )


def cases(
    half: str | None = None, since: int = 0, until: int | None = None
) -> list[tuple[str, dict]]:
    out = []
    for meta in sorted(ROOT.glob("*.yaml")):
        if int(meta.stem) < since or (until is not None and int(meta.stem) > until):
            continue
        doc = yaml.safe_load(meta.read_text(encoding="utf-8"))
        if half is None or half_of(str(doc["source"]["url"])) == half:
            out.append((meta.stem, doc))
    return out


def judge(
    case_id: str, doc: dict, reference: Reference | None = None
) -> tuple[bool, list[str], str]:
    """(agrees, dlrec's categories, a note) for one case."""
    ok, cats, note, _ = _judge(case_id, doc, reference)
    return ok, cats, note


def _judge(
    case_id: str, doc: dict, reference: Reference | None = None
) -> tuple[bool, list[str], str, list[str]]:
    """judge()'s answer and the categories dlrec fails that the thread did not reach."""
    ok, cats, note, extra, _ = _judge_names(case_id, doc, reference)
    return ok, cats, note, extra


def _judge_names(
    case_id: str, doc: dict, reference: Reference | None = None
) -> tuple[bool, list[str], str, list[str], list[str]]:
    """_judge()'s answer, plus the failing categories the thread did not reach by the finding's
    first name although one of its other names is the thread's. ``reference``: the rule base
    and tables loaded once for many cases (``load_reference()``); None loads them for this one."""
    from recommender.core.errors import BadInputError
    from recommender.pipeline import diagnose

    text = (ROOT / f"{case_id}.txt").read_text(encoding="utf-8")
    try:
        # The repository the thread is in, as the GitHub action passes it (a forum page: none).
        repo = str((doc.get("source") or {}).get("repo") or "")
        result = diagnose(
            text, f"{case_id}.txt", repository=repo if "/" in repo else None, reference=reference
        )
    except BadInputError as exc:
        cats, failed, note = [], False, f"unread: {exc.format_message()[:80]}"
        fails: list[tuple[str, ...]] = []
    else:
        cats, failed, note = list(result.categories), result.failed, ""
        fails = [(f.category, *f.also) for f in result.findings if f.status == "fail"]
    expected = {str(c) for c in doc.get("expected") or []}
    extra = sorted({names[0] for names in fails if not expected.intersection(names)})
    renamed = sorted(
        {names[0] for names in fails if names[0] not in expected and expected.intersection(names)}
    )
    if doc.get("diagnosis") == "healthy":
        note = note or ("a fail on a healthy report" if failed else "")
        return not failed, cats, note, extra, renamed
    missing = [c for c in doc.get("expected") or [] if c not in cats]
    return not missing, cats, note or (f"missing {missing}" if missing else ""), extra, renamed


def score(
    half: str, *, verbose: bool, since: int = 0, until: int | None = None, extra: bool = False
) -> tuple[int, int, int, int, int]:
    from recommender.rulebase.reference import load_reference

    agree = total = healthy_fail = over = by_first_name = 0
    reference = load_reference()  # once for the whole half, passed to each case
    for case_id, doc in cases(half, since, until):
        ok, cats, note, beyond, renamed = _judge_names(case_id, doc, reference)
        total += 1
        agree += ok
        over += bool(beyond)
        by_first_name += bool(beyond or renamed)
        if doc.get("diagnosis") == "healthy" and not ok:
            healthy_fail += 1
        if extra and beyond:
            print(f"  {case_id} thread: {doc.get('diagnosis')}; dlrec also fails {beyond}")
        if extra and renamed:
            print(
                f"  {case_id} thread: {doc.get('diagnosis')}; dlrec names that fail {renamed} "
                "first (the thread's category is among its names)"
            )
        if verbose and not ok:
            print(
                f"  {case_id} [{doc.get('format')}] thread: {doc.get('diagnosis')} expected "
                f"{doc.get('expected')}; dlrec: {cats}; {note}"
            )
    return agree, total, healthy_fail, over, by_first_name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--half", choices=("dev", "held-out"), help="score one half, listing its misses"
    )
    parser.add_argument("--list", choices=("dev", "held-out"), help="print the ids of one half")
    parser.add_argument(
        "--since", type=int, default=0, metavar="N", help="only the cases numbered N and up"
    )
    parser.add_argument(
        "--until",
        type=int,
        metavar="N",
        help="only the cases numbered N and below (a held-back set)",
    )
    parser.add_argument("--misses", action="store_true", help="list each half's misses")
    parser.add_argument(
        "--extra", action="store_true", help="list the fails in categories the thread did not reach"
    )
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(case_id for case_id, _ in cases(args.list)))
        return 0
    halves = [args.half] if args.half else ["dev", "held-out"]
    for half in halves:
        verbose = args.half is not None or args.misses
        agree, total, healthy_fail, over, by_first_name = score(
            half, verbose=verbose, since=args.since, until=args.until, extra=args.extra
        )
        pct = 100.0 * agree / total if total else 0.0
        print(
            f"{half}: {agree}/{total} agree ({pct:.1f}%); healthy reports with a fail: "
            f"{healthy_fail}; a fail the thread did not reach: {over} ({by_first_name} by the "
            "finding's first name)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
