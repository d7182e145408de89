"""PyG's extension packages (torch-scatter, torch-sparse) next to a torch older than every torch
their release was built for. Their releases pin no torch in their metadata (PyPI holds only their
sources; the wheels live on data.pyg.org, one page per torch release), so the pair is judged from
compat.yaml's ``pyg_wheels_torch``: the torch lines each release's own README names binaries for.
PyG builds a new release for the two newest torch lines and adds builds for newer torch later,
never for older ones: a release listed next to an older torch had no wheel for it, so it was
built from source against another torch or taken from another torch's page (the import fails
with an undefined symbol). A warning: a source build against this torch would work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packaging.version import InvalidVersion, Version

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_version
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

_KIND = FindingKind("pyg-wheels", Category.VERSION_MISMATCH.value)
TABLE = "pyg_wheels_torch"
URL = "https://github.com/pyg-team/pytorch_geometric/issues/5015"


def _line(text: str) -> tuple[int, int] | None:
    try:
        v = Version(text)
    except InvalidVersion:
        return None
    return v.major, v.minor


def _lines(rows: Mapping[str, Any], release: Version) -> list[tuple[int, int]]:
    """The torch lines the table names for ``release`` (its public version); none if unlisted."""
    for key, lines in rows.items():
        try:
            if Version(str(key)) == Version(release.public):
                return [x for x in (_line(str(v)) for v in lines or ()) if x is not None]
        except InvalidVersion:
            continue
    return []


def older_torch(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """A PyG extension release listed next to a torch older than every torch it was built for."""
    torch = paste.facts.get("frameworks.pytorch.version")
    have = fact_version(torch)
    if torch is None or have is None:
        return []
    line = (have.major, have.minor)
    out: list[Finding] = []
    for package, rows in (tables.get(TABLE) or {}).items():
        fact = paste.facts.get(f"package.{package}")
        release = fact_version(fact)
        if fact is None or release is None or release.local is not None:
            continue  # a build named for its torch (+pt112cu113) is companions.py's to judge
        built = _lines(rows, release)
        if not built or line >= min(built):
            continue
        names = " and ".join(f"{a}.{b}" for a, b in sorted(built))
        label = (
            str(have.local) if have.local and str(have.local).startswith(("cu", "cpu")) else None
        )
        out.append(
            _KIND.finding(
                paste,
                package,
                "warn",
                f"{package} {fact.value} was never built for torch {line[0]}.{line[1]}",
                f"{package} {fact.value}: its release names wheels for torch {names} only (PyG builds a "
                f"release for the newest torch lines, never for older ones); torch {torch.value} is "
                "installed, so this build came from another torch's wheel page or a source build "
                "against another torch (inferred from the versions: the import error, an undefined "
                "symbol, is the usual sign)",
                f"Install the {package} release built for torch {line[0]}.{line[1]} from its wheel page: "
                f"pip install {package} -f https://data.pyg.org/whl/torch-{line[0]}.{line[1]}.0+"
                + (
                    f"{label}.html"
                    if label
                    else "${CUDA}.html (CUDA as torch's, e.g. cu118, or cpu)"
                )
                + ", or upgrade torch to "
                f"{min(built)[0]}.{min(built)[1]} or newer",
                [fact, torch],
                URL,
            )
        )
    return out
