"""Why a smoke run failed: classify a child's exit, stderr and phase into a cause and a fix.

The table below is the one place the plain-language causes and the exact fixes live.

A full disk (ENOSPC) or an exhausted quota (EDQUOT) is named as such wherever it shows: in the
child's error, in its stderr, or by the disk that holds the run's log having no room left. Then
nothing can be said about the framework: the run "could not record", and the fix is disk space,
never a reinstall.
"""

from __future__ import annotations

import enum
import errno
import os
import re
import signal
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from recommender.core.catalog import BACKEND_FRAMEWORK, FRAMEWORK_IDS, Framework, pip_name


class FailureKind(str, enum.Enum):
    IMPORT_ERROR = "import_error"
    NUMPY_ABI = "numpy_abi"
    PROTOBUF = "protobuf"
    ILLEGAL_INSTRUCTION = "illegal_instruction"
    KILLED = "killed"
    IMPORT_TIMEOUT = "import_timeout"
    TRAIN_TIMEOUT = "train_timeout"
    DEVICE_UNUSABLE = "device_unusable"
    CRASHED = "crashed"
    NOT_CONVERGED = "not_converged"
    DISK_FULL = "disk_full"
    OUT_OF_MEMORY = "out_of_memory"

    def __str__(self) -> str:  # its name in every message (3.11 formats a str enum as Cls.NAME)
        return self.value


#: kind -> (cause, fix). ``{pkg}`` is the framework's pip name, ``{fw}`` its id, ``{budget}``
#: the budget that ran out, ``{device}`` the device. ``{install}`` becomes ``{install_<fw>}``,
#: which the commands fill with the install planner's command for this machine and device
#: (``decide/install/hints.py``): no fix here carries a pip line of its own (issue 26).
FAILURES: Mapping[FailureKind, tuple[str, str]] = {
    FailureKind.IMPORT_ERROR: (
        "importing {fw} failed: {detail}",
        "{install} --force-reinstall   (then: dlrec smoke --fresh --framework {fw})",
    ),
    FailureKind.NUMPY_ABI: (
        "{fw} was built against another NumPy major version than the one installed ({detail})",
        'pip install "numpy<2"   (or a {fw} release built for NumPy 2: {install} --upgrade)',
    ),
    FailureKind.PROTOBUF: (
        "the installed protobuf is incompatible with {fw}'s generated code ({detail})",
        "{install} --upgrade protobuf   (or, slower: export PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python)",
    ),
    FailureKind.ILLEGAL_INSTRUCTION: (
        "{fw} crashed with SIGILL: this CPU lacks an instruction the wheel needs (TensorFlow wheels need AVX)",
        "use a CPU with AVX, or a build without it: conda install -c conda-forge {pkg}",
    ),
    FailureKind.OUT_OF_MEMORY: (
        "{fw} ran out of memory{detail}: this machine's fault, not the install's",
        "free memory (other programs, a smaller --threads) or raise the memory limit (the "
        "container's, the cgroup's memory.max, ulimit -v), then: dlrec smoke --fresh --framework {fw}",
    ),
    FailureKind.KILLED: (
        "{fw} was killed (SIGKILL), most likely out of memory{detail}",
        "free memory or raise the container's memory limit, then: dlrec smoke --fresh --framework {fw}",
    ),
    FailureKind.IMPORT_TIMEOUT: (
        "importing {fw} did not finish within {budget:g}s",
        "rerun with a longer budget: dlrec smoke --fresh --framework {fw} --import-timeout {budget2:g}",
    ),
    FailureKind.TRAIN_TIMEOUT: (
        "{fw} imported but training on {device} did not finish within {budget:g}s",
        "rerun with a longer budget: dlrec smoke --fresh --framework {fw} --timeout {budget2:g}",
    ),
    FailureKind.DEVICE_UNUSABLE: (
        "{fw} cannot use {device}: {detail}",
        "check the driver with `dlrec probe --deep`, or smoke the cpu only: dlrec smoke --device cpu",
    ),
    FailureKind.CRASHED: (
        "{fw} crashed: {detail}",
        "read the log below; reinstall with: {install} --force-reinstall",
    ),
    FailureKind.DISK_FULL: (
        "{fw} on {device}: could not record: {detail}; this says nothing about {fw} itself",
        "free space (or quota) on the disk holding {where}, or point DLREC_CACHE_DIR at a disk "
        "with room, then: dlrec smoke --fresh --framework {fw}",
    ),
    FailureKind.NOT_CONVERGED: (
        "{fw} trained but the loss did not fall enough ({detail})",
        "rerun with more steps: dlrec smoke --fresh --framework {fw} --steps 200; if it persists, "
        "{fw}'s numerics on {device} are suspect",
    ),
}

_PIP_NAMES = {fw: pip_name(fw) for fw in FRAMEWORK_IDS}

