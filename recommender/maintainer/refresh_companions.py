"""Regenerate ``rules/companions.yaml``: which release of a framework each release of a companion
package was built for, read from the companion's own metadata with pip.

``python -m recommender.maintainer.refresh_companions [--out FILE] [--workers N]`` asks pip, so it
works behind whatever index or mirror pip is configured for:

* ``pip index versions NAME``: the package's releases (final ones, from the table's floor up);
* ``pip install --dry-run --report - --no-deps --ignore-installed --only-binary=:all:
  --python-version V --platform P... --target DIR NAME==X`` per release: its Requires-Dist, of
  which the requirements on the watched framework packages become the row (``torch==2.5.1``).
  Python versions are tried newest first until one has a wheel (old releases have no wheel for
  a new Python).

A release pip cannot resolve (no wheel for these platforms, a timeout) is left out, never
guessed; a release that requires nothing of the framework is left out too (nothing to judge).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from recommender.core.atomic import write_atomic
from recommender.maintainer.refresh_wheels import Runner, bounded_runner
from recommender.rulebase.companions import load as load_table

__all__ = ["WATCH", "pins_of", "refresh", "releases", "render", "requires_dist"]

#: companion -> (the framework packages whose pins are kept, the oldest release asked about).
WATCH: Mapping[str, tuple[tuple[str, ...], str]] = MappingProxyType(
    {
        "torchvision": (("torch",), "0.8.0"),
        "torchaudio": (("torch",), "0.7.0"),
        "torchtext": (("torch",), "0.8.0"),
        "torchdata": (("torch",), "0.3.0"),
        "xformers": (("torch",), "0.0.20"),
        "torch-tensorrt": (("torch",), "1.0.0"),
        "torch-xla": (("torch",), "1.13"),
        "vllm": (("torch",), "0.2.0"),
        "sglang": (("torch", "flashinfer-python", "vllm", "xformers"), "0.3.0"),
        "tf-keras": (("tensorflow",), "2.14.0"),
        "tensorflow-text": (("tensorflow", "tensorflow-macos"), "2.4.0"),
        "tensorflow-decision-forests": (("tensorflow",), "0.2.0"),
        "tensorflow-io": (("tensorflow",), "0.17.0"),
        "tensorflow": (("keras", "tensorboard"), "2.6.0"),
        "jax": (("jaxlib",), "0.4.1"),
        "jax-cuda12-plugin": (("jax-cuda12-pjrt", "jaxlib"), "0.4.26"),
    }
)
#: Extras whose requirements are the package's runtime (sglang's server, ``sglang[srt]``, held
#: its torch and flashinfer pins before they moved to its plain requirements).
EXTRAS: Mapping[str, tuple[str, ...]] = MappingProxyType({"sglang": ("srt",)})
PYTHONS = ("3.12", "3.10", "3.8", "3.6")
PLATFORMS = (
    "manylinux_2_39_x86_64",
    "manylinux_2_35_x86_64",
    "manylinux_2_34_x86_64",
    "manylinux_2_31_x86_64",
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
    "linux_x86_64",
    "any",
)
COMMAND = (
    "pip install --dry-run --report - --no-deps --ignore-installed --only-binary=:all: "
    "--python-version V --platform P --target DIR NAME==X"
)


def releases(python: str, runner: Runner, name: str, floor: str) -> list[str]:
    """``pip index versions NAME``: its final releases from ``floor`` up, oldest first."""
    done = runner((python, "-m", "pip", "index", "versions", "--ignore-requires-python", name))
    for line in done.stdout.splitlines():
        if line.startswith("Available versions:"):
            out = []
            for text in line.partition(":")[2].split(","):
                try:
                    version = Version(text.strip())
                except InvalidVersion:
                    continue
                if not version.is_prerelease and version >= Version(floor):
                    out.append(str(version))
            return sorted(out, key=Version)
    return []


def requires_dist(python: str, runner: Runner, name: str, version: str) -> list[str] | None:
    """The release's Requires-Dist as pip reports it, or None where no wheel resolves."""
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    for py in PYTHONS:
        argv = (
            python,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--report",
            "-",
            "--no-deps",
            "--ignore-installed",
            "--only-binary=:all:",
            "--python-version",
            py,
            *platforms,
            "--target",
            "/tmp/dlrec-companions",
            f"{name}=={version}",
        )
        done = runner(argv)
        if done.returncode != 0 or not done.stdout.strip():
            continue
        try:
            report = json.loads(done.stdout)
            meta = report["install"][0]["metadata"]
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        return [str(r) for r in meta.get("requires_dist") or ()]
    return None


