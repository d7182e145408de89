"""A library's own published requirements, above the framework, as cited data:

* rules/platform_wheels.yaml (recommender/maintainer/platform_wheels.py, from pip's answers per
  platform): a release the paste names on a platform its wheels do not cover is a
  no-matching-wheel warning; a wheel file built for a platform the index has no wheel of that
  release for is a build from elsewhere (a version-mismatch warning);
* rules/companions.yaml, widened to sglang (its ``srt`` extra held its torch and flashinfer pins):
  a release next to another release of what it pins is a version mismatch.

Pastes written here, each with a healthy twin that stays quiet."""

from __future__ import annotations

from collections.abc import Sequence

from packaging.version import Version

from recommender.maintainer import platform_wheels as rp
from recommender.maintainer import refresh_companions as rc
from recommender.probes.process import CommandResult
from recommender.rulebase.platform_wheels import Library, load
from tests.pastes import categories, fails, run, signature_ids

# --- the generated table ---------------------------------------------------------------------------


def test_the_committed_table_loads_and_knows_the_platform_gaps() -> None:
    table = load()
    assert Version("2.2.2") in table["torch"].wheels["macos-x86_64"]
    assert Version("2.3.0") not in table["torch"].wheels["macos-x86_64"]
    assert not table["vllm"].wheels["windows"]
    assert Version("0.43.0") in table["bitsandbytes"].built("windows")
    assert Version("0.42.0") in table["bitsandbytes"].pure


def _runner(argv: Sequence[str]) -> CommandResult:
    args = tuple(argv)
    if "index" in args:
        return CommandResult(
            argv=args, returncode=0, stdout="lib (2.0)\nAvailable versions: 2.0, 1.0\n"
        )
    platforms = {args[i + 1] for i, a in enumerate(args) if a == "--platform"}
    found = "1.0, 2.0, 2.1rc1" if "win_amd64" in platforms or "any" in platforms else ""
    if "manylinux_2_17_x86_64" in platforms:
        found = "1.0, 2.0"
    if "any" in platforms:
        found = "1.0"
    err = f"ERROR: Could not find a version that satisfies the requirement lib<0 (from versions: {found or 'none'})"
    return CommandResult(argv=args, returncode=1, stderr=err)


def test_a_refresh_reads_pips_versions_per_platform_and_renders_a_loadable_table(tmp_path) -> None:
    assert rp.wheel_releases("python", _runner, "lib", "windows", "3.10") == {"1.0", "2.0"}
    assert rp.wheel_releases("python", _runner, "lib", "macos-arm64", "3.10") == set()
    row = {"releases": ["1.0", "2.0"], "pure": ["1.0"], "windows": ["1.0", "2.0"]}
    out = tmp_path / "t.yaml"
    out.write_text(rp.render({"lib": row}, "2026-12-06"), encoding="utf-8")
    lib = load(out)["lib"]
    assert lib.built("windows") == {Version("2.0")}
    assert lib.wheels["macos-arm64"] == frozenset()


def test_companion_pins_keep_an_extra_named_for_the_package() -> None:
    reqs = ['torch==2.5.1; extra == "srt"', 'flashinfer-python==0.2.0; extra == "srt"', "numpy"]
    assert rc.pins_of(reqs, ("torch", "flashinfer-python")) == {}
    assert rc.pins_of(reqs, ("torch", "flashinfer-python"), ("srt",)) == {
        "torch": "==2.5.1",
        "flashinfer-python": "==0.2.0",
    }


# --- a release with no wheel for the paste's platform ---------------------------------------------

_HF = """- Platform: {platform}
- Python version: 3.11.9
- PyTorch version (GPU?): 2.5.1+cu124 (True)

$ pip list
Package      Version
------------ -------
{package}
"""
_WIN = "Windows-11-10.0.22631-SP0"
_LINUX = "Linux-5.15.0-105-generic-x86_64-with-glibc2.35"


def test_vllm_listed_on_windows_has_no_wheel_there() -> None:
    text = _HF.format(platform=_WIN, package="vllm         0.6.4.post1")
    result = run(text)
    assert "platform-wheel:vllm" in signature_ids(text)
    assert "no-matching-wheel" in result.categories
    assert "no-matching-wheel" not in fails(text)  # a warning: a build from source can run


def test_vllm_listed_on_linux_stays_quiet() -> None:
    text = _HF.format(platform=_LINUX, package="vllm         0.6.4.post1")
    assert "no-matching-wheel" not in categories(text)


def test_triton_listed_on_windows_and_xformers_with_its_windows_wheel() -> None:
    assert "platform-wheel:triton" in signature_ids(
        _HF.format(platform=_WIN, package="triton 3.1.0")
    )
    assert "no-matching-wheel" not in categories(
        _HF.format(platform=_WIN, package="xformers     0.0.29.post2")
    )


_MAC = """Collecting environment information...
PyTorch version: {torch}
Is debug build: False
CUDA used to build PyTorch: None
ROCM used to build PyTorch: N/A

OS: macOS 13.6.1 ({arch})
Python version: 3.11.5 (main, Sep 11 2023, 08:31:25) [Clang 14.0.6 ] (64-bit runtime)
Python platform: macOS-13.6.1-{arch}-i386-64bit
Is CUDA available: False

Versions of relevant libraries:
[pip3] numpy==1.26.4
[pip3] torch=={torch}
"""


