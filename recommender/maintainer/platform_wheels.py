"""Regenerate ``rules/platform_wheels.yaml``: which releases of a library ship a wheel for each
platform (Windows, macOS on Apple silicon and on Intel, Linux on aarch64 and x86_64), as pip
itself finds them on the index.

``python -m recommender.maintainer.platform_wheels [--out FILE] [--workers N]`` asks pip, so it
works behind whatever index or mirror pip is configured for:

* ``pip index versions NAME``: every final release (wheels and source archives) from the floor up;
* ``pip install --dry-run --no-deps --ignore-installed --only-binary=:all: --python-version V
  --platform P... --target DIR "NAME<0"`` per platform and Python: a requirement no release meets,
  so pip answers with every release it found a wheel for on that platform (``Could not find a
  version that satisfies the requirement NAME<0 (from versions: ...)``). Python versions are
  united (old releases have no wheel for a new Python). ``--platform any`` alone gives the
  releases with a pure-Python wheel, which installs on every platform.

A release missing from a platform's list has no wheel pip can install there: pip builds it from
its source archive (a C++/CUDA build) or finds nothing at all.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from packaging.version import InvalidVersion, Version

from recommender.core.atomic import write_atomic
from recommender.maintainer.refresh_companions import releases
from recommender.maintainer.refresh_wheels import Runner, bounded_runner

__all__ = ["KEYS", "WATCH", "render", "refresh", "wheel_releases"]

#: library -> the oldest release asked about: the libraries pastes name above the framework.
WATCH: Mapping[str, str] = MappingProxyType(
    {
        "torch": "1.8.0",
        "torchvision": "0.9.0",
        "torchaudio": "0.8.0",
        "jaxlib": "0.3.0",
        "tensorflow": "2.5.0",
        "tensorflow-gpu": "2.5.0",
        "vllm": "0.2.0",
        "xformers": "0.0.16",
        "triton": "2.0.0",
        "deepspeed": "0.9.0",
        "flash-attn": "2.0.0",
        "bitsandbytes": "0.37.0",
        "sglang": "0.2.0",
        "flashinfer-python": "0.2.0",
        "onnxruntime-gpu": "1.10.0",
        "tensorrt": "8.6.0",
        "dgl": "0.9.0",
        "cupy-cuda12x": "12.0.0",
        "paddlepaddle-gpu": "2.4.0",
        "mamba-ssm": "1.0.0",
    }
)
_MAC = ("11_0", "12_0", "13_0", "14_0", "15_0")


def _linux(arch: str) -> tuple[str, ...]:
    """Every manylinux tag of ``arch`` up to glibc 2.40, the legacy aliases and plain linux."""
    legacy = (
        ("manylinux2014", "manylinux2010", "manylinux1") if arch == "x86_64" else ("manylinux2014",)
    )
    return (
        *(f"manylinux_2_{minor}_{arch}" for minor in range(40, 4, -1)),
        *(f"{name}_{arch}" for name in legacy),
        f"linux_{arch}",
    )


#: platform key -> pip ``--platform`` tags (pip does not widen a tag to older ones by itself).
KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "pure": ("any",),
        "windows": ("win_amd64",),
        "macos-arm64": tuple(f"macosx_{v}_{a}" for v in _MAC for a in ("arm64", "universal2")),
        "macos-x86_64": tuple(
            f"macosx_{v}_{a}"
            for v in ("10_9", "10_13", "10_14", "10_15", *_MAC)
            for a in ("x86_64", "intel", "universal2")
        ),
        "linux-aarch64": _linux("aarch64"),
        "linux-x86_64": _linux("x86_64"),
    }
)
PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
COMMAND = (
    "pip install --dry-run --no-deps --ignore-installed --only-binary=:all: --python-version V "
    '--platform P --target DIR "NAME<0"'
)
_FROM = re.compile(r"\(from versions: (?P<v>[^)]{0,20000})\)")


def wheel_releases(python: str, runner: Runner, name: str, key: str, py: str) -> set[str]:
    """The final releases of ``name`` with a wheel pip installs on ``key`` under Python ``py``."""
    platforms = [arg for p in KEYS[key] for arg in ("--platform", p)]
    argv = (
        python,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--no-deps",
        "--ignore-installed",
        "--only-binary=:all:",
        "--python-version",
        py,
        *platforms,
        "--target",
        "/tmp/dlrec-platforms",
        f"{name}<0",
    )
    done = runner(argv)
    m = _FROM.search(done.stderr + done.stdout)
    out: set[str] = set()
    for text in m.group("v").split(",") if m else ():
        try:
            version = Version(text.strip())
        except InvalidVersion:
            continue
        if not version.is_prerelease and not version.is_devrelease:
            out.add(str(version))
    return out


def refresh(
    python: str, runner: Runner, workers: int = 4, log: Callable[[str], None] = print
) -> dict[str, dict[str, list[str]]]:
    """library -> {"releases": [...], platform key: [releases with a wheel there]}."""
    jobs = [(n, k, py) for n in WATCH for k in KEYS for py in PYTHONS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        found = list(pool.map(lambda job: wheel_releases(python, runner, *job), jobs))
    table: dict[str, dict[str, list[str]]] = {}
    for name, floor in WATCH.items():
        wheels: dict[str, set[str]] = {key: set() for key in KEYS}
        for (n, k, _), got in zip(jobs, found, strict=True):
            if n == name:
                wheels[k] |= {v for v in got if Version(v) >= Version(floor)}
        # pip index versions lists what installs on this interpreter: the wheels add the rest
        every = sorted(
            set(releases(python, runner, name, floor)).union(*wheels.values()), key=Version
        )
        if not every:
            log(f"{name}: no releases found, left out")
            continue
        row: dict[str, list[str]] = {"releases": every}
        for key in KEYS:
            row[key] = sorted(wheels[key], key=Version)
        log(f"{name}: {len(every)} releases")
        table[name] = row
    return table


def render(table: Mapping[str, Mapping[str, Sequence[str]]], today: str) -> str:
    lines = [
        "# Which releases of a library ship a wheel for each platform, as pip finds them on the index.",
        "# GENERATED: do not edit by hand; run",
        "#   python -m recommender.maintainer.platform_wheels --out rules/platform_wheels.yaml",
        f"# which asks pip, per platform and Python: {COMMAND}",
        "# (pip answers with every release it found a wheel for). 'pure' lists the releases with a",
        "# pure-Python wheel; 'releases' every final release, source archives included.",
        "# Read by recommender/decide/diagnosis/platform_wheels.py: a paste that names a release and",
        "# a platform its wheels do not cover is a no-matching-wheel finding.",
        "schema: 1",
        f"verified: {today}",
        f'command: "{COMMAND.replace(chr(34), chr(39))}"',
        "packages:",
    ]
    for name in sorted(table):
        lines.append(f"  {name}:")
        lines.append(f"    source: https://pypi.org/project/{name}/#files")
        for key in ("releases", *KEYS):
            versions = ", ".join(f'"{v}"' for v in table[name].get(key, ()))
            lines.append(f"    {key}: [{versions}]")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parents[2] / "rules" / "platform_wheels.yaml")
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--today", default=None)
    args = parser.parse_args(argv)
    import datetime as _dt

    today = args.today or _dt.date.today().isoformat()
    table = refresh(
        sys.executable,
        bounded_runner(timeout=180.0),
        args.workers,
        lambda s: print(s, file=sys.stderr),
    )
    write_atomic(args.out, render(table, today))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
