"""The facts document: what a machine is and has, as a frozen value with a declared schema.

The schema below is the contract of ``dlrec probe --json`` (fields may be added, never renamed
or removed). It is also the list of fact paths a rule may read: ``cpu.flags``,
``accelerators[].kind``, ``frameworks.pytorch.build.cuda``. A missing section or field means
"unknown"; unknown extra fields in a loaded document are ignored.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Any, TypeVar

from recommender.core.catalog import ACCELERATOR_KINDS, DISTRIBUTED_ENGINES, FRAMEWORK_IDS
from recommender.core.frozen import freeze, frozen, thaw
from recommender.core.memo import remember
from recommender.core.shell import is_absolute_path, safe_project_name, safe_version
from recommender.facts.machine import Machine, machine_from_facts

SCHEMA_VERSION = 1

#: Each fact path and its JSON type: str, int, number, bool, list[str]. ``[]`` marks a list of
#: objects (a rule reading ``accelerators[].kind`` gets every accelerator's kind).
_FRAMEWORK_FIELDS = {
    "installed": "bool",
    "version": "str",
    "distribution": "str",
    "distributions": "list[str]",
    "build.flavour": "str",
    "build.cuda": "str",
    "build.cudnn": "str",
    "build.rocm": "any",
    "build.xpu": "str",
    "build.known": "bool",
    "major": "int",
    "backend": "str",
    "backend_source": "str",
    "tf_keras": "str",
    "legacy_keras_env": "str",
    "jaxlib": "str",
    "plugins": "list[str]",
}
FACT_SCHEMA: Mapping[str, str] = MappingProxyType(
    {
        "schema_version": "int",
        "dlrec_version": "str",
        "collected_at": "str",
        "python.version": "str",
        "python.implementation": "str",
        "python.executable": "str",
        "python.environment": "str",
        "python.externally_managed": "bool",
        "python.conda_base": "bool",
        "python.bits": "int",
        "os.system": "str",
        "os.release": "str",
        "os.version": "str",
        "os.machine": "str",
        "os.libc": "str",
        "os.distro": "str",
        "os.wsl": "int",
        "os.container": "str",
        "os.l4t": "str",
        "os.tegra": "str",
        "os.board": "str",
        "os.jetpack": "str",
        "os.jetson_cc": "str",
        "os.jetson_board": "str",
        "cpu.model": "str",
        "cpu.vendor": "str",
        "cpu.arch": "str",
        "cpu.logical_cores": "int",
        "cpu.usable_cores": "int",
        "cpu.flags": "list[str]",
        "cpu.rosetta": "bool",
        "memory.total_bytes": "int",
        "memory.available_bytes": "int",
        "memory.limit_bytes": "int",
        "memory.usable_bytes": "int",
        "disk.path": "str",
        "disk.free_bytes": "int",
        "disk.cache_path": "str",
        "disk.cache_free_bytes": "int",
        "disk.shm_bytes": "int",
        **{
            f"accelerators[].{k}": t
            for k, t in {
                "kind": "str",
                "vendor": "str",
                "index": "int",
                "name": "str",
                "uuid": "str",
                "memory_bytes": "int",
                "compute_capability": "str",
                "driver_version": "str",
                "max_cuda": "str",
                "visible": "bool",
                "pci_bus_id": "str",
                "gfx": "str",
                "macos_version": "str",
            }.items()
        },
        **{f"frameworks.{fw}.{k}": t for fw in FRAMEWORK_IDS for k, t in _FRAMEWORK_FIELDS.items()},
        "warnings": "list[str]",
        # Where the facts came from when they were imported from a report (facts/reports/collect_env.py).
        "source.format": "str",
        "source.layout": "str",
        "source.path": "str",
        "os.python_platform": "str",
        **{
            f"frameworks.pytorch.{k}": t
            for k, t in {
                "importable": "bool",
                "cuda_available": "bool",
                "xpu_available": "bool",
                "cuda_module_loading": "str",
                "cuda_warning": "str",
                "torchvision": "str",
                "torchaudio": "str",
                "build.debug": "bool",
                "build.channel": "str",
                "build.hip_runtime": "str",
                "build.miopen": "str",
                "build.arch_list": "list[str]",
            }.items()
        },
        "accelerators[].mig": "list[str]",
        **{f"toolchain.{k}": "str" for k in ("nvcc", "gcc", "clang", "cmake", "hipcc")},
        "toolchain.cudnn": "list[str]",
        "packages.pip": "list[str]",
        "packages.conda": "list[str]",
        "vllm.version": "str",
        "environment.variables": "list[str]",
        # Derived by the rule engine from the facts above (and the answers), never probed.
        "derived.accelerator_kinds": "list[str]",
        "derived.has_visible_gpu": "bool",
        "derived.nvidia_min_cc": "str",
        "derived.nvidia_max_cuda": "str",
        "derived.tensorflow_release": "str",
        "derived.answer_accelerator": "str",
        # Derived from distributed smoke results (recommender/facts/evidence.py), when there are any.
        **{
            f"derived.distributed.{fw}.{k}": t
            for fw in DISTRIBUTED_ENGINES
            for k, t in {
                "ok": "bool",
                "processes": "int",
                "scaling_efficiency": "number",
                "scaling": "str",
                "device": "str",
            }.items()
        },
    }
)

__all__ = ["ACCELERATOR_KINDS", "FRAMEWORK_IDS", "FACT_SCHEMA", "Facts", "FactsError", "validate"]

#: Fields whose values reach a command a person pastes or a file dlrec writes (requirements.txt,
#: SETUP.md): in a document read from a file (another machine's, or written by hand) each must
#: be of its kind, so that no value smuggles in a second command or a second line.
_SAFE_KINDS = {
    "path": ("an absolute path with no control characters", is_absolute_path),
    "version": ("a PEP 440 version such as 2.13.0", lambda v: safe_version(v) is not None),
    "name": ("a PEP 508 project name such as torch", lambda v: safe_project_name(v) is not None),
    "names": (
        "a list of PEP 508 project names",
        lambda v: all(safe_project_name(x) is not None for x in v),
    ),
    "backend": ("a backend name such as torch", lambda v: bool(_BACKEND_NAME.match(v))),
}
_BACKEND_NAME: re.Pattern[str] = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
SAFE_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "python.executable": "path",
        "python.version": "version",
        "disk.path": "path",
        "disk.cache_path": "path",
        **{
            f"frameworks.{fw}.{key}": kind
            for fw in FRAMEWORK_IDS
            for key, kind in {
                "version": "version",
                "distribution": "name",
                "distributions": "names",
                "tf_keras": "version",
                "jaxlib": "version",
                "backend": "backend",
            }.items()
        },
    }
)

_CHECKS = {
    "str": lambda v: isinstance(v, str),
    # Every int of the facts is a count, a size, an index or a version: never negative.
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list[str]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "any": lambda v: True,
}


def _expected(kind: str, value: Any) -> str:
    if kind == "int" and _CHECKS["number"](value):
        return f"expected int >= 0, got {value!r:.60}"
    return f"expected {kind}, got {value!r:.60}"


class FactsError(ValueError):
    """A facts document has a field of the wrong type. ``key`` is its dotted path."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


