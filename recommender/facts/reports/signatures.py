"""rules/signatures.yaml: known error messages, each with what its match proves.

An entry: ``id``, ``pattern`` (a Python regular expression matched within one line), ``status``
(fail, warn, fact, ok or family: see ``_STATUSES``), ``diagnosis`` (a catalog Diagnosis), ``title``, ``proves`` (fact path -> value;
``"{name}"`` inserts a named group, ``"{name|cuda}"`` reads CUDA's driver API number 11040 as
11.4, ``"{name|cc}"`` reads sm_86 or 86 as 8.6), ``fix`` (``item``: the checklist item whose fix,
from the install planner, applies; ``text``: the fix where no item has one), ``source`` (the public
thread or document that established it) and ``verified`` (a date). A pattern with the groups
``built`` and ``have`` states two versions of one library (what the program was built with, what it
loaded): its match is a hit only where the two differ in a part both state (``versions_differ``).

Patterns must run in linear time (``linear.check_pattern``): the loader refuses backreferences, a quantified group inside a
quantified group, an unbounded repeat of anything wider than digits, spaces or one character
(write ``.{0,200}``, not ``.*``), a bound above 256, and a pattern that does not start with a
literal of four characters or more (the reader finds that literal with ``str.find`` and tries the
pattern only there). A family of wordings is one alternation (``'no CUDA-capable device|cudaErrorNoDevice'``,
or a shared prefix before a group of them): each alternative must then start with such a literal,
at most 32 of them, and the reader looks for each. Errors name the file, the line and the entry.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recommender.core.catalog import DIAGNOSES, Accelerator
from recommender.core.documents import DocumentError, LocatedDict, parse_yaml, read_text
from recommender.core.errors import BadInputError
from recommender.core.numfmt import is_digits
from recommender.facts.reports.anchor_index import AnchorIndex, anchor_index
from recommender.facts.reports.linear import check_pattern, parse_tree
from recommender.facts.reports.lines import Text
from recommender.facts.reports.model import Hit
from recommender.facts.reports.needles import Needle, needle
from recommender.facts.reports.paths import known_path
from recommender.facts.reports.retold import Form, forms

_KEYS = {
    "id",
    "pattern",
    "status",
    "diagnosis",
    "also",
    "needs",
    "driver_below",
    "title",
    "proves",
    "fix",
    "source",
    "verified",
}
#: ``needs: gpu``: the message is a failure only where the paste shows a GPU (a CPU build's or
#: TensorFlow's missing-library messages are harmless on a machine without one); ``needs: no-gpu``:
#: only where it shows none (jax probes the TPU backend on every GPU machine); ``needs: jax``: only
#: where the paste names jax outside the message's own lines (a library that imports jax, such as a
#: torch trainer on Colab, prints jax's CPU fallback though jax does none of the work); ``needs:
#: tpu``: only where the paste shows a TPU machine apart from the message (a TPU VM, jax[tpu],
#: libtpu, /dev/accel) and no GPU; ``needs: apple-gpu``: only where it shows Apple's GPU
#: (tensorflow-metal, "Metal device set to", an M-series chip): a message every backend words
#: alike. A warning else; ``needs: wsl``: only where the paste is from WSL 2, and nothing else (a
#: probe that logs the same line on every native Linux machine); ``needs: not-torch``: only where
#: the matched line does not name torch itself (a library's own words, not a person saying that
#: their torch "was not compiled with CUDA support"), and nothing else; ``needs: not-wsl``: only
#: where the paste is not from WSL 2 (a container's banner WSL 2 prints with the GPU working too);
#: ``needs: cuda-expected``: only where it shows a GPU or a CUDA build of torch.
_NEEDS = (
    "gpu",
    "no-gpu",
    "jax",
    "tpu",
    "apple-gpu",
    "wsl",
    "not-torch",
    "not-wsl",
    "cuda-expected",
)
#: ``driver_below: "12.0"``: the message is a failure only where the paste shows a driver whose
#: newest CUDA is below that release (a library that bundles a newer CUDA's compiler, such as
#: Triton's ptxas, fails to load its kernels on such a driver; elsewhere the same message has
#: other causes). A warning else.
_DRIVER_BELOW = re.compile(r"^[0-9]{1,2}\.[0-9]$")
_REQUIRED = ("id", "pattern", "status", "diagnosis", "title", "source", "verified")
#: ``fact``: the match only states facts (a version in a log) that the diagnosis's checks read.
#: ``ok``: the message is the program's own fault (an illegal memory access, a device-side
#: assertion) or harmless noise: it proves nothing against the environment (diagnosis healthy).
#: ``family``: the general words of a kind of failure ("out of memory", "cannot open shared
#: object file"), not one program's message: a warning of that category, and only where no other
#: finding names a cause (decide/diagnosis/families.py); a new wording of a known kind is read so.
_STATUSES = ("fail", "warn", "fact", "ok", "family")
_HITS_PER_SIGNATURE = 20
_DATE = re.compile(r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]$")
#: The groups of a version pair (``paired``): what the program was built with, what it found.
BUILT, HAVE = "built", "have"
_TEMPLATE = re.compile(r"\{([a-z_][a-z0-9_]{0,30})(?:\|(cuda|cc))?\}")


class SignatureError(BadInputError):
    """rules/signatures.yaml is invalid; ``where`` is ``file:line``, the message names the id."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    id: str
    pattern: re.Pattern[str]
    #: The literal each alternative of the pattern starts with (one for a single wording).
    anchors: tuple[str, ...]
    status: str
    diagnosis: str
    also: tuple[str, ...]
    needs: str | None
    title: str
    proves: Mapping[str, Any]
    fix_item: str | None
    fix_text: str | None
    source: str
    verified: str
    driver_below: str | None = None
    #: The pattern names the version a program was built with (``built``) and the one it found
    #: (``have``): a match is the failure only where it reads both and they differ.
    paired: bool = False
    #: The pattern's literal wordings as words, for the tolerant pass (retold.py).
    forms: tuple[Form, ...] = ()
    #: The anchors lower-cased, as ``find`` looks for them, each with the words a text holding it
    #: has (needles.py): an anchor the paste's words rule out costs no pass over it.
    needles: tuple[Needle, ...] = ()

    @property
    def anchor(self) -> str:
        return self.anchors[0]

    def find(self, text: Text) -> Iterator[Hit]:
        """Every match (at most one per line, in line order), in any letter case (people retype
        messages): each anchor the text holds by ``str.find`` in the lower-cased text, the pattern
        only where one is. Linear: one pass per anchor, a bounded match at each place an anchor is."""
        found: dict[int, Hit] = {}
        for anchor in self.needles or tuple(needle(a.lower()) for a in self.anchors):
            if not text.may_hold(anchor):
                continue  # not in the paste: its index or its words say so
            for hit in self._find_anchor(text, anchor.text):
                found.setdefault(hit.line, hit)
        yield from (found[line] for line in sorted(found)[:_HITS_PER_SIGNATURE])

    def _find_anchor(self, text: Text, anchor: str) -> Iterator[Hit]:
        """The matches at each place the anchor is: in its line, or, where the paste broke the
        message, in its line joined to the next (kept only where the match runs past the break;
        the joined line is built once per line)."""
        found = 0
        joined_at, joined = -1, ""
        pos = text.find(anchor)
        while pos >= 0:
            index = bisect.bisect_right(text.starts, pos) - 1
            head, at = text.heads[index], pos - text.starts[index]
            match, wraps = self.pattern.match(head, at), False
            if match is None and index + 1 < len(text.heads) and text.heads[index + 1]:
                if joined_at != index:
                    joined_at, joined = index, f"{head} {text.heads[index + 1]}"
                match = self.pattern.match(joined, at)
                wraps = match is not None and match.end() > len(head)
                match = match if wraps else None
            if match is None:
                pos = text.find(anchor, pos + 1)
                continue
            groups = {k: v for k, v in match.groupdict().items() if v is not None}
            if self.paired and not versions_differ(groups.get(BUILT), groups.get(HAVE)):
                pos = text.find(anchor, pos + 1)
                continue  # one side unread, or both the same version: no mismatch stated
            line = joined if wraps else text.lines[index]
            yield Hit(signature=self.id, line=index + 1, text=line, groups=groups, wraps=wraps)
            found += 1
            if found >= _HITS_PER_SIGNATURE:
                return
            following = index + 1  # one hit per line is enough
            if following >= len(text.starts):
                return
            pos = text.find(anchor, text.starts[following])

    def facts(self, hit: Hit) -> dict[str, Any]:
        """The facts this hit proves, templates filled from its groups (unfillable ones left out)."""
        out: dict[str, Any] = {}
        for path, value in self.proves.items():
            filled = _fill(value, hit.groups)
            if filled is not None:
                out[path] = filled
        return out


