"""Session 48 (issue 21), W2's rule (implied_cuda.py). A CUDA library the loader could not find,
of another CUDA major than the one the paste implies without stating it: torch's default PyPI
wheel (PyTorch's previous-versions page), onnxruntime-gpu's default CUDA (1.19 and later CUDA 12,
the CUDA execution provider's requirements), JAX's ``cuda12`` plugin, Paddle's ``.postXYZ``
builds, or another library asked for of another major. A version-mismatch warning beside the
missing library, never in place of it; each rule has a counterpart that stays quiet."""

from __future__ import annotations

from tests.pastes import categories, fails, run

ORT_CUDA11 = (
    "Traceback (most recent call last):\n"
    '  File "infer.py", line 2, in <module>\n'
    "    import onnxruntime\n"
    "ImportError: libcublasLt.so.11: cannot open shared object file: No such file or directory\n"
)


def _mismatch(text: str) -> list[str]:
    """The version-mismatch findings' details."""
    return [f.detail for f in run(text).findings if f.category == "version-mismatch"]


def _quoted(text: str) -> set[int]:
    return {
        q.line for f in run(text).findings if f.category == "version-mismatch" for q in f.quotes
    }


def test_a_cuda_11_library_beside_a_cuda_12_torch_warns_of_mixed_releases():
    text = "$ pip list\ntorch                    2.3.1\n" + ORT_CUDA11
    details = _mismatch(text)
    assert details and "CUDA 12" in details[0] and "CUDA 11" in details[0]
    assert {2, 6} <= _quoted(text)
    assert "missing-library" in categories(text)
    assert "version-mismatch" not in fails(text)


def test_a_library_of_the_torch_wheels_own_major_stays_quiet():
    text = "$ pip list\ntorch                    1.13.1\n" + ORT_CUDA11
    assert not _mismatch(text)
    assert "missing-library" in categories(text)


def test_a_torch_with_a_local_build_tag_is_left_to_the_stated_cuda_rule():
    text = "torch==2.3.1+cu118\n" + ORT_CUDA11
    assert not any("implies" in d for d in _mismatch(text))


def test_onnxruntime_gpu_1_19_defaults_to_cuda_12():
    text = "onnxruntime-gpu==1.19.2\n" + ORT_CUDA11
    details = _mismatch(text)
    assert details and "onnxruntime-gpu 1.19" in details[0]


def test_onnxruntime_gpu_1_18_is_a_cuda_11_build_and_stays_quiet():
    assert not _mismatch("onnxruntime-gpu==1.18.0\n" + ORT_CUDA11)


def test_a_jax_cuda12_plugin_with_a_cuda_11_library_warns():
    text = (
        "jax-cuda12-plugin        0.4.30\n"
        "E external/xla/xla/stream_executor/platform/default/dso_loader.cc:64] Could not load "
        "dynamic library 'libcusparse.so.11'; dlerror: libcusparse.so.11: cannot open shared "
        "object file: No such file or directory\n"
    )
    assert _mismatch(text)


def test_a_paddle_post_build_of_cuda_11_with_a_cuda_12_runtime_warns():
    text = (
        "paddlepaddle-gpu==2.5.1.post117\n"
        "OSError: libcudart.so.12: cannot open shared object file: No such file or directory\n"
    )
    assert _mismatch(text)


def test_two_libraries_of_two_cuda_majors_asked_for_are_two_releases_mixed():
    text = (
        "ImportError: libcublas.so.11: cannot open shared object file: No such file or directory\n"
        "Could not load dynamic library 'libcudart.so.12'; dlerror: libcudart.so.12: cannot open "
        "shared object file: No such file or directory\n"
    )
    details = _mismatch(text)
    assert details and "libcudart.so.12" in details[0] and "libcublas.so.11" in details[0]
    assert "missing-library" in categories(text)


def test_two_libraries_of_one_major_stay_quiet():
    text = (
        "ImportError: libcublas.so.12: cannot open shared object file: No such file or directory\n"
        "Could not load dynamic library 'libcudart.so.12'; dlerror: libcudart.so.12: cannot open "
        "shared object file: No such file or directory\n"
    )
    assert not _mismatch(text)


def test_a_missing_library_with_nothing_implying_a_release_stays_quiet():
    assert not _mismatch(ORT_CUDA11)
    assert "missing-library" in fails(ORT_CUDA11)
