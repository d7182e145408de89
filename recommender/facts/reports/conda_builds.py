"""What a conda build string says about a framework package that comes in CPU and GPU builds.

conda names a package ``name-version-build``; for the deep-learning frameworks the build string
is where the CPU and the CUDA variants differ (the version is the same). The channels' own
recipes fix the conventions (verified: 2026-12-05):

- conda-forge (pytorch, libtorch, pytorch-cpu/-gpu, tensorflow, tensorflow-base, libtensorflow,
  jaxlib): ``cuda{CUDA without the dot}[_{blas}]_py{py}h{hash}_{n}`` and ``cpu_[{blas}_]py{py}h…``
  (conda-forge/pytorch-cpu-feedstock recipe/meta.yaml: ``cuda126_mkl_py312_h…``,
  ``cpu_generic_py312_h…``; conda-forge/tensorflow-feedstock recipe/meta.yaml:
  ``cuda120py311h…``, ``cpu_py311h…``; conda-forge/jaxlib-feedstock recipe/recipe.yaml:
  ``cuda126_py312h…``, older ``cpu_py311h…``).
- anaconda's defaults channel: pytorch ``cuda113py38h…`` / ``cpu_py38h…`` (2019-2022), then
  ``gpu_cuda121_py312h…``, ``gpu_mps_py312h…`` (Apple's Metal) and ``cpu_mkl_py312h…``
  (AnacondaRecipes/pytorch-feedstock recipe/meta.yaml); tensorflow and tensorflow-base
  ``gpu_py37h…``, ``mkl_py37h…``, ``eigen_py37h…`` (AnacondaRecipes/tensorflow_recipes: the
  mkl and eigen variants are CPU builds).
- anaconda's selector meta-packages, which pin the variant the solver picks: ``_tflow_select``
  with build ``gpu``, ``mkl`` or ``eigen`` (AnacondaRecipes/tensorflow_recipes _tflow_select), and
  ``_pytorch_select`` 0.1 for the CPU variant, 0.2 for the GPU one (build ``cpu_0`` / ``gpu_0``;
  AnacondaRecipes/pytorch-feedstock recipe/meta.yaml at 0efd15f, 2019).
- the pytorch channel: ``py3.10_cuda11.8_cudnn8.7.0_0`` and ``py3.10_cpu_0``, and its selector
  ``pytorch-mutex`` 1.0 with build ``cpu`` or ``cuda`` (anaconda.org/pytorch/pytorch-mutex/files).
"""

from __future__ import annotations

import re

from recommender.core.catalog import Framework

#: conda package name -> the framework whose build it is.
BUILD_OF: dict[str, Framework] = {
    "pytorch": Framework.PYTORCH,
    "torch": Framework.PYTORCH,
    "libtorch": Framework.PYTORCH,
    "pytorch-cpu": Framework.PYTORCH,
    "pytorch-gpu": Framework.PYTORCH,
    "_pytorch_select": Framework.PYTORCH,
    "pytorch-mutex": Framework.PYTORCH,
    # the pytorch channel's nightly package before 2020 (anaconda.org/pytorch/pytorch-nightly:
    # builds py3.7_cuda10.0.130_cudnn7.5.1_0 and py3.7_cpu_0)
    "pytorch-nightly": Framework.PYTORCH,
    "tensorflow": Framework.TENSORFLOW,
    "tensorflow-base": Framework.TENSORFLOW,
    "tensorflow-gpu": Framework.TENSORFLOW,
    "tensorflow-cpu": Framework.TENSORFLOW,
    "libtensorflow": Framework.TENSORFLOW,
    "libtensorflow_cc": Framework.TENSORFLOW,
    "_tflow_select": Framework.TENSORFLOW,
    "jaxlib": Framework.JAX,
}
#: The meta-packages whose name is the variant (conda-forge's pytorch-cpu/-gpu,
#: tensorflow-cpu/-gpu): any build of them is that variant.
_NAMED = {
    "pytorch-cpu": "cpu",
    "pytorch-gpu": "cuda",
    "tensorflow-cpu": "cpu",
    "tensorflow-gpu": "cuda",
}
#: ``py3.10_cuda11.8_cudnn8.7.0_0`` (pytorch channel): CUDA with its dot.
_DOTTED = re.compile(r"(?:^|_)cuda([0-9]{1,2}\.[0-9])(?:_|$)")
#: ``cuda120py311h…``, ``cuda126_mkl_py312_h…``, ``gpu_cuda121_py312h…``: CUDA without the dot,
#: the last digit its minor release.
_UNDOTTED = re.compile(r"^(?:gpu_)?cuda([0-9]{2,3})(?:_|py|h|$)")
#: The CPU variants' leading words: ``cpu_…``; for TensorFlow also anaconda's ``mkl_…`` /
#: ``eigen_…``.
_CPU_HEADS = ("cpu_", "mkl_", "eigen_")
_CPU_WORDS = ("cpu", "mkl", "eigen")
#: pytorch-mutex's builds: the variant it selects.
_MUTEX_FLAVOUR = {"cpu": "cpu", "cuda": "cuda"}


