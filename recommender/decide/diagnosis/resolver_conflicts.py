"""Version pairs an installer states itself:

* a resolver's refusal (facts/reports/resolver.py): pip or uv names two requirements on one
  package that no release meets at once (``The user requested torch==2.2.1+cu118`` /
  ``torchvision 0.16.1+cu118 depends on torch==2.1.1+cu118``); nothing was installed, and the pair
  is the cause (a fail). Requirements that overlap (both ``torch==2.1.1``) are not a pair: the
  resolver refused for another reason (no build of that version here), left to other checks;
* pip's check after an install (``torchvision 0.6.1 has requirement torch==1.5.1, but you'll have
  torch 1.5.0 which is incompatible``, pip_output.py): a package pins a framework release exactly,
  which is the release its compiled code was built against, and another one is installed. pip
  calls every unmet pin a conflict, and some pins are looser in practice than stated (TensorFlow
  2.15 runs with Keras 3), so this is a warning, and only for a framework pinned to one release.

Where the pair is torch with torchvision or torchaudio, the fix names the companion line that
ships with the requested torch (the checklist's ``paired``, from pytorch/vision's table)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.core.catalog import Diagnosis as Category
from recommender.core.catalog import Framework
from recommender.decide.checklist.checks.report import paired
from recommender.decide.diagnosis._paste import FindingKind, fact_version
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Fact, Paste
from recommender.facts.reports.resolver import Need

_KIND = FindingKind("resolver", Category.VERSION_MISMATCH.value)
SOURCES = {
    "pip": "https://github.com/pypa/pip/blob/main/src/pip/_internal/resolution/resolvelib/factory.py",
    "uv": "https://github.com/astral-sh/uv/blob/main/crates/uv-resolver/src/pubgrub/report.rs",
}
#: Frameworks whose releases their companions' compiled code is built against.
FRAMEWORKS = {
    "torch": "frameworks.pytorch.version",
    "tensorflow": "frameworks.tensorflow.version",
    "jax": "frameworks.jax.version",
    "jaxlib": "package.jaxlib",
}
_COMPANIONS = ("torchvision", "torchaudio")


def _pins(spec: str) -> list[Version]:
    """The releases a specifier names exactly (``==2.1.1+cu118``; not ``==2.1.*``)."""
    out: list[Version] = []
    for part in spec.split(","):
        part = part.strip()
        if part.startswith("==") and not part.startswith("===") and not part.endswith("*"):
            try:
                out.append(Version(part[2:]))
            except InvalidVersion:
                continue
    return out


def _excludes(pinned: str, other: str) -> bool:
    """A release ``pinned`` names exactly is outside ``other``: no release meets both."""
    try:
        spec = SpecifierSet(other)
    except InvalidSpecifier:
        return False
    return any(not spec.contains(v, prereleases=True) for v in _pins(pinned))


def _pair(needs: Sequence[Fact]) -> tuple[Fact, Fact] | None:
    """The first two requirements on one package that exclude each other; the user's own request
    (or the package asked for first) comes first."""
    for a, b in combinations(needs, 2):
        na, nb = a.value, b.value
        if na.name == nb.name and (_excludes(na.spec, nb.spec) or _excludes(nb.spec, na.spec)):
            return (b, a) if nb.by == "" and na.by != "" else (a, b)
    return None


def _companion_fix(asked: Need, other: Need) -> str | None:
    """torch pinned by the request, a torchvision/torchaudio built for another: the companion line
    that ships with the requested torch."""
    pins = _pins(asked.spec)
    if asked.name != Framework.PYTORCH.info.pip or other.by not in _COMPANIONS or not pins:
        return None
    torch = pins[0]
    line = paired((torch.major, torch.minor), other.by)
    label = f"+{torch.local}" if torch.local else ""
    return (
        f"torch {torch.public} ships with {other.by} {line[0]}.{line[1]}: pin that line with it "
        f'(pip install "torch=={torch.public}{label}" "{other.by}=={line[0]}.{line[1]}.*" from one index), '
        f"or keep {other.by} {other.by_version} and the torch it depends on ({other.name}{other.spec})"
    )


def refused_pairs(paste: Paste) -> list[Finding]:
    """A resolver's conflict that names two requirements no release meets at once."""
    needs = [
        f
        for p, f in paste.facts.items()
        if p.startswith("resolver.needs.") and isinstance(f.value, Need)
    ]
    pair = _pair(needs)
    if pair is None:
        return []
    first, second = pair
    asked, other = first.value, second.value
    tool = asked.tool
    fix = _companion_fix(asked, other) or _companion_fix(other, asked)
    return [
        _KIND.finding(
            paste,
            f"refused-{asked.name}",
            "fail",
            f"{tool}'s resolver refused the versions asked for: two requirements on {asked.name} "
            "exclude each other",
            f"{asked.who} needs {asked.name}{asked.spec}; {other.who} needs {other.name}{other.spec}; "
            f"no {asked.name} release meets both, so {tool} installed nothing",
            fix
            or (
                f"Ask for versions that go together: a release of {other.by or asked.by} made for "
                f"{asked.name}{asked.spec} (name the package without a version and let {tool} choose "
                f"it next to {asked.name}{asked.spec}), or {other.name}{other.spec}"
            ),
            [first, second],
            SOURCES.get(tool, SOURCES["pip"]),
        )
    ]


def pinned_framework(paste: Paste) -> list[Finding]:
    """pip's after-install check: a package pins a framework release exactly and another one is
    installed (warning: pip calls every unmet pin a conflict)."""
    out: list[Finding] = []
    for path, fact in paste.facts.items():
        need = fact.value
        if not path.startswith("pip.requires.") or not isinstance(need, Need):
            continue
        installed = fact_version(paste.facts.get(FRAMEWORKS.get(need.name, "")))
        pins = _pins(need.spec)
        if installed is None or len(pins) != 1 or pins[0].public == installed.public:
            continue
        out.append(
            _KIND.finding(
                paste,
                f"pin-{need.by}-{need.name}",
                "warn",
                f"{need.by} pins another {need.name} release than the installed one",
                f"pip reports that {need.by} {need.by_version} requires {need.name}{need.spec} (its own "
                f"metadata: the {need.name} release it was built for); {need.name} {installed} is "
                "installed. pip's check compares the pin only: whether the pair runs is not "
                "tested here",
                f'Install {need.by} and {need.name} together so pip picks a matching pair: pip install "{need.by}" '
                f'"{need.name}=={installed.public}" (or {need.name}{need.spec} with this {need.by})',
                [fact],
                SOURCES["pip"],
            )
        )
    return out


def resolver_findings(paste: Paste) -> list[Finding]:
    return [*refused_pairs(paste), *pinned_framework(paste)]