#: The mapping types a document is made of (JSON's dicts, frozen ones): checked before the
#: slower ``Mapping`` ABC, which a fleet's thousands of documents would ask millions of times.
_PLAIN_MAPPINGS = (dict, MappingProxyType)


def _lookup(doc: Any, parts: list[str] | tuple[str, ...]) -> tuple[bool, Any]:
    """Follow ``parts`` through nested mappings: (found, value)."""
    for part in parts:
        if not (isinstance(doc, _PLAIN_MAPPINGS) or isinstance(doc, Mapping)) or part not in doc:
            return False, None
        doc = doc[part]
    return True, doc


def safe_field_ok(path: str, value: Any) -> bool:
    """False when ``path`` is one of SAFE_FIELDS and ``value`` (known) is not of its kind."""
    kind = SAFE_FIELDS.get(path)
    return kind is None or value is None or bool(_SAFE_KINDS[kind][1](value))


def _check_safe(doc: Mapping[str, Any]) -> None:
    """Raise FactsError for the first SAFE_FIELDS value that is not of its kind."""
    for path, kind in SAFE_FIELDS.items():
        found, value = _lookup(doc, path.split("."))
        if not found or value is None:
            continue
        allowed, ok = _SAFE_KINDS[kind]
        if not ok(value):
            raise FactsError(path, f"{value!r:.80} is not {allowed}")


