"""Versions named in a sentence without a "version" word: a framework with its release ("I am using
PyTorch 1.0.1", "on tensorflow-gpu 1.14.0", "TF 2.10 with ..."), the system's CUDA ("cuda 9.0",
"CUDA toolkit 11.8", "my cuda version is 10.1") and cuDNN ("cuDNN 7.6.5"). prose.read_stated keeps
them only where no block or message states the same fact, so tool output always wins.

A sentence that asks for a version rather than stating one is not read: "requires torch 2.1",
"built for CUDA 11.8", "upgrade to TF 2.12", "CUDA >= 12.1", "torch 2.0 or later", a question."""

from __future__ import annotations

import re

from recommender.facts.reports.model import Fact
from recommender.facts.reports.package_names import recorded

#: Where a release named in a sentence ends: not inside a longer version, a word or a local
#: label ("2.1.0+cu121" is a build, read elsewhere; "11.x" names no release).
ALONE = r"(?![0-9A-Za-z+]|\.[0-9]|\.x)"


#: Where a name starts: not after an ASCII letter, digit or underscore. Not ``\b``, whose
#: Unicode words run on through Chinese or Japanese text ("我的CUDA Version: 12.4" names CUDA).
_WORD_START = r"(?<![0-9A-Za-z_])"


def version_in_sentence(
    names: str, between: str, *, group: str = "fw", minor: int = 3, end: str = ALONE
) -> re.Pattern[str]:
    """The shape of every version named in a sentence: one of ``names`` (the group ``group``),
    the words ``between`` it and the release, an optional ``v``, the release (the group ``v``:
    major.minor with up to ``minor`` digits, an optional patch) and what must follow (``end``);
    in any letter case."""
    return re.compile(
        rf"{_WORD_START}(?P<{group}>{names}){between}v?"
        rf"(?P<v>[0-9]{{1,2}}\.[0-9]{{1,{minor}}}(?:\.[0-9]{{1,3}})?){end}",
        re.IGNORECASE,
    )


#: A framework and its release, next to each other as a sentence or an environment list writes
#: them: "PyTorch 1.0.1", "TensorFlow version 2.7.0", "- PyTorch: 1.13.1", "PyTorch (1.13.1)" (a
#: pin, "torch==2.4.0", is a package list's or a requirement, read by the package readers).
_NAMED = version_in_sentence(
    "tensorflow-gpu|tensorflow|pytorch|torch|jax|tf",
    r"(?: {1,2}(?:version {1,2})?| {0,2}: {0,2}| {0,2}\()",
)
#: The same with no space between name and release, as sentences type it too ("it installed
#: tensorflow2.7.0", "I use torch1.13.1 and cuda 11.7"). Only the full names: "tf2" names the
#: TensorFlow 2 family, not a release; never inside a path, a file or a package name
#: ("envs/torch1.13/", "libtorch2.1", "keras-tensorflow2.4").
_GLUED = re.compile(
    r"(?<![0-9A-Za-z_/\\.-])(?P<fw>tensorflow-gpu|tensorflow|pytorch|torch|jax)v?"
    r"(?P<v>[0-9]{1,2}\.[0-9]{1,3}(?:\.[0-9]{1,3})?)" + ALONE + r"(?![/\\])",
    re.IGNORECASE,
)
_FRAMEWORKS = {
    "tensorflow-gpu": "tensorflow",
    "tensorflow": "tensorflow",
    "tf": "tensorflow",
    "pytorch": "pytorch",
    "torch": "pytorch",
    "jax": "jax",
}
#: The system's CUDA, cuDNN or ROCm: the name, an optional "toolkit"/"version" and "is"/":", a
#: release ("torch with rocm 6.0", "ROCm version: 6.2"); in Chinese too ("CUDA版本10.0", "是").
_LIBRARY = version_in_sentence(
    "cuda|cudnn|rocm",
    r"(?:[ _-]?toolkit)?(?: {1,2}version| {0,2}版本)?(?: {1,2}is|:|：| {0,2}是)? {0,2}",
    group="lib",
    minor=2,
)
#: Where each library's release goes (ROCm's is the platform's, not a toolkit beside a driver).
_LIBRARY_PATHS = {"cuda": "toolkit.cuda", "cudnn": "toolkit.cudnn", "rocm": "rocm.release"}
#: Words before a version that make it a requirement or a change, not what is installed.
_WANTED = re.compile(
    r"requir|\bneeds?\b|built (?:for|against|with)|compiled (?:for|against|with)|support"
    r"|upgrad|downgrad|switch|instead|\btry|\btried|recommend|\bshould\b"
    # the same in Chinese: need, require, upgrade, downgrade, support, switch to, try, recommend
    r"|需要|要求|升级|降级|支持|换成|改用|尝试|建议|应该",
    re.IGNORECASE,
)
#: Words before a version that say it is the writer's own ("I am using", "on", "my setup is"); a
#: line that starts with the name is a list of the environment ("- PyTorch 1.5.1", "| CUDA | 11.8").
#: "I think torch 2.0 works" says neither, and stays unread.
_OWN = re.compile(
    r"\b(?:using|use|used|on|with|installed|have|has|running|run|my|our|version|env"
    r"|environment|setup|system|machine)\b"
    # the same in Chinese: my, our, I use, using, installed, this machine, environment, system,
    # server, version
    r"|我的|我们的|我用|使用|安装|本机|环境|系统|服务器|版本",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"[ \t>*|#+-]{0,8}")