def _numbers(raw: str) -> tuple[int, ...]:
    """The runs of digits of a stated version, in order ("8.9.2", "(8, 9, 2)", "v7", "7605")."""
    out, run = [], ""
    for ch in raw[:40] + " ":
        if is_digits(ch):
            run += ch
        elif run:
            out.append(int(run))
            run = ""
    return tuple(out)


def versions_differ(built: str | None, have: str | None) -> bool:
    """Whether two stated versions of one library differ in a part both state ("7" and "5.1"
    differ, "8.9" and "8.9.2" do not); False where either is missing or holds no number."""
    a, b = _numbers(built or ""), _numbers(have or "")
    shared = min(len(a), len(b))
    return shared > 0 and a[:shared] != b[:shared]


def _fill(value: Any, groups: Mapping[str, str]) -> Any:
    if not isinstance(value, str):
        return value
    match = _TEMPLATE.fullmatch(value)
    if match is None:
        return _fill_within(value, groups)
    raw = groups.get(match.group(1))
    if raw is None:
        return None
    if match.group(2) == Accelerator.CUDA:
        return _cuda(raw)
    if match.group(2) == "cc":
        return _cc(raw)
    return raw


def _fill_within(value: str, groups: Mapping[str, str]) -> str | None:
    """Templates inside other text ("lib{lib}"): each group inserted as read; None where a group
    did not match (the fact is left out rather than stated with a hole)."""
    names = [m.group(1) for m in _TEMPLATE.finditer(value)]
    if any(groups.get(name) is None for name in names):
        return None
    return _TEMPLATE.sub(lambda m: groups[m.group(1)], value) if names else value