#: FACT_SCHEMA's paths split once: (path, the parts before ``[].`` or all, the parts after, kind).
_SCHEMA_PATHS = tuple(
    (path, tuple(head.split(".")), tuple(tail.split(".")) if sep else (), kind)
    for path, kind in FACT_SCHEMA.items()
    for head, sep, tail in [path.partition("[].")]
)


def validate(doc: Mapping[str, Any], *, loaded: bool = False) -> None:
    """Raise FactsError for the first known field with a value of the wrong type (None is unknown),
    or a ``schema_version`` this dlrec cannot read (a missing one is read as version 1).

    ``loaded``: the document was read from a file, so the values that reach commands and
    generated files (SAFE_FIELDS) are checked too. The probes' own facts are not refused for
    them (a probe must never fail on an odd local install); their users quote and check each
    value with ``recommender.core.shell``."""
    version = doc.get("schema_version")
    if version is not None and (isinstance(version, bool) or version != SCHEMA_VERSION):
        raise FactsError(
            "schema_version",
            f"{version!r} is not supported (allowed: {SCHEMA_VERSION}); "
            "probe that machine again with this dlrec version",
        )
    for path, head_parts, tail_parts, kind in _SCHEMA_PATHS:
        if tail_parts:
            head, _, tail = path.partition("[].")
            found, items = _lookup(doc, head_parts)
            if not found or items is None:
                continue
            if not isinstance(items, (list, tuple)):
                raise FactsError(head, f"expected a list of objects, got {type(items).__name__}")
            for i, item in enumerate(items):
                if not isinstance(item, Mapping):
                    raise FactsError(f"{head}[{i}]", "expected an object")
                found, value = _lookup(item, tail_parts)
                if found and value is not None and not _CHECKS[kind](value):
                    raise FactsError(f"{head}[{i}].{tail}", _expected(kind, value))
            continue
        found, value = _lookup(doc, head_parts)
        if found and value is not None and not _CHECKS[kind](value):
            raise FactsError(path, _expected(kind, value))
    if loaded:
        _check_safe(doc)


_T = TypeVar("_T")


@frozen
class Facts:
    """A frozen facts document. ``get("cpu.flags")`` reads a path; None means unknown."""

    doc: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: Where the facts came from: "probed" on this machine, or the file they were loaded from.
    origin: str = "probed"
    #: Views derived from these facts (the planner's machine), made once per value.
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def memo(self, key: Hashable, make: Callable[[], _T]) -> _T:
        """``make()`` once per ``key`` for this value: a memo that lives and dies with it."""
        return remember(self._memo, key, make)

    @property
    def machine(self) -> Machine:
        """The typed view of this machine (facts/machine.py), made once per Facts value: what
        decide/ reads instead of fact paths (the rules keep their dotted paths)."""
        return self.memo("machine", lambda: machine_from_facts(self.doc))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], *, origin: str = "probed") -> Facts:
        if not isinstance(doc, Mapping):
            raise FactsError("(top level)", "expected a JSON object")
        validate(doc, loaded=origin != "probed")
        return cls(doc=freeze(doc), origin=origin)

    @property
    def is_local(self) -> bool:
        return self.origin == "probed"

    def get(self, path: str) -> Any:
        """The value at a schema path; a ``[]`` path returns a tuple over the list (or None)."""
        head, sep, tail = path.partition("[].")
        found, value = _lookup(self.doc, head.split("."))
        if not found or value is None:
            return None
        if not sep:
            return value
        return tuple(_lookup(item, tail.split("."))[1] for item in value)

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.doc.get(name)
        return value if isinstance(value, Mapping) else MappingProxyType({})

    @property
    def accelerators(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(a for a in self.doc.get("accelerators") or () if isinstance(a, Mapping))

    def framework(self, fw: str) -> Mapping[str, Any]:
        return self.section("frameworks").get(fw) or MappingProxyType({})

    def to_dict(self) -> dict[str, Any]:
        return thaw(self.doc)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)


def now_utc() -> str:
    return (
        _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )
