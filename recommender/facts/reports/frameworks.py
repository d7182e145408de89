"""The framework half of a collect_env report: the torch build, and the pip/conda lists.

Per ``torch/utils/collect_env.py`` (all versions read, see text.py):

- every PyTorch field is "N/A" when ``import torch`` failed in the interpreter that ran it;
- "CUDA used to build PyTorch" is ``torch.version.cuda``; when it is None collect_env prints
  "None" if no NVIDIA tool answered and CUDA is unavailable (the "No CUDA" case), and "Could
  not collect" otherwise: both mean a build without CUDA. A ROCm build prints "N/A" there and
  its HIP version under "ROCM used to build PyTorch" ("N/A" means not a ROCm build);
- torch <= 1.6 printed booleans as Yes/No, later versions as True/False;
- the library lists are ``pip list --format=freeze`` and ``conda list`` filtered to names
  containing torch, numpy, ... (so a framework missing from them is unknown, never absent);
  conda rows on channel ``pypi`` are pip installs seen by conda, not a second install.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from recommender.core.catalog import Accelerator, Framework
from recommender.facts.reports.devices import cuda_warning
from recommender.facts.reports.host import compact, known
from recommender.facts.reports.text import Report

_VERSION = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{1,4}){0,3}$", re.ASCII)
_TF_NAMES = (
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tensorflow-macos",
    "tensorflow-intel",
    "tensorflow-rocm",
    "tf-nightly",
)


def boolean(value: str | None) -> bool | None:
    """True/False (torch >= 1.7) or Yes/No (<= 1.6); anything else is unknown."""
    return {"true": True, "yes": True, "false": False, "no": False}.get(
        (value or "").strip().lower()
    )


def packages(report: Report) -> tuple[dict[str, str], dict[str, str]]:
    """({pip name: version}, {conda name: version}) from the library lists."""
    pip: dict[str, str] = {}
    for row in report.pip:
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]{0,80})\s*(?:==|@)\s*(\S{1,80})", row)
        if match:
            pip.setdefault(match.group(1).lower().replace("_", "-"), match.group(2))
    conda: dict[str, str] = {}
    for row in report.conda:
        parts = row.split()
        if len(parts) >= 2 and (len(parts) < 4 or parts[3] != "pypi"):
            conda.setdefault(parts[0].lower(), parts[1])
    return pip, conda


def _cuda_suffix(version: str) -> tuple[str | None, str | None]:
    """The wheel's local version: ``+cu121`` -> (cuda, "12.1"), ``+rocm5.6`` -> (rocm, "5.6")."""
    match = re.search(r"\+(cu([0-9]{2,3})|rocm([0-9.]{1,10})|cpu|xpu)\b", version, re.ASCII)
    if not match:
        return None, None
    if match.group(2):
        digits = match.group(2)
        return "cuda", f"{int(digits[:-1])}.{digits[-1]}"
    if match.group(3):
        return "rocm", match.group(3).rstrip(".")
    return match.group(1), None


def _from_lines(fields: Mapping[str, str], version: str | None) -> dict[str, object]:
    """The build as the "... used to build PyTorch" lines state it."""
    cuda, rocm = fields.get("cuda_build", ""), fields.get("rocm_build", "")
    xpu = known(fields.get("xpu_build"))
    if _VERSION.match(cuda):
        return {"flavour": "cuda", "cuda": cuda}
    if known(rocm):
        return {"flavour": "rocm", "rocm": known(rocm)}
    if xpu:
        return {"flavour": "xpu", "xpu": xpu}
    if cuda in ("None", "Could not collect"):  # torch.version.cuda is None: no CUDA in it
        # An XPU build has no CUDA either; only its "+xpu" version or a live XPU tells.
        xpu_build = boolean(fields.get("xpu_available")) or (
            _cuda_suffix(version or "")[0] == Accelerator.XPU
        )
        return {"flavour": "xpu" if xpu_build else "cpu"}
    return {}


def build_facts(
    fields: Mapping[str, str], version: str | None, arch: list[str] | None = None
) -> dict[str, object]:
    """build.flavour/cuda/rocm/xpu from the build lines, else the version suffix, else the
    fact that CUDA (not HIP: "HIP runtime version: N/A") is available."""
    build = _from_lines(fields, version)
    if not build and version:
        flavour, number = _cuda_suffix(version)
        if flavour:
            build = {"flavour": flavour, flavour: number} if number else {"flavour": flavour}
    if not build and boolean(fields.get("cuda_available")):
        hip = fields.get("hip_runtime")
        build = {"flavour": "cuda"} if hip == "N/A" else ({"flavour": "rocm"} if known(hip) else {})
    return compact(
        {
            **build,
            "known": True if build else None,
            "debug": boolean(fields.get("debug")),
            "channel": _channel(version),
            "hip_runtime": known(fields.get("hip_runtime")),
            "miopen": known(fields.get("miopen")),
            "arch_list": arch or None,
        }
    )


def _channel(version: str | None) -> str | None:
    """Where a torch version comes from, as its spelling shows."""
    if not version:
        return None
    if re.search(r"\.nv[0-9]{2}\.[0-9]{2}", version):
        return "nvidia"  # NGC containers and JetPack wheels: 2.0.0a0+1767026.nv23.02
    if re.search(r"\.dev[0-9]{8}", version):
        return "nightly"
    if re.search(r"a0\+(?:git)?[0-9a-f]{7,}", version):
        return "source"  # a local build: 2.0.0a0+git7f2b5ea
    return (
        "release"
        if re.match(r"^[0-9]+\.[0-9]+\.[0-9]+(?:\.post[0-9]+)?(?:\+[\w.]+)?$", version)
        else None
    )


def _installed(fields: Mapping[str, str], pip: Mapping[str, str]) -> bool | None:
    version = fields.get("torch_version")
    if known(version) or Framework.PYTORCH.info.pip in pip:
        return True
    if version == "N/A":
        return False  # `import torch` failed where collect_env ran, and pip lists no torch
    torch_said = (
        boolean(fields.get(k)) is not None for k in ("cuda_available", "debug", "xnnpack")
    )
    return True if any(torch_said) else None


def _base(version: str) -> str:
    return version.split("+", 1)[0]


def install_warnings(
    version: str | None, pip: Mapping[str, str], conda: Mapping[str, str], fields: Mapping[str, str]
) -> list[str]:
    """Second installs and stale metadata the lists show next to the torch that ran."""
    out = []
    if fields.get("torch_version") == "N/A":
        out.append(
            "PyTorch could not be imported where collect_env ran (every PyTorch field "
            "is N/A): it is not installed in that interpreter, or its install is broken"
        )
    if version and Framework.PYTORCH.info.pip in pip and _base(pip["torch"]) != _base(version):
        out.append(
            f"pip lists torch=={pip['torch']} but the torch that ran is {version}: two "
            "installs, or stale metadata from an earlier install"
        )
    if version and Framework.PYTORCH in conda and _base(conda["pytorch"]) != _base(version):
        out.append(
            f"conda lists pytorch {conda['pytorch']} but the torch that ran is {version}: "
            "conda and pip installs are mixed in one environment"
        )
    return out


def pytorch_facts(
    report: Report, pip: Mapping[str, str], conda: Mapping[str, str], arch: list[str] | None
) -> dict[str, object]:
    """frameworks.pytorch: installed, version, build, and what torch said about CUDA."""
    fields = report.fields
    installed = _installed(fields, pip)
    if installed is None:
        return {}
    version = known(fields.get("torch_version")) or (pip.get("torch") if installed else None)
    loading = known(fields.get("module_loading"))
    return compact(
        {
            "installed": installed,
            "version": version,
            "distribution": "torch" if Framework.PYTORCH.info.pip in pip else None,
            "build": build_facts(fields, version, arch) if installed else None,
            "importable": False if fields.get("torch_version") == "N/A" else None,
            "cuda_available": boolean(fields.get("cuda_available")),
            "cuda_module_loading": loading,
            "xpu_available": boolean(fields.get("xpu_available")),
            "cuda_warning": cuda_warning(report.flat),
            "torchvision": pip.get("torchvision") or conda.get("torchvision"),
            "torchaudio": pip.get("torchaudio") or conda.get("torchaudio"),
        }
    )


def other_frameworks(pip: Mapping[str, str], conda: Mapping[str, str]) -> dict[str, object]:
    """TensorFlow, Keras and JAX, only where a list happens to show them (installed + version).
    collect_env filters its lists to torch-like names, so their absence says nothing."""
    out: dict[str, object] = {}
    seen = {**conda, **pip}
    tf = [name for name in _TF_NAMES if name in seen]
    if tf:
        out["tensorflow"] = {
            "installed": True,
            "version": seen[tf[0]],
            "distribution": tf[0],
            "distributions": tf,
        }
    if Framework.KERAS in seen:
        major = re.match(r"([0-9]{1,2})\.", seen["keras"], re.ASCII)
        out["keras"] = compact(
            {
                "installed": True,
                "version": seen["keras"],
                "major": int(major.group(1)) if major else None,
            }
        )
    if Framework.JAX in seen:
        out["jax"] = compact(
            {"installed": True, "version": seen["jax"], "jaxlib": seen.get("jaxlib")}
        )
    return out


def package_lists(report: Report) -> dict[str, object]:
    """The library lists as printed (pip ``name==version``, conda ``name version build chan``)."""
    pip = [" ".join(row.split()) for row in report.pip if known(row)]
    conda = [" ".join(row.split()) for row in report.conda if known(row)]
    return compact({"pip": pip or None, "conda": conda or None})