#: A version and a separator before it: the line lists versions ("tensorflow-gpu 2.3.0, CUDA 11.0",
#: with a full-width comma in Chinese text; "tensorflow 2.7.0 / CUDA 10.2", "CUDA 10.2 + cuDNN 7.6",
#: "torch 2.1 | CUDA 12.1", "torch 2.1; CUDA 12.1").
_LISTED = re.compile(r"[0-9](?:, |，| / | \+ | \| |; )")
#: Words right after a version that make it a range.
_RANGE = re.compile(r" {0,2}(?:or (?:later|newer|higher|above|greater)|and (?:above|up|later))")


def _stated(head: str, start: int, end: int) -> bool:
    """The version at ``start:end`` is stated as installed: the writer's own (a word of use before
    it, or a list entry), no requirement or change before it, no range after it, not in a
    question, not nvidia-smi's header (the driver's CUDA)."""
    if "Driver Version" in head or head.rstrip().endswith("?"):
        return False
    if _WANTED.search(head, 0, start) is not None or _RANGE.match(head, end) is not None:
        return False
    item = _LIST_ITEM.match(head)
    if item is not None and item.end() == start:
        return True
    return _OWN.search(head, 0, start) is not None or _LISTED.search(head, 0, start) is not None


def named_frameworks(head: str, number: int, seen: set[str]) -> list[Fact]:
    """The first release stated for each framework on the line."""
    out: list[Fact] = []
    for m in (*_NAMED.finditer(head), *_GLUED.finditer(head)):
        framework = _FRAMEWORKS[m.group("fw").lower()]
        if framework in seen or not _stated(head, m.start(), m.end()):
            continue
        seen.add(framework)
        out.append(Fact(path=f"frameworks.{framework}.installed", value=True, line=number))
        out.append(Fact(path=f"frameworks.{framework}.version", value=m.group("v"), line=number))
    return out


#: TensorFlow's template pair written inside a line ("..., CUDA/cuDNN version: 10.2/7.6"): the
#: first release is CUDA's, the second cuDNN's. Its "cuDNN version: 10.2" is not cuDNN's release.
_PAIR = re.compile(
    r"(?<![0-9A-Za-z_])cuda ?/ ?cudnn(?: {1,2}version)?(?: {0,2}(?:is|:|：))? {0,4}v?"
    r"(?P<cuda>[0-9]{1,2}\.[0-9]{1,2}(?:\.[0-9]{1,3})?) {0,2}[/,] {0,2}v?"
    r"(?P<cudnn>[0-9]{1,2}(?:\.[0-9]{1,2}){0,2})(?![0-9A-Za-z.])",
    re.IGNORECASE,
)


def _library_pair(head: str, number: int, seen: set[str]) -> list[Fact]:
    """CUDA's and cuDNN's releases from a "CUDA/cuDNN version: X/Y" pair inside the line."""
    m = _PAIR.search(head) if "/" in head else None
    if m is None or not _stated(head, m.start(), m.end()):
        return []
    out: list[Fact] = []
    for group, path in (("cuda", "toolkit.cuda"), ("cudnn", "toolkit.cudnn")):
        if path not in seen:
            seen.add(path)
            out.append(Fact(path=path, value=m.group(group), line=number))
    return out


def system_libraries(head: str, number: int, seen: set[str]) -> list[Fact]:
    """The CUDA, cuDNN and ROCm releases the line states as installed (``toolkit.cuda``,
    ``toolkit.cudnn``, ``rocm.release``); a "CUDA/cuDNN" pair's second name is no release of its
    own."""
    out: list[Fact] = _library_pair(head, number, seen)
    for m in _LIBRARY.finditer(head):
        if m.start() > 0 and head[m.start() - 1] == "/":
            continue
        path = _LIBRARY_PATHS[m.group("lib").lower()]
        if path in seen or not _stated(head, m.start(), m.end()):
            continue
        seen.add(path)
        out.append(Fact(path=path, value=m.group("v"), line=number))
    return out


#: A line that lists a library and its release ("bitsandbytes - 0.41.0", "* sglang: 0.4.6",
#: "flash-attn version 2.5.8"): the line starts with the name, as an environment list writes it.
_LIBRARY_ITEM = re.compile(
    r"^[ \t>*|#+-]{0,8}(?P<name>[A-Za-z][A-Za-z0-9_.-]{1,40}?)(?: {1,2}version)? {0,3}(?:-|:|==|=)? {0,3}"
    r"v?(?P<v>[0-9]{1,4}\.[0-9]{1,4}(?:\.[0-9]{1,4})?(?:\.post[0-9]{1,3})?)(?![0-9A-Za-z+.])"
)


def listed_libraries(head: str, number: int, seen: set[str]) -> list[Fact]:
    """``stated.<library>``: the release a list line names for a library (a sentence's
    library, for the diagnosis to judge as told, never as a package list)."""
    m = _LIBRARY_ITEM.match(head)
    if m is None or _WANTED.search(head, 0, m.start("v")) is not None:
        return []
    path = "stated." + m.group("name").lower().replace("_", "-").replace(".", "-")
    if path in seen or not recorded(path[len("stated.") :]):  # a package dlrec reads
        return []
    seen.add(path)
    return [Fact(path=path, value=m.group("v"), line=number)]
