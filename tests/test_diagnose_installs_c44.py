"""Session 44 (issue 21, engineer C): failures of installing and of loading told in the
installer's, the loader's or a library's own words, across libraries: conda's solver finding no
build for this platform, torch's placeholder source archive on PyPI, CuPy and spaCy/thinc failing
to load CUDA's libraries, TensorRT's Python package without libnvinfer. Each with a healthy or
neighbouring text that must stay quiet."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, read, signature_ids, statuses

# --- conda's solver ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines",
    [
        "Encountered problems while solving:\n"
        "  - nothing provides requested zlib ==1.2.13 h5eee18b_0\n"
        "  - nothing provides requested xz ==5.4.5 h5eee18b_0\n",
        "Could not solve for environment specs\n"
        "Encountered problems while solving:\n"
        "  - nothing provides cudatoolkit >=11.8 needed by pytorch-gpu-2.0.0-cuda112py39\n",
        "Collecting package metadata (repodata.json): done\nSolving environment: failed\n\n"
        "ResolvePackageNotFound:\n  - libcxx==4.0.1=h579ed51_0\n  - python==3.6.6=hc167b69_0\n",
    ],
)
def test_conda_finding_no_build_for_this_platform_is_no_matching_wheel(lines):
    text = f"(base) C:\\Users\\me> conda env create -f environment.yml\n{lines}"
    assert "conda-nothing-provides" in signature_ids(text)
    assert "no-matching-wheel" in categories(text)


def test_condas_missing_cuda_virtual_package_says_it_sees_no_driver():
    text = (
        "Encountered problems while solving:\n"
        "  - nothing provides __cuda needed by pytorch-1.13.0-cuda112py310he33e0d6_200\n"
    )
    ids = signature_ids(text)
    assert "conda-no-cuda-virtual-package" in ids
    assert "conda-nothing-provides" not in ids


def test_a_solved_conda_environment_stays_quiet():
    text = (
        "Collecting package metadata (repodata.json): done\n"
        "Solving environment: done\n\n## Package Plan ##\n\n"
        "  added / updated specs:\n    - pytorch\n\n"
        "Executing transaction: done\n"
    )
    ids = signature_ids(text)
    assert not {"conda-nothing-provides", "conda-no-cuda-virtual-package"} & ids


# --- torch's placeholder source archive ------------------------------------------------------

TORCH_PLACEHOLDER = (
    "C:\\Users\\me>pip install torch\n"
    "Collecting torch\n"
    "  Using cached https://files.pythonhosted.org/packages/5f/e9/bac4204fe9cb1a002ec6140b47f51"
    "affda1655379fe302a1caef421f9846/torch-0.1.2.post1.tar.gz\n"
    "    Complete output from command python setup.py egg_info:\n"
    "    Traceback (most recent call last):\n"
    '      File "<string>", line 1, in <module>\n'
    "        raise RuntimeError(README)\n"
    "    RuntimeError: PyTorch does not currently provide packages for PyPI (see status at "
    "https://github.com/pytorch/pytorch/issues/566).\n"
)


def test_torchs_placeholder_source_archive_is_no_matching_wheel():
    assert "no-matching-wheel" in fails(TORCH_PLACEHOLDER)
    assert "torch-pypi-placeholder-sdist" in signature_ids(TORCH_PLACEHOLDER)


def test_torch_installed_from_its_wheel_stays_quiet():
    text = (
        "$ pip install torch\n"
        "Collecting torch\n"
        "  Downloading torch-2.3.1-cp311-cp311-manylinux1_x86_64.whl (779.1 MB)\n"
        "Successfully installed torch-2.3.1\n"
    )
    assert "no-matching-wheel" not in categories(text)


# --- CuPy ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: CuPy failed to load libnvrtc.so.12: OSError: libnvrtc.so.12: cannot open "
        "shared object file: No such file or directory",
        "CuPy failed to load nvrtc64_120_0.dll: FileNotFoundError: Could not find module "
        "'nvrtc64_120_0.dll' (or one of its dependencies). Try using the full path with "
        "constructor syntax.",
        "ImportError: CuPy failed to load libcublas.so.10: OSError: libcublas.so.10: cannot open "
        "shared object file: No such file or directory",
    ],
)
def test_cupy_failing_to_load_a_cuda_library_is_missing_library(line):
    text = (
        f">>> import cupy as cp\n>>> cp.arange(3) + 1\nTraceback (most recent call last):\n{line}\n"
    )
    assert "missing-library" in fails(text)
    # one finding per category: the DLL's own loader message may speak for it
    assert {"cupy-failed-to-load-library", "ctypes-cuda-dll-not-found"} & signature_ids(text)


def test_cupys_import_guard_warns_of_a_missing_library():
    text = (
        "Traceback (most recent call last):\n"
        '  File "run.py", line 2, in <module>\n'
        "    import cupy\n"
        "ImportError:\n"
        "================================================================\n"
        "Failed to import CuPy.\n\n"
        "If you installed CuPy via wheels (cupy-cudaXXX or cupy-rocm-X-X), make sure that the "
        "package matches with the version of CUDA or ROCm installed.\n"
    )
    result = read(text)
    assert result is not None
    assert "warn" in statuses(result, "missing-library")


def test_cupy_working_stays_quiet():
    text = (
        ">>> import cupy as cp\n>>> cp.show_config()\n"
        "OS                           : Linux-5.15.0-x86_64-with-glibc2.35\n"
        "CuPy Version                 : 13.0.0\n"
        "CUDA Runtime Version         : 12020\n"
        ">>> cp.arange(3)\narray([0, 1, 2])\n"
    )
    assert "missing-library" not in categories(text)


# --- spaCy / thinc --------------------------------------------------------------------------


def test_thinc_without_a_usable_gpu_warns_of_cupys_libraries():
    text = (
        "I installed spacy[cuda101] and call spacy.require_gpu()\n"
        "Traceback (most recent call last):\n"
        '  File "/venv/lib/python3.6/site-packages/thinc/util.py", line 181, in require_gpu\n'
        '    raise ValueError("GPU is not accessible. Was the library installed correctly?")\n'
        "ValueError: GPU is not accessible. Was the library installed correctly?\n"
    )
    assert "thinc-gpu-not-accessible" in signature_ids(text)
    assert "missing-library" in categories(text)


def test_spacy_on_the_gpu_stays_quiet():
    text = (
        ">>> import spacy\n>>> spacy.prefer_gpu()\nTrue\n>>> nlp = spacy.load('en_core_web_trf')\n"
    )
    assert "thinc-gpu-not-accessible" not in signature_ids(text)


# --- TensorRT -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ImportError: libnvinfer.so.8: cannot open shared object file: No such file or directory",
        "ImportError: libnvinfer_plugin.so.8: cannot open shared object file: No such file or "
        "directory",
        "python3: error while loading shared libraries: libnvinfer.so.8: cannot open shared "
        "object file: No such file or directory",
        "FileNotFoundError: Could not find: nvinfer.dll. Is it on your PATH?",
    ],
)
def test_tensorrt_without_libnvinfer_is_missing_library(line):
    text = (
        "Traceback (most recent call last):\n"
        '  File "infer.py", line 1, in <module>\n'
        "    import tensorrt as trt\n"
        f"{line}\n"
    )
    assert "missing-library" in fails(text)
    assert "optional-library-not-opened" not in signature_ids(text)


def test_tensorflows_optional_tensorrt_probe_stays_healthy():
    text = (
        "2023-03-01 10:00:00.000000: W tensorflow/compiler/xla/stream_executor/platform/default/"
        "dso_loader.cc:64] Could not load dynamic library 'libnvinfer.so.7'; dlerror: "
        "libnvinfer.so.7: cannot open shared object file: No such file or directory\n"
        "2023-03-01 10:00:00.000000: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT "
        "Warning: Cannot dlopen some TensorRT libraries. If you would like to use Nvidia GPU with "
        "TensorRT, please make sure the missing libraries mentioned above are installed properly.\n"
    )
    assert "missing-library" not in fails(text)
    assert "tensorrt-library-not-loaded" not in signature_ids(text)


# --- pip falling back to a source archive ----------------------------------------------------


def test_a_source_build_of_a_library_that_ships_wheels_is_no_matching_wheel():
    text = (
        "$ pip install xformers\n"
        "Collecting xformers\n"
        "  Downloading xformers-0.0.28.post3.tar.gz (7.8 MB)\n"
        "  Preparing metadata (setup.py) ... done\n"
        "Building wheels for collected packages: xformers\n"
        "  Building wheel for xformers (setup.py) ... error\n"
        "  error: subprocess-exited-with-error\n"
        "Failed to build xformers\n"
    )
    assert "no-matching-wheel" in fails(text)
    assert "source-fallback:xformers" in signature_ids(text)


def test_torchs_placeholder_archive_without_its_message_is_still_read():
    text = (
        "C:\\Users\\me>pip install torch\n"
        "Collecting torch\n"
        "  Using cached https://files.pythonhosted.org/packages/f8/02/880b468bd382dc79896eaecbeb8"
        "ce95e9c4b99a24902874a2cef0b562cea/torch-0.1.2.post2.tar.gz\n"
        "Installing collected packages: torch\n"
        "  Running setup.py install for torch ... error\n"
    )
    assert "no-matching-wheel" in fails(text)


def test_a_source_archive_fetched_without_a_failed_build_is_a_warning():
    text = (
        "Collecting xformers==0.0.23\n"
        "  Downloading xformers-0.0.23.tar.gz (22.1 MB)\n"
        "  Preparing metadata (setup.py) ... done\n"
    )
    result = read(text)
    assert result is not None
    assert statuses(result, "no-matching-wheel") == {"warn"}


def test_a_library_that_publishes_only_source_archives_stays_quiet():
    # flash-attn publishes source archives only on PyPI: building one is its normal install
    text = (
        "$ pip install flash-attn --no-build-isolation\n"
        "Collecting flash-attn\n"
        "  Downloading flash_attn-2.5.8.tar.gz (2.5 MB)\n"
        "  Preparing metadata (setup.py) ... done\n"
        "Building wheels for collected packages: flash-attn\n"
        "  Building wheel for flash-attn (setup.py) ... done\n"
        "Successfully installed flash-attn-2.5.8\n"
    )
    assert "no-matching-wheel" not in categories(text)


def test_a_wheel_fetched_stays_quiet():
    text = (
        "Collecting xformers==0.0.23\n"
        "  Downloading xformers-0.0.23-cp310-cp310-manylinux2014_x86_64.whl (213.0 MB)\n"
        "Successfully installed xformers-0.0.23\n"
    )
    assert "no-matching-wheel" not in categories(text)


# --- onnxruntime's CUDA provider library, read against the CUDA the paste states -------------

ORT_126 = (
    '[ONNXRuntimeError] : 1 : FAIL : LoadLibrary failed with error 126 "" when trying to load '
    '"C:\\Python310\\lib\\site-packages\\onnxruntime\\capi\\onnxruntime_providers_cuda.dll"\n'
)
ORT_SO = (
    "[ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_cuda.so with "
    "error: libcublasLt.so.11: cannot open shared object file: No such file or directory\n"
)


@pytest.mark.parametrize("failure", [ORT_126, ORT_SO])
def test_ort_provider_library_failing_beside_another_cuda_major_is_version_mismatch(failure):
    text = f"pip list: onnxruntime-gpu 1.16.3\nnvcc: Cuda compilation tools, release 12.2, V12.2.140\n{failure}"
    assert "ort-cuda:cuda-major" in signature_ids(text)
    assert "missing-library" in categories(text)


@pytest.mark.parametrize("failure", [ORT_126, ORT_SO])
def test_ort_provider_library_failing_on_its_own_cuda_major_is_only_missing_library(failure):
    text = f"pip list: onnxruntime-gpu 1.16.3\nnvcc: Cuda compilation tools, release 11.8, V11.8.89\n{failure}"
    assert "ort-cuda:cuda-major" not in signature_ids(text)


ORT_RETYPED = (
    "Loadlibrary failed with error 126 when trying to load onnxruntime_providers_cuda.dll\n"
)


def test_ort_error_126_retyped_without_quotes_is_read():
    assert "onnxruntime-provider-dll-not-found" in signature_ids(ORT_RETYPED)


def test_an_ort_release_built_with_another_cudnn_major_is_version_mismatch():
    text = f"{ORT_RETYPED}running with cuda12.4 cudnn9 and onnxruntime-win-x64-cuda12-1.17.1\n"
    ids = signature_ids(text)
    assert "ort-cuda:cudnn-major" in ids
    # the package's own name says CUDA 12: no CUDA major is blamed
    assert "ort-cuda:cuda-major" not in ids


def test_an_ort_release_on_its_own_cudnn_major_is_not_blamed():
    text = f"{ORT_RETYPED}running with cuda12.2 cudnn 8.9 and onnxruntime-win-x64-cuda12-1.17.1\n"
    assert "ort-cuda:cudnn-major" not in signature_ids(text)


def test_onnxruntime_1_19_with_cudnn_8_is_version_mismatch():
    text = f"onnxruntime-gpu==1.19.2 with CUDA 12.4 and cuDNN 8.9.7\n{ORT_126}"
    assert "ort-cuda:cudnn-major" in signature_ids(text)


def test_tensorflow_gpus_placeholder_is_no_matching_wheel():
    text = (
        "$ pip install tensorflow-gpu\n"
        "Collecting tensorflow-gpu\n"
        "  Using cached tensorflow-gpu-2.12.0.tar.gz (2.6 kB)\n"
        "  Preparing metadata (setup.py) ... error\n"
        "  error: subprocess-exited-with-error\n"
    )
    assert "no-matching-wheel" in fails(text)
    assert "source-fallback:tensorflow-gpu" in signature_ids(text)


def test_tensorflow_gpus_removal_message_is_no_matching_wheel():
    text = (
        "      =========================================================\n"
        '      The "tensorflow-gpu" package has been removed!\n\n'
        '      Please install "tensorflow" instead.\n'
    )
    assert "tensorflow-gpu-removed" in signature_ids(text)


def test_tensorflow_gpu_2_10_from_its_wheel_stays_quiet():
    text = (
        "Collecting tensorflow-gpu==2.10.1\n"
        "  Downloading tensorflow_gpu-2.10.1-cp310-cp310-win_amd64.whl (455.9 MB)\n"
        "Successfully installed tensorflow-gpu-2.10.1\n"
    )
    assert "no-matching-wheel" not in categories(text)


# --- TensorRT's bindings and libraries of two releases ----------------------------------------

TRT_IMPORT = (
    "Traceback (most recent call last):\n"
    '  File "yolov8_trt.py", line 15, in <module>\n'
    "    import tensorrt as trt\n"
    "ImportError: libnvinfer.so.8: cannot open shared object file: No such file or directory\n"
)


def test_tensorrt_bindings_of_another_major_than_the_libraries_is_version_mismatch():
    text = f"I unpacked TensorRT-10.0.1.6 and put its lib on LD_LIBRARY_PATH\n{TRT_IMPORT}"
    assert "tensorrt-major:libnvinfer" in signature_ids(text)


def test_tensorrt_of_the_same_major_is_only_missing_library():
    text = f"Env: Ubuntu 18.04, CUDA 11.1, TensorRT 8.2.5.1\n{TRT_IMPORT}"
    ids = signature_ids(text)
    assert "tensorrt-major:libnvinfer" not in ids
    assert "missing-library" in fails(text)


# --- ldd's own words ---------------------------------------------------------------------------


def test_ldd_finding_no_cuda_library_is_missing_library():
    text = (
        "$ ldd /usr/lib/python3.7/site-packages/mxnet/libmxnet.so | grep found\n"
        "\tlibcudart.so.10.0 => not found\n"
        "\tlibcublas.so.10.0 => not found\n"
        "\tlibnvrtc.so.10.0 => not found\n"
    )
    assert "missing-library" in fails(text)
    assert "linker-listing-not-found" in signature_ids(text)


def test_ldd_resolving_every_cuda_library_stays_quiet():
    text = (
        "$ ldd libmxnet.so | grep cuda\n"
        "\tlibcudart.so.10.1 => /usr/local/cuda-10.1/lib64/libcudart.so.10.1 (0x00007f)\n"
        "\tlibcublas.so.10 => /usr/lib/x86_64-linux-gnu/libcublas.so.10 (0x00007f)\n"
    )
    assert "missing-library" not in categories(text)


# --- pip's empty answer, and the interpreter or CPU the paste shows ---------------------------

PIP_NONE = (
    "ERROR: Could not find a version that satisfies the requirement {req} (from versions: none)\n"
    "ERROR: No matching distribution found for {req}\n"
)


@pytest.mark.parametrize(
    ("shown", "req", "words"),
    [
        (
            "Python 3.8.5 (tags/v3.8.5:580fbb0, Jul 20 2020) [MSC v.1926 32 bit (Intel)] on win32",
            "torch",
            "32-bit Python",
        ),
        (
            "Linux raspberrypi 5.10.103-v7l+ #1529 SMP Tue Mar 8 2022 armv7l GNU/Linux",
            "tensorflow",
            "armv7l",
        ),
        ("Python 2.7.18", "jaxlib", "Python 2"),
    ],
)
def test_pip_finding_nothing_names_the_interpreter_or_cpu_the_paste_shows(shown, req, words):
    text = f"{shown}\n$ pip install {req}\n" + PIP_NONE.format(req=req)
    result = read(text)
    assert result is not None
    lead = next(f for f in result.findings if f.category == "no-matching-wheel")
    assert lead.status == "fail"
    assert words in lead.title


def test_pip_finding_nothing_on_a_64_bit_python_3_names_no_interpreter():
    text = (
        "Python 3.11.4 (main, Jul  5 2023) [GCC 11.2.0] on linux\n"
        "Linux host 5.15.0 #1 SMP x86_64 GNU/Linux\n" + PIP_NONE.format(req="torch==1.4.0")
    )
    assert not any(i.startswith("pip-platform:") for i in signature_ids(text))


def test_a_library_outside_the_compiled_ones_is_not_blamed_on_the_cpu():
    text = "Linux pi 5.10 armv7l GNU/Linux\n" + PIP_NONE.format(req="mypackage")
    assert not any(i.startswith("pip-platform:") for i in signature_ids(text))