def _cuda(raw: str) -> str | None:
    if not is_digits(raw) or not 1000 <= int(raw) <= 99999:
        return None
    value = int(raw)
    return f"{value // 1000}.{(value % 1000) // 10}"


def _cc(raw: str) -> str | None:
    digits = raw.removeprefix("sm_").rstrip("af")
    if not is_digits(digits) or not 2 <= len(digits) <= 3:
        return None
    return f"{int(digits[:-1])}.{digits[-1]}"


def bundled_path() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "rules" / "signatures.yaml"


def load_signatures(path: str | Path | None = None) -> tuple[Signature, ...]:
    """The signatures in ``path`` (the bundled file by default), validated; SignatureError
    (exit 2, ``file:line: signature ID: ...``) on anything wrong."""
    where = str(path or bundled_path())
    try:
        doc = parse_yaml(read_text(where), where)
    except DocumentError as exc:
        raise SignatureError(exc.message, where=exc.where) from None
    if not isinstance(doc, LocatedDict) or not isinstance(doc.get("signatures"), list):
        raise SignatureError("expected a mapping with a list under 'signatures'", where=where)
    extra = set(doc) - {"schema", "signatures"}
    if extra:
        raise SignatureError(f"unknown top-level key {sorted(extra)[0]!r}", where=where)
    out: list[Signature] = []
    seen: set[str] = set()
    for entry in doc["signatures"]:
        sig = _entry(entry, where)
        if sig.id in seen:
            raise SignatureError(f"signature {sig.id}: duplicate id", where=_at(where, entry, "id"))
        seen.add(sig.id)
        out.append(sig)
    return tuple(out)


def signatures_index(signatures: Iterable[Signature]) -> AnchorIndex:
    """The index of every anchor of ``signatures`` (anchor_index.py), lower-cased as
    ``Signature.find`` looks for them: made once where the signatures are loaded (its one-pass
    scan is compiled only when a paste needs it)."""
    return anchor_index(anchor.lower() for sig in signatures for anchor in sig.anchors)


def _at(where: str, entry: Any, key: str | None = None) -> str:
    if isinstance(entry, LocatedDict):
        return f"{where}:{entry.line_of(key) if key else entry.line}"
    return where


