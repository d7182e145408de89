"""Facts -> rich renderables for ``dlrec probe`` (no probing, no printing here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from recommender.core.catalog import BACKEND_FRAMEWORK, Framework
from recommender.facts.document import Facts
from recommender.report.parts import PartsLine

#: Below this many columns the accelerator table (eight columns) becomes one entry per device.
NARROW = 100

_STATUS_STYLE = {"ok": "green", "absent": "dim", "unknown": "yellow"}


def human_bytes(value: int | None) -> str:
    if value is None:
        return "unknown"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"  # pragma: no cover


def _or_unknown(value: Any) -> str:
    return "unknown" if value is None or value == "" else str(value)


def _system_table(facts: Facts) -> Table:
    py, os_, cpu = facts.section("python"), facts.section("os"), facts.section("cpu")
    mem, disk = facts.section("memory"), facts.section("disk")
    table = Table(title="System", show_header=False, title_justify="left", expand=False)
    table.add_column("item", style="bold")
    table.add_column("value")
    extras = [
        f"WSL {os_['wsl']}" if os_.get("wsl") else None,
        f"container: {os_['container']}" if os_.get("container") else None,
    ]
    table.add_row(
        "Python",
        f"{_or_unknown(py.get('version'))} {py.get('implementation') or ''} "
        f"({py.get('environment') or 'unknown env'}) {py.get('executable') or ''}".strip(),
    )
    table.add_row(
        "OS",
        " ".join(
            str(x)
            for x in (os_.get("distro") or os_.get("system"), os_.get("machine"), os_.get("libc"))
            if x
        )
        + "".join(f", {e}" for e in extras if e),
    )
    flags = cpu.get("flags")
    table.add_row(
        "CPU",
        f"{_or_unknown(cpu.get('model'))}; {_or_unknown(cpu.get('usable_cores'))} of "
        f"{_or_unknown(cpu.get('logical_cores'))} cores usable",
    )
    table.add_row("ISA", "unknown" if flags is None else (", ".join(flags) or "none of interest"))
    limit = mem.get("limit_bytes")
    table.add_row(
        "Memory",
        f"{human_bytes(mem.get('total_bytes'))} total, "
        f"{human_bytes(mem.get('available_bytes'))} available"
        + (f", cgroup limit {human_bytes(limit)}" if limit else ""),
    )
    table.add_row(
        "Disk", f"{human_bytes(disk.get('free_bytes'))} free at {_or_unknown(disk.get('path'))}"
    )
    return table


def _accelerator_lines(accels: Any) -> Group:
    """The narrow form: one entry per accelerator, its fields wrapped at " · " under it."""
    lines: list = [Text("Accelerators", style="italic")]
    for a in accels:
        fields = [
            human_bytes(a.get("memory_bytes")),
            f"compute cap. {_or_unknown(a.get('compute_capability') or a.get('gfx'))}",
            f"driver {_or_unknown(a.get('driver_version'))}",
            f"max CUDA {_or_unknown(a.get('max_cuda'))}",
            "visible" if a.get("visible") else "not visible",
        ]
        lines.append(
            Text(f"{a.get('index', '')} {_or_unknown(a.get('kind'))}: {_or_unknown(a.get('name'))}")
        )
        lines.append(PartsLine(fields, head="    ", indent=4, style="dim"))
    return Group(*lines)


def _accelerator_table(facts: Facts, width: int = 100) -> Table | Text | Group:
    accels = facts.accelerators
    if not accels:
        return Text("Accelerators: none found (see probe statuses below)")
    if width < NARROW:
        return _accelerator_lines(accels)
    table = Table(title="Accelerators", title_justify="left")
    for col in ("#", "kind", "name", "memory", "compute cap.", "driver", "max CUDA", "visible"):
        table.add_column(col)
    for a in accels:
        table.add_row(
            str(a.get("index", "")),
            _or_unknown(a.get("kind")),
            _or_unknown(a.get("name")),
            human_bytes(a.get("memory_bytes")),
            _or_unknown(a.get("compute_capability") or a.get("gfx")),
            _or_unknown(a.get("driver_version")),
            _or_unknown(a.get("max_cuda")),
            "yes" if a.get("visible") else "no",
        )
    return table


def _devices_seen(fw: str, info: Mapping[str, Any], facts: Facts | None) -> str:
    """What ``--deep`` saw: the devices, or for Keras the devices of the backend it runs on."""
    deep = info.get("deep")
    if not isinstance(deep, Mapping):
        return ""
    if not deep.get("ok"):
        return f"import failed: {deep.get('error')}"
    devices = [d for d in deep.get("devices") or [] if isinstance(d, Mapping)]
    backend = next((d.get("name") for d in devices if d.get("type") == "backend"), None)
    if backend is not None:  # Keras: its devices are its backend's
        runs_on = BACKEND_FRAMEWORK.get(str(backend))
        inner = _devices_seen(runs_on, facts.framework(runs_on), None) if runs_on and facts else ""
        return f"via {backend}: {inner}" if inner else f"via {backend}"
    return ", ".join(str(d.get("type")) for d in devices)


def _framework_row(
    fw: str, info: Mapping[str, Any], facts: Facts | None = None
) -> tuple[str, str, str, str]:
    if not info.get("installed"):
        return fw, "not installed", "", ""
    build = info.get("build") or {}
    if fw == Framework.PYTORCH:
        flavour = build.get("flavour") or "unknown"
    elif fw == Framework.TENSORFLOW:
        flavour = (
            f"cuda {build['cuda']}"
            if build.get("cuda")
            else ("rocm" if build.get("rocm") else "cpu")
        )
    elif fw == Framework.KERAS:
        flavour = f"backend {info.get('backend')} ({info.get('backend_source')})"
        if info.get("tf_keras"):
            flavour += f"; tf-keras {info['tf_keras']}"
    else:
        flavour = ", ".join(info.get("plugins") or []) or "cpu"
    seen = _devices_seen(fw, info, facts)
    dist = info.get("distribution")
    version = f"{info.get('version')}" + (f" ({dist})" if dist else "")
    return fw, version, flavour, seen


def _framework_table(facts: Facts) -> Table:
    table = Table(title="Frameworks", title_justify="left")
    for col in ("framework", "version", "build", "devices seen (--deep)"):
        table.add_column(col)
    for fw in ("tensorflow", "pytorch", "keras", "jax"):
        table.add_row(*_framework_row(fw, facts.framework(fw), facts))
    return table


def _probe_table(facts: Facts) -> Table:
    table = Table(title="Probes", title_justify="left")
    for col in ("probe", "status", "time", "detail"):
        table.add_column(col)
    for name, entry in (facts.section("probes") or {}).items():
        status = str(entry.get("status"))
        table.add_row(
            name,
            Text(status, style=_STATUS_STYLE.get(status, "")),
            f"{float(entry.get('seconds') or 0) * 1000:.0f} ms",
            entry.get("reason") or "",
        )
    return table


def render_facts(facts: Facts, *, show_timing: bool = True, width: int = 100) -> Group:
    """System, accelerators (one entry per device below ``NARROW`` columns), frameworks, and
    the probes' statuses."""
    parts: list = [
        _system_table(facts),
        _accelerator_table(facts, width),
        _framework_table(facts),
    ]
    if show_timing:
        parts.append(_probe_table(facts))
    for warning in facts.get("warnings") or ():
        parts.append(Text(f"warning: {warning}", style="yellow"))
    return Group(*parts)
