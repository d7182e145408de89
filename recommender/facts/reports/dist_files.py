"""Distribution files a line names: the wheel or source archive pip fetched or was given
(``Downloading vllm-0.5.4.tar.gz (958 kB)``, ``Using cached xformers-0.0.23-cp310-cp310-
manylinux2014_x86_64.whl``, ``pip install https://.../bitsandbytes-0.41.2.post2-py3-none-
win_amd64.whl``). A file's name states the library, its release and, for a wheel, the platforms
it was built for; ``dist.<library>`` keeps the file name for the diagnosis to read."""

from __future__ import annotations

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from recommender.facts.reports.model import Fact

_SUFFIXES = (".whl", ".tar.gz", ".zip")


def _file_name(token: str) -> str | None:
    """The distribution file a token names (its last path part, ``%2B`` read as ``+``)."""
    name = token.strip("'\"`()[],;").rpartition("/")[2].rpartition("\\")[2]
    name = name.replace("%2B", "+").replace("%2b", "+")
    return name if name.endswith(_SUFFIXES) and "-" in name else None


def dist_facts(line: str, number: int) -> list[Fact]:
    """``dist.<library>`` for each distribution file the line names."""
    if ".whl" not in line and ".tar.gz" not in line and ".zip" not in line:
        return []
    out: list[Fact] = []
    for token in line[:2000].split()[:40]:
        name = _file_name(token)
        if name is None:
            continue
        try:
            library = (
                parse_wheel_filename(name)[0]
                if name.endswith(".whl")
                else parse_sdist_filename(
                    name.removesuffix(".tar.gz").removesuffix(".zip") + ".tar.gz"
                )[0]
            )
        except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
            continue
        out.append(Fact(path=f"dist.{canonicalize_name(library)}", value=name, line=number))
    return out