def _entry(entry: Any, where: str) -> Signature:
    if not isinstance(entry, LocatedDict):
        raise SignatureError("each signature must be a mapping", where=where)
    sid = str(entry.get("id", "?"))

    def fail(key: str, message: str) -> SignatureError:
        return SignatureError(f"signature {sid}: {message}", where=_at(where, entry, key))

    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_KEYS))})")
    for key in _REQUIRED:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise fail(key if key in entry else "id", f"key {key}: a non-empty string is required")
    if entry["status"] not in _STATUSES:
        raise fail("status", f"status {entry['status']!r} (allowed: {', '.join(_STATUSES)})")
    if (entry["status"] == "ok") != (entry["diagnosis"] == "healthy"):
        raise fail("status", "status ok goes with diagnosis healthy, and only with it")
    also = entry.get("also") or []
    if not isinstance(also, list):
        raise fail("also", "also must be a list of categories")
    for category in [entry["diagnosis"], *also]:
        if category not in DIAGNOSES:
            key = "diagnosis" if category == entry["diagnosis"] else "also"
            raise fail(key, f"diagnosis {category!r} (allowed: {', '.join(DIAGNOSES)})")
    if entry.get("needs") not in (None, *_NEEDS):
        raise fail("needs", f"needs {entry['needs']!r} (allowed: {', '.join(_NEEDS)})")
    below = entry.get("driver_below")
    if below is not None and not (isinstance(below, str) and _DRIVER_BELOW.match(below)):
        raise fail("driver_below", 'driver_below must be a CUDA release as a string, e.g. "12.0"')
    if not _DATE.match(entry["verified"]):
        raise fail("verified", "verified must be a date YYYY-MM-DD")
    if not entry["source"].startswith("https://"):
        raise fail("source", "source must be an https:// URL of a public thread or document")
    try:
        tree = parse_tree(entry["pattern"])
        pattern, anchors = check_pattern(entry["pattern"], tree)
    except ValueError as exc:
        raise fail("pattern", f"pattern: {exc}") from None
    proves = entry.get("proves") or {}
    _check_proves(proves, pattern, fail)
    paired = {BUILT, HAVE} <= set(pattern.groupindex)
    fix = entry.get("fix") or {}
    if not isinstance(fix, dict) or set(fix) - {"item", "text"}:
        raise fail("fix", "fix must be a mapping with 'item' and/or 'text'")
    return Signature(
        id=sid,
        pattern=pattern,
        anchors=anchors,
        status=entry["status"],
        diagnosis=entry["diagnosis"],
        also=tuple(also),
        needs=entry.get("needs"),
        driver_below=below,
        title=entry["title"],
        proves=dict(proves),
        fix_item=fix.get("item"),
        fix_text=fix.get("text"),
        source=entry["source"],
        verified=entry["verified"],
        paired=paired,
        needles=tuple(needle(anchor.lower()) for anchor in anchors),
        # a fact's signature proves only what its groups read, and a retold match reads none (nor
        # can a version pair's be compared)
        forms=forms(sid, entry["pattern"], tree)
        if entry["status"] not in ("fact", "family") and not paired
        else (),
    )


def _check_proves(proves: Any, pattern: re.Pattern[str], fail) -> None:
    if not isinstance(proves, dict):
        raise fail("proves", "proves must be a mapping of fact path -> value")
    for path, value in proves.items():
        if not known_path(str(path)):
            raise fail("proves", f"proves: {path!r} is not a fact a paste can prove")
        if isinstance(value, str):
            _check_templates(str(path), value, pattern, fail)
        elif not isinstance(value, (bool, int)):
            raise fail("proves", f"proves {path}: a string, number or true/false")


def _check_templates(path: str, value: str, pattern: re.Pattern[str], fail) -> None:
    """Every template names a group of the pattern; a reading (|cuda, |cc) only where the
    template is the whole value."""
    whole = _TEMPLATE.fullmatch(value) is not None
    for match in _TEMPLATE.finditer(value):
        if match.group(1) not in pattern.groupindex:
            raise fail("proves", f"proves {path}: no group named {match.group(1)!r}")
        if match.group(2) and not whole:
            raise fail(
                "proves",
                f"proves {path}: |{match.group(2)} only where the template is the whole value",
            )