def pins_of(
    requires: Sequence[str], watched: Sequence[str], extras: Sequence[str] = ()
) -> dict[str, str]:
    """The specifiers the release puts on the watched packages: unconditional requirements, and
    those under an extra named after the framework (``tensorflow-io[tensorflow]``) or in
    ``extras``."""
    out: dict[str, str] = {}
    for text in requires:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        name = canonicalize_name(req.name)
        if name not in watched or not str(req.specifier):
            continue
        if req.marker is not None:
            try:
                extra_only = any(req.marker.evaluate({"extra": e}) for e in (name, *extras))
                plain = req.marker.evaluate({"extra": ""})
            except InvalidMarker:
                continue
            if not (plain or extra_only):
                continue
        out.setdefault(name, str(req.specifier))
    return out


def refresh(
    python: str,
    runner: Runner,
    workers: int = 4,
    log: Callable[[str], None] = print,
    only: Sequence[str] = (),
) -> dict[str, dict[str, dict[str, str]]]:
    """package -> release -> {framework package: specifier}, for every package in WATCH (or
    those in ``only``)."""
    table: dict[str, dict[str, dict[str, str]]] = {}
    jobs: list[tuple[str, str]] = []
    for name, (_, floor) in WATCH.items():
        if only and name not in only:
            continue
        found = releases(python, runner, name, floor)
        log(f"{name}: {len(found)} releases")
        jobs.extend((name, v) for v in found)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        answers = pool.map(lambda job: requires_dist(python, runner, *job), jobs)
        for (name, version), requires in zip(jobs, answers, strict=True):
            if requires is None:
                log(f"{name} {version}: no wheel resolved, left out")
                continue
            pins = pins_of(requires, WATCH[name][0], EXTRAS.get(name, ()))
            if pins:
                table.setdefault(name, {})[version] = pins
    return table


def _quote(text: str) -> str:
    return json.dumps(text)


def render(table: Mapping[str, Mapping[str, Mapping[str, str]]], today: str) -> str:
    lines = [
        "# Companion packages and the framework release each of their releases was built for, as",
        "# the companion's own metadata pins it (Requires-Dist). GENERATED: do not edit by hand; run",
        "#   python -m recommender.maintainer.refresh_companions --out rules/companions.yaml",
        f"# which asks pip, per release: {COMMAND}",
        "# Read by recommender/decide/diagnosis/companions.py: a paste that lists a companion release",
        "# and a framework release outside the release's pin is a version mismatch.",
        "schema: 1",
        f"verified: {today}",
        f"command: {_quote(COMMAND)}",
        "packages:",
    ]
    for name in sorted(table):
        rows = table[name]
        lines.append(f"  {name}:")
        lines.append(f"    source: https://pypi.org/project/{name}/#history")
        lines.append("    pins:")
        for version in sorted(rows, key=Version):
            inner = ", ".join(f"{k}: {_quote(v)}" for k, v in sorted(rows[version].items()))
            lines.append(f"      {_quote(version)}: {{{inner}}}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parents[2] / "rules" / "companions.yaml")
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--today", default=None)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="refresh only this package (repeatable); the others keep their rows from --out",
    )
    args = parser.parse_args(argv)
    import datetime as _dt

    today = args.today or _dt.date.today().isoformat()
    table = refresh(
        sys.executable,
        bounded_runner(timeout=120.0),
        args.workers,
        lambda s: print(s, file=sys.stderr),
        tuple(args.only),
    )
    if args.only:
        kept, _ = load_table(Path(args.out))
        table = {
            **{n: {v: dict(r) for v, r in rows.items()} for n, rows in kept.items()},
            **table,
        }
    write_atomic(args.out, render(table, today))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
