"""frameworks: TensorFlow, PyTorch, Keras (and JAX, for information) without importing them.

Versions come from package metadata, the build flavour from installed files
(``torch/version.py``, ``tensorflow/python/platform/build_info.py``) read as text and parsed as
literals, and the Keras backend from ``KERAS_BACKEND`` or ``~/.keras/keras.json``.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

from recommender.core.catalog import JAX_PLUGINS, KERAS_CONFIG_BACKENDS, TF_DISTRIBUTIONS
from recommender.probes._dists import Dist, Installed
from recommender.probes.base import Host, ProbeResult, probe

TORCH_DISTRIBUTIONS = ("torch",)
KERAS_BACKENDS = KERAS_CONFIG_BACKENDS


def _read(dist: Dist, relpath: str) -> str | None:
    try:
        path = Path(str(dist.locate_file(relpath)))
        return path.read_text("utf-8", "replace") if path.is_file() else None
    except OSError:
        return None


def _assignments(source: str) -> dict[str, object]:
    """Top-level ``NAME = literal`` and ``NAME: T = literal`` from a module, never executed."""
    values: dict[str, object] = {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return values
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            if isinstance(value, ast.Call) and value.args:  # OrderedDict([...]) in build_info.py
                value = value.args[0]
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return values


def _tensorflow(site: Installed) -> tuple[dict, list[str]]:
    found = [(n, d) for n in TF_DISTRIBUTIONS if (d := site.distribution(n)) is not None]
    if not found:
        return {"installed": False}, []
    name, dist = found[0]
    warnings = []
    if len(found) > 1:
        listed = ", ".join(f"{n} {d.version}" for n, d in found)
        warnings.append(
            f"several TensorFlow distributions are installed ({listed}); they overwrite "
            "each other's files: uninstall all but one"
        )
    raw = _assignments(_read(dist, "tensorflow/python/platform/build_info.py") or "").get(
        "build_info"
    )
    info = dict(raw) if isinstance(raw, (dict, list)) else {}
    build = {
        "cuda": info.get("cuda_version") or (None if not info.get("is_cuda_build") else "unknown"),
        "cudnn": info.get("cudnn_version"),
        "rocm": bool(info.get("is_rocm_build", False)),
        "known": bool(info),
    }
    return {
        "installed": True,
        "version": dist.version,
        "distribution": name,
        "distributions": [n for n, _ in found],
        "build": build,
    }, warnings


def _pytorch(site: Installed) -> tuple[dict, list[str]]:
    dist = site.distribution("torch")
    if dist is None:
        return {"installed": False}, []
    values = _assignments(_read(dist, "torch/version.py") or "")
    cuda, hip, xpu = values.get("cuda"), values.get("hip") or values.get("rocm"), values.get("xpu")
    if cuda:
        flavour = f"cuda {cuda}"
    elif hip:
        flavour = f"rocm {hip}"
    elif xpu:
        flavour = f"xpu {xpu}"
    else:
        flavour = "cpu" if values else "unknown"
    return {
        "installed": True,
        "version": dist.version,
        "distribution": "torch",
        "build": {
            "flavour": flavour,
            "cuda": str(cuda) if cuda else None,
            "rocm": str(hip) if hip else None,
            "xpu": str(xpu) if xpu else None,
        },
    }, []


#: What a Keras backend name looks like (tensorflow, torch, jax, numpy, openvino). Any other value
#: (``KERAS_BACKEND=../../evil``) is reported as INVALID_BACKEND, with a warning that quotes it,
#: so it never reaches a smoke run's label or its log file's name.
_BACKEND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
INVALID_BACKEND = "invalid"


def keras_config(host: Host) -> tuple[str, str]:
    """(backend, where it came from): env var, keras.json, or the default."""
    backend, source = _configured_backend(host)
    return (backend if _BACKEND_NAME.match(backend) else INVALID_BACKEND), source


def _configured_backend(host: Host) -> tuple[str, str]:
    env_backend = host.env.get("KERAS_BACKEND")
    if env_backend:
        return env_backend, "KERAS_BACKEND"
    keras_home = host.env.get("KERAS_HOME") or os.path.join(
        host.env.get("HOME") or os.path.expanduser("~"), ".keras"
    )
    config = Path(keras_home) / "keras.json"
    try:
        doc = json.loads(config.read_text("utf-8"))
        if isinstance(doc, dict) and isinstance(doc.get("backend"), str):
            return doc["backend"], str(config)
    except (OSError, ValueError):
        pass
    return "tensorflow", "default"


def _keras(host: Host, site: Installed) -> tuple[dict, list[str]]:
    dist = site.distribution("keras")
    tf_keras = site.distribution("tf-keras") or site.distribution("tf_keras")
    if dist is None:
        return {
            "installed": False,
            "tf_keras": tf_keras.version if tf_keras else None,
            "legacy_keras_env": host.env.get("TF_USE_LEGACY_KERAS"),
        }, []
    backend, source = keras_config(host)
    major = int(m.group(1)) if (m := re.match(r"(\d+)", dist.version or "")) else None
    warnings = []
    if major is not None and major >= 3 and backend not in KERAS_BACKENDS:
        given = _configured_backend(host)[0] if backend == INVALID_BACKEND else backend
        warnings.append(
            f"Keras backend {given!r:.80} (from {source}) is not one of {', '.join(KERAS_BACKENDS)}"
        )
    return {
        "installed": True,
        "version": dist.version,
        "major": major,
        "distribution": "keras",
        "backend": backend,
        "backend_source": source,
        "tf_keras": tf_keras.version if tf_keras else None,
        "legacy_keras_env": host.env.get("TF_USE_LEGACY_KERAS"),
    }, warnings


def _jax(site: Installed) -> dict:
    dist = site.distribution("jax")
    if dist is None:
        return {"installed": False}
    jaxlib = site.distribution("jaxlib")
    plugins = [n for n in JAX_PLUGINS if site.distribution(n) is not None]
    return {
        "installed": True,
        "version": dist.version,
        "jaxlib": jaxlib.version if jaxlib else None,
        "plugins": plugins,
        "build": _jax_build(plugins),
    }


def _jax_build(plugins: list[str]) -> dict:
    """jaxlib itself is CPU-only; accelerators come as plugin wheels (jax[cuda13] installs
    jax-cuda13-plugin, jax[tpu] installs libtpu). The first plugin found names the build."""
    for name in plugins:
        flavour, _, cuda = JAX_PLUGINS[name].partition(":")
        return {"flavour": flavour, "cuda": cuda or None, "known": True}
    return {"flavour": "cpu", "cuda": None, "known": True}


@probe("frameworks", section="frameworks", budget_s=4.0)
def frameworks_probe(host: Host) -> ProbeResult:
    site = Installed()  # sys.path's folders, each listed once for all the names below
    tf, tf_warn = _tensorflow(site)
    pt, pt_warn = _pytorch(site)
    ks, ks_warn = _keras(host, site)
    return ProbeResult.ok(
        {"tensorflow": tf, "pytorch": pt, "keras": ks, "jax": _jax(site)},
        warnings=[*tf_warn, *pt_warn, *ks_warn],
    )