def test_a_torch_release_after_the_last_intel_mac_wheel() -> None:
    text = _MAC.format(torch="2.4.1", arch="x86_64")
    assert "platform-wheel:torch" in signature_ids(text)
    assert "no-matching-wheel" not in fails(text)


def test_the_last_intel_mac_torch_and_the_same_release_on_apple_silicon_stay_quiet() -> None:
    assert "platform-wheel:torch" not in signature_ids(_MAC.format(torch="2.2.2", arch="x86_64"))
    assert "platform-wheel:torch" not in signature_ids(_MAC.format(torch="2.4.1", arch="arm64"))


_SDIST = """(venv) user@mbp ~ % python -c "import platform; print(platform.platform())"
{platform}
(venv) user@mbp ~ % pip install vllm==0.6.1.post2
Collecting vllm==0.6.1.post2
  Downloading vllm-0.6.1.post2.tar.gz (2.4 MB)
  Installing build dependencies ... done
"""


def test_pip_fetching_a_source_archive_where_no_wheel_exists() -> None:
    text = _SDIST.format(platform="macOS-14.4.1-arm64-arm-64bit")
    assert "platform-wheel:vllm" in signature_ids(text)


def test_the_same_source_archive_on_linux_stays_quiet() -> None:
    text = _SDIST.format(platform=_LINUX)
    assert "platform-wheel:vllm" not in signature_ids(text)


_LISTED = """### Environment
- OS: Windows 10
- Python: 3.10.11
- bitsandbytes - {version}
- CUDA: 12.1
"""


def test_a_pure_wheel_release_before_the_first_windows_build_is_a_warning() -> None:
    text = _LISTED.format(version="0.40.2")
    result = run(text)
    found = [f for f in result.findings if f.id == "platform-wheel:bitsandbytes"]
    assert found and found[0].status == "warn"
    assert "inferred" in found[0].detail


def test_a_release_with_its_own_windows_wheel_stays_quiet() -> None:
    assert "platform-wheel:bitsandbytes" not in signature_ids(_LISTED.format(version="0.45.0"))


# --- a wheel built for a platform the library publishes no wheel of that release for ---------------

_WHEEL = """OS: Windows 11 Pro
> pip install {source}
Processing {file}
Installing collected packages: {name}
"""


def test_a_community_windows_wheel_is_not_the_librarys_own() -> None:
    file = "triton-2.1.0-cp310-cp310-win_amd64.whl"
    text = _WHEEL.format(source=f"https://example.org/builds/{file}", file=file, name="triton")
    assert "foreign-wheel:triton" in signature_ids(text)
    assert "version-mismatch" not in fails(text)


def test_the_librarys_own_windows_wheel_stays_quiet() -> None:
    file = "xformers-0.0.29.post2-cp311-cp311-win_amd64.whl"
    text = _WHEEL.format(source=file, file=file, name="xformers")
    assert "foreign-wheel:xformers" not in signature_ids(text)


def test_a_wheel_of_a_publishers_own_index_is_left_alone() -> None:
    lib = Library(
        name="lib",
        source="https://pypi.org/project/lib/#files",
        releases=frozenset({Version("1.0")}),
        pure=frozenset(),
        wheels={"windows": frozenset()},
    )
    assert lib.built("windows") == frozenset()
    file = "torch-2.4.0%2Bcu121-cp311-cp311-win_amd64.whl"
    text = _WHEEL.format(
        source=f"https://download.pytorch.org/whl/cu121/{file}", file=file, name="torch"
    )
    assert "foreign-wheel:torch" not in signature_ids(text)


# --- SGLang's pins on torch and flashinfer (rules/companions.yaml) --------------------------------

_SGLANG = """$ pip list | grep -E "sglang|torch|flashinfer"
flashinfer-python                 {flashinfer}
sglang                            0.4.6
torch                             2.6.0
"""


def test_sglang_next_to_another_flashinfer_than_it_pins() -> None:
    text = _SGLANG.format(flashinfer="0.2.5")
    assert "pairing:sglang-flashinfer-python" in signature_ids(text)
    # sglang's wheel is pure Python: its pins name what it was tested with, a warning
    assert "version-mismatch" in categories(text)
    assert "version-mismatch" not in fails(text)


def test_a_compiled_companion_pinned_to_another_torch_still_fails() -> None:
    text = "$ pip list\nPackage Version\ntorch 2.6.0\nxformers 0.0.28.post3\n"
    assert "version-mismatch" in fails(text)  # xformers 0.0.28.post3 pins torch==2.5.1


def test_a_wheel_older_than_the_table_is_not_judged() -> None:
    file = "torchvision-0.5.0-cp37-cp37m-manylinux1_x86_64.whl"
    text = _WHEEL.format(source=file, file=file, name="torchvision").replace(
        "Windows 11 Pro", "Ubuntu"
    )
    assert "foreign-wheel:torchvision" not in signature_ids(text)


def test_sglang_with_the_flashinfer_it_pins_stays_quiet() -> None:
    assert "version-mismatch" not in categories(_SGLANG.format(flashinfer="0.2.3"))
