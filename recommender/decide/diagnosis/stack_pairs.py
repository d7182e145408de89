"""Python libraries of one stack whose releases require each other's, judged from the versions a
paste lists side by side (pip list / freeze, conda list, ``transformers env``, ``trl env``).

The Hugging Face training stack is released apart: TRL subclasses transformers' Trainer, so a TRL
release is written for a span of transformers releases, and a transformers release calls
accelerate's API of a span of accelerate releases. What each release declares (its Requires-Dist,
read with ``pip install --dry-run --report``) is a floor; where a later patch release adds a
ceiling because the maintainers found the pair broken (TRL 0.12.2 pins ``transformers<4.47.0``:
"trl 0.12 is not compatible with transformers 4.47", huggingface/trl#2446), that ceiling holds for
the whole line (0.12.0 and 0.12.1 declare no ceiling but break the same way). Each row below cites
the metadata or thread it comes from. A pair outside a row is a failure where both versions come
from tool output, a warning where one is only named in a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, stated_in_prose
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Fact, Paste

_KIND = FindingKind("library-pair", Category.VERSION_MISMATCH.value)
_PYPI = "https://pypi.org/project/{name}/{release}/"


@dataclass(frozen=True, slots=True, kw_only=True)
class Needs:
    """``package`` releases in ``releases`` work only with ``other`` releases in ``needs``."""

    package: str
    releases: str
    other: str
    needs: str
    why: str
    source: str
    verified: str
    #: "warn" where only a part of the package needs the other (an extra's requirement: the
    #: Trainer of transformers[torch]), "fail" where the package as a whole does
    status: str = "fail"


#: The rows: declared floors (Requires-Dist of the release, pip --dry-run --report) and the
#: ceilings a later release of the same line declares for the line.
NEEDS: tuple[Needs, ...] = (
    Needs(
        package="trl",
        releases=">=0.12.0,<0.13",
        other="transformers",
        needs=">=4.46.0,<4.47",
        why="TRL 0.12 requires transformers 4.46 (Requires-Dist transformers>=4.46.0) and breaks "
        "under 4.47, whose Trainer calls log(logs, start_time): TRL 0.12.2 pins transformers<4.47 "
        "for that",
        source="https://github.com/huggingface/trl/pull/2446",
        verified="2026-12-07",
    ),
    Needs(
        package="trl",
        releases=">=0.12.0,<0.14",
        other="accelerate",
        needs=">=0.34.0",
        why="TRL 0.12 and 0.13 require accelerate 0.34 or newer (Requires-Dist accelerate>=0.34.0)",
        source="https://pypi.org/project/trl/0.13.0/",
        verified="2026-12-07",
    ),
    Needs(
        package="trl",
        releases=">=0.13.0,<0.14",
        other="transformers",
        needs=">=4.46.0",
        why="TRL 0.13 requires transformers 4.46 or newer (Requires-Dist transformers>=4.46.0)",
        source="https://pypi.org/project/trl/0.13.0/",
        verified="2026-12-07",
    ),
    Needs(
        package="trl",
        releases=">=0.11.0,<0.12",
        other="transformers",
        needs=">=4.40.0",
        why="TRL 0.11 requires transformers 4.40 or newer (Requires-Dist transformers>=4.40.0)",
        source="https://pypi.org/project/trl/0.11.4/",
        verified="2026-12-07",
    ),
    Needs(
        package="peft",
        releases=">=0.13.0,<0.15",
        other="accelerate",
        needs=">=0.21.0",
        why="PEFT 0.13 and 0.14 require accelerate 0.21 or newer (Requires-Dist accelerate>=0.21.0)",
        source="https://pypi.org/project/peft/0.14.0/",
        verified="2026-12-07",
    ),
    # transformers' torch extra (what its Trainer needs: TrainingArguments raises "Using the
    # `Trainer` with `PyTorch` requires `accelerate>=X`" below it), read from 4.36.0, 4.40.0,
    # 4.44.0 (accelerate>=0.21.0) and 4.46.0, 4.48.0, 4.52.0 (accelerate>=0.26.0)
    Needs(
        package="transformers",
        releases=">=4.36.0,<4.46",
        other="accelerate",
        needs=">=0.21.0",
        why="transformers' Trainer needs accelerate 0.21 or newer (its torch extra: "
        "accelerate>=0.21.0); other uses of transformers do not",
        source="https://pypi.org/project/transformers/4.44.0/",
        verified="2026-12-07",
        status="warn",
    ),
    Needs(
        package="transformers",
        releases=">=4.46.0,<4.53",
        other="accelerate",
        needs=">=0.26.0",
        why="transformers' Trainer needs accelerate 0.26 or newer (its torch extra: "
        "accelerate>=0.26.0); other uses of transformers do not",
        source="https://pypi.org/project/transformers/4.52.0/",
        verified="2026-12-07",
        status="warn",
    ),
    # NumPy 2 under modules compiled for NumPy 1.x ("A module that was compiled using NumPy 1.x
    # cannot be run in NumPy 2"): TensorFlow's Requires-Dist (read from 2.16.1, 2.17.0: numpy<2.0.0;
    # 2.18.0: numpy<2.1.0; 2.19.0: numpy<2.2.0; 2.20.0 none) and torch before 2.3, whose
    # numpy interop (.numpy(), from_numpy) works only under NumPy 1.x (pytorch/pytorch#107302;
    # 2.3 added NumPy 2 support, pytorch/vision#8460)
    *(
        Needs(
            package="tensorflow",
            releases=releases,
            other="numpy",
            needs=needs,
            why=f"TensorFlow {line} is compiled for NumPy {below} (its Requires-Dist: "
            f"numpy{needs}); a module compiled for an older NumPy C API cannot run under a newer "
            "NumPy 2",
            source=f"https://pypi.org/project/tensorflow/{read}/",
            verified="2026-12-07",
        )
        for releases, needs, line, below, read in (
            (">=2.16,<2.18", "<2.0.0", "2.16-2.17", "1.x", "2.17.0"),
            (">=2.18,<2.19", "<2.1.0", "2.18", "2.0", "2.18.0"),
            (">=2.19,<2.20", "<2.2.0", "2.19", "2.0-2.1", "2.19.0"),
        )
    ),
    Needs(
        package="torch",
        releases="<2.3",
        other="numpy",
        needs="<2",
        why="torch before 2.3 is compiled for NumPy 1.x: under NumPy 2 its NumPy interop "
        '(tensor.numpy(), torch.from_numpy) fails ("_ARRAY_API not found")',
        source="https://github.com/pytorch/pytorch/issues/107302",
        verified="2026-12-07",
        status="warn",
    ),
    *(
        Needs(
            package="tensorflow-probability",
            releases=f">={tfp},<{tfp[:2]}{int(tfp[2:]) + 1}",
            other="tensorflow",
            needs=f">={tf}",
            why=f"TensorFlow Probability {tfp} is tested and stable against TensorFlow {tf} (its "
            "release notes), and checks at import that TensorFlow is not older than the release it "
            "requires",
            source=f"https://github.com/tensorflow/probability/releases/tag/v{tag}",
            verified="2026-12-07",
            status="warn",
        )
        for tfp, tf, tag in (
            ("0.25", "2.18", "0.25.0"),
            ("0.24", "2.16", "0.24.0"),
            ("0.23", "2.15", "0.23.0"),
            ("0.21", "2.13", "0.21.0"),
            ("0.18", "2.10", "0.18.0"),
            ("0.14", "2.6", "0.14.1"),
        )
    ),
)


def _release(fact: Fact | None) -> Version | None:
    """The release a fact states, without its pre/dev/local parts (``4.46.0.dev0`` -> 4.46.0: a
    source build of a line is judged as that line)."""
    if fact is None:
        return None
    try:
        return Version(Version(str(fact.value).strip()).base_version)
    except InvalidVersion:
        return None


#: The frameworks a row may name, by pip name: their version is the framework's own fact where
#: a report (collect_env, an env dump, a session) states it rather than a listing.
_FRAMEWORKS = {"torch": "pytorch", "tensorflow": "tensorflow", "jax": "jax"}


def _fact(paste: Paste, name: str) -> Fact | None:
    listed = paste.facts.get(f"package.{name}")
    framework = _FRAMEWORKS.get(name)
    if listed is not None or framework is None:
        return listed
    return paste.facts.get(f"frameworks.{framework}.version")


def _finding(paste: Paste, row: Needs, mine: Fact, theirs: Fact) -> Finding:
    told = stated_in_prose(paste, mine) or stated_in_prose(paste, theirs)
    return _KIND.finding(
        paste,
        f"{row.package}-{row.other}",
        "warn" if told else row.status,
        title=f"{row.package} and {row.other} are releases that do not work together",
        detail=f"{row.package} {mine.value} next to {row.other} {theirs.value}: {row.why}"
        + (" (one of them only named in a sentence)" if told else ""),
        fix=f"Install {row.other} of a release this {row.package} works with (pip install "
        f'"{row.other}{row.needs}"), or the {row.package} release made for {row.other} '
        f"{theirs.value}",
        proof=[mine, theirs],
        source=row.source,
    )


def stack_pair_findings(paste: Paste) -> list[Finding]:
    """Each pair of listed releases that a row says do not work together (one finding per
    pair of packages: the first row that judges it)."""
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for row in NEEDS:
        mine, theirs = _fact(paste, row.package), _fact(paste, row.other)
        have, other = _release(mine), _release(theirs)
        if mine is None or theirs is None or have is None or other is None:
            continue
        if (row.package, row.other) in seen or have not in SpecifierSet(row.releases):
            continue
        seen.add((row.package, row.other))
        if other not in SpecifierSet(row.needs):
            out.append(_finding(paste, row, mine, theirs))
    return out