# Patterns in the child's stderr or error message, checked in order.
_PATTERNS: tuple[tuple[FailureKind, re.Pattern[str]], ...] = (
    (
        FailureKind.NUMPY_ABI,
        re.compile(
            r"numpy\.dtype size changed|compiled using NumPy 1\.x cannot be run in\s+NumPy 2"
            r"|_ARRAY_API not found|numpy\.core\.multiarray failed to import|module compiled against "
            r"(?:ABI|API) version",
            re.I,
        ),
    ),
    (
        FailureKind.PROTOBUF,
        re.compile(
            r"Descriptors cannot be created directly|Descriptors cannot not be created directly"
            r"|google\.protobuf.*(?:has no attribute|cannot import name)",
            re.I,
        ),
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmokeFailure:
    """A failed run's cause and fix, as the JSON ``error`` object."""

    kind: FailureKind
    message: str
    fix: str
    log: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "message": self.message, "fix": self.fix, "log": self.log}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> SmokeFailure:
        return cls(
            kind=FailureKind(doc["kind"]),
            message=str(doc["message"]),
            fix=str(doc["fix"]),
            log=doc.get("log"),
        )


def failure(
    kind: FailureKind,
    *,
    framework: str,
    device: str = "cpu",
    detail: str = "",
    budget: float = 0.0,
    log: str | None = None,
) -> SmokeFailure:
    cause, fix = FAILURES[kind]
    fields = {
        "where": os.path.dirname(log) if log else "dlrec's cache",
        "fw": framework,
        "pkg": _PIP_NAMES.get(framework, framework),
        "install": "{install_" + framework + "}",
        "device": device,
        "detail": detail,
        "budget": budget,
        "budget2": max(1.0, budget * 2),
    }
    return SmokeFailure(
        kind=kind, message=cause.format(**fields), fix=fix.format(**fields), log=log
    )


def last_error_line(text: str) -> str:
    """The most telling line of a traceback or log: the last ``SomethingError: ...`` line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in reversed(lines):
        if re.match(r"^[\w.]+(Error|Exception|Interrupt)\b", line):
            return line[:300]
    return lines[-1][:300] if lines else "no error output"


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildExit:
    """What the parent saw of a finished (or killed) child."""

    returncode: int | None
    phase: str  # "import" or "train": how far the child got
    timed_out: bool = False
    budget: float = 0.0
    error: Mapping[str, Any] | None = None  # the child's own {"error": ...} line
    stderr_tail: str = ""
    oom_kills: int = 0  # cgroup memory.events oom_kill increase during the run


#: TensorFlow's log when it finds the driver but not the CUDA libraries:
#: "Could not load dynamic library 'libcudnn.so.8'; dlerror: ..." then "Cannot dlopen some GPU
#: libraries. Please make sure the missing libraries mentioned above are installed properly".
_DLOPEN = re.compile(r"Cannot dlopen some GPU libraries")
_MISSING_LIB = re.compile(r"Could not load dynamic library '([^']+)'")
_DLOPEN_FIX = (
    "install the CUDA libraries as wheels beside TensorFlow: {install} "
    "(or put the missing libraries' folder on LD_LIBRARY_PATH)"
)


def missing_gpu_libraries(text: str, log: str | None) -> str | None:
    """ "cannot dlopen libcudnn.so.8, libcublas.so.12" from TensorFlow's log, or None."""
    if log:
        try:
            with open(log, "rb") as handle:  # the whole log: the lines come at import time
                text = f"{handle.read(1 << 20).decode('utf-8', 'replace')}\n{text}"
        except OSError:
            pass
    if not _DLOPEN.search(text):
        return None
    names = list(dict.fromkeys(_MISSING_LIB.findall(text)))
    listed = ", ".join(names[:8]) if names else "the libraries named in the log"
    return f"TensorFlow cannot dlopen {listed}"


#: The process itself could not get memory (a MemoryError at import is no broken install).
_OUT_OF_MEMORY = re.compile(
    r"\bMemoryError\b|std::bad_alloc|Cannot allocate memory|failed to allocate memory"
    r"|\bout of memory\b|Resource exhausted: OOM",
    re.IGNORECASE,
)


def classify(ex: ChildExit, *, framework: str, device: str, log: str | None) -> SmokeFailure:
    """Map a failed child's exit to a failure kind, a plain cause and an exact fix."""

    def make(kind: FailureKind, detail: str = "") -> SmokeFailure:
        return failure(
            kind, framework=framework, device=device, detail=detail, budget=ex.budget, log=log
        )

    if ex.timed_out:
        return make(
            FailureKind.IMPORT_TIMEOUT if ex.phase == "import" else FailureKind.TRAIN_TIMEOUT
        )
    message = str((ex.error or {}).get("message") or "")
    text = f"{message}\n{ex.stderr_tail}"
    full = disk_full(text, log)
    if full:
        return make(FailureKind.DISK_FULL, full)
    rc = ex.returncode
    if rc is not None and -rc == signal.SIGKILL and ex.oom_kills:
        detail = f" (killed by the OOM killer: cgroup memory.events counted {ex.oom_kills})"
        return make(FailureKind.OUT_OF_MEMORY, detail)
    if ran_out := _OUT_OF_MEMORY.search(text):
        return make(FailureKind.OUT_OF_MEMORY, f" ({ran_out.group(0)} during {ex.phase})")
    for kind, pattern in _PATTERNS:
        if match := pattern.search(text):
            return make(kind, match.group(0))
    rc = ex.returncode
    if rc is not None and rc < 0:
        if -rc == signal.SIGILL:
            return make(FailureKind.ILLEGAL_INSTRUCTION)
        if -rc == signal.SIGKILL:
            oom = (
                f" (cgroup memory.events counted {ex.oom_kills} OOM kill(s) during the run)"
                if ex.oom_kills
                else ""
            )
            return make(FailureKind.KILLED, oom)
        return make(FailureKind.CRASHED, f"{_signal_name(-rc)} (signal {-rc}) during {ex.phase}")
    child_kind = (ex.error or {}).get("kind")
    if child_kind == "device_unusable":
        missing = missing_gpu_libraries(text, log)
        if missing:
            made = make(FailureKind.DEVICE_UNUSABLE, f"{message}; {missing}")
            return replace(made, fix=_DLOPEN_FIX.format(install="{install_" + framework + "}"))
        return make(FailureKind.DEVICE_UNUSABLE, message)
    if ex.phase == "import":
        made = make(FailureKind.IMPORT_ERROR, message or last_error_line(ex.stderr_tail))
        backend_fix = _keras_backend_fix(text) if framework == Framework.KERAS else None
        return replace(made, fix=backend_fix) if backend_fix else made
    detail = message or last_error_line(ex.stderr_tail)
    return make(FailureKind.CRASHED, f"{detail} (exit status {rc} during training)")


_EDQUOT = getattr(errno, "EDQUOT", 122)  # not on Windows
_NO_SPACE = re.compile(
    rf"\[Errno {errno.ENOSPC}\]|No space left on device|\bENOSPC\b"
    rf"|\[Errno {_EDQUOT}\]|Disk quota exceeded|\bEDQUOT\b",
    re.IGNORECASE,
)
#: Less free space than this on the log's disk: the child could not have written its record.
LOW_SPACE_BYTES = 64 * 1024


def free_bytes(path: str) -> int | None:
    """Free space on the filesystem holding ``path`` for this user (None when unknown)."""
    try:
        st = os.statvfs(path)
    except (AttributeError, OSError):
        return None
    return st.f_bavail * st.f_frsize


def disk_full(text: str, log: str | None) -> str | None:
    """What ran out ("disk full", "disk quota exceeded") when the child's error or stderr says
    so, or the disk holding its log has (almost) no room left; else None."""
    if match := _NO_SPACE.search(text):
        said = match.group(0).lower()
        if "quota" in said or "edquot" in said or f"errno {_EDQUOT}" in said:
            return "disk quota exceeded"
        return "disk full (no space left on device)"
    free = free_bytes(os.path.dirname(log)) if log else None
    if free is not None and free < LOW_SPACE_BYTES:
        return f"disk full ({free:,} bytes free where the run's log is written)"
    return None


_KERAS_UNKNOWN_BACKEND = re.compile(r"Unable to import backend\s*:\s*(\S+)")
_MISSING_MODULE = re.compile(r"No module named '(tensorflow|torch|jax)'")


def _keras_backend_fix(text: str) -> str | None:
    """Keras failing on its configured backend is a configuration problem, not a broken Keras:
    reinstalling keras (the generic import fix) would change nothing."""
    if match := _KERAS_UNKNOWN_BACKEND.search(text):
        return (
            f"Keras has no backend {match.group(1)!r}: export KERAS_BACKEND=tensorflow (or torch, jax), "
            'or correct "backend" in ~/.keras/keras.json   (then: dlrec smoke --fresh --framework keras)'
        )
    if match := _MISSING_MODULE.search(text):
        module = match.group(1)
        first, second = (b for b in ("tensorflow", "torch", "jax") if b != module)
        return (
            f"{{install_{BACKEND_FRAMEWORK.get(module, module)}}}   (the backend Keras is "
            "configured for), or use an installed one: "
            f"export KERAS_BACKEND={first} (or {second})   (then: dlrec smoke --fresh --framework keras)"
        )
    return None


def read_oom_kills(host_root: str = "/") -> int:
    """The cgroup v2 ``memory.events`` oom_kill counter of this process's cgroup (0 if unknown)."""
    from pathlib import Path

    from recommender.probes.base import Host
    from recommender.probes.cgroup import cgroup_file

    text = cgroup_file(Host(root=Path(host_root), env={}), v2="memory.events") or ""
    match = re.search(r"^oom_kill\s+(\d+)", text, re.M)
    return int(match.group(1)) if match else 0