def conda_flavour(name: str, version: str, build: str) -> dict[str, str]:
    """The build a conda row proves for ``name`` (one of BUILD_OF): ``{"flavour": "cpu"}``,
    ``{"flavour": "cuda", "cuda": "12.0"}``, ``{"flavour": "cuda"}``; nothing where the build
    string does not say (a noarch build, an unknown convention, anaconda's ``gpu_mps`` build for
    Apple's GPU, which is neither)."""
    build = build.lower()
    if not build or build == "pypi_0":
        return {}
    if name in _NAMED:
        return {"flavour": _NAMED[name]}
    if name == "_pytorch_select":
        if build.startswith("cpu") or version == "0.1":
            return {"flavour": "cpu"}
        if build.startswith("gpu") or version == "0.2":
            return {"flavour": "cuda"}
        return {}
    if name == "pytorch-mutex":  # the pytorch channel's variant selector: build cpu or cuda
        return {"flavour": _MUTEX_FLAVOUR[build]} if build in _MUTEX_FLAVOUR else {}
    if name == "_tflow_select":
        if build in _CPU_WORDS:
            return {"flavour": "cpu"}
        return {"flavour": "cuda"} if build == "gpu" else {}
    dotted = _DOTTED.search(build)
    if dotted:
        return {"flavour": "cuda", "cuda": dotted.group(1)}
    undotted = _UNDOTTED.match(build)
    if undotted:
        digits = undotted.group(1)
        return {"flavour": "cuda", "cuda": f"{int(digits[:-1])}.{digits[-1]}"}
    if build.startswith("gpu_mps"):
        return {}
    if build.startswith("gpu_"):
        return {"flavour": "cuda"}
    heads = _CPU_HEADS if BUILD_OF.get(name) is Framework.TENSORFLOW else _CPU_HEADS[:1]
    if build.startswith(heads) or "_cpu_" in build or build.endswith("_cpu"):
        return {"flavour": "cpu"}
    return {}


#: A conda list row quoted inside a sentence ("I have pytorch   2.3.1   cpu_generic_py310h…_0
#: conda-forge installed"): a framework package, then version, build and channel each after two or
#: more spaces, as conda list aligns its columns (a sentence does not).
QUOTED_ROW = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<name>pytorch|torch|libtorch|pytorch-cpu|pytorch-gpu|tensorflow"
    r"|tensorflow-base|jaxlib) {2,40}(?P<version>[0-9][0-9A-Za-z.+]{0,30}) {2,40}"
    r"(?P<build>[A-Za-z0-9_.]{2,80}) {2,40}(?P<channel>[a-z][a-z0-9_-]{1,30})(?![A-Za-z0-9_/-])"
)
