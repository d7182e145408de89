"""Session 45 (issue 21), integrator's rules: jax asked for a GPU backend that the installed
jaxlib does not provide (the CPU-only wheel from PyPI)."""

from __future__ import annotations

from tests.pastes import categories, fails, run, signature_ids

SMI = (
    "| NVIDIA-SMI 525.60.13    Driver Version: 525.60.13    CUDA Version: 12.0     |\n"
    "|   0  NVIDIA GeForce RTX 3090  On   | 00000000:01:00.0  On |                  N/A |\n"
)
NEW = (
    "RuntimeError: Unknown backend: 'gpu' requested, but no platforms that are instances of gpu "
    "are present. Platforms present are: interpreter,cpu\n"
)
OLD = (
    '  File "/home/u/envs/p/lib/python3.7/site-packages/jaxlib/xla_client.py", line 248, in '
    "get_local_backend\n"
    "    raise RuntimeError('Unknown backend {}'.format(name))\n"
    "RuntimeError: Unknown backend gpu\n"
)


def test_a_gpu_backend_jax_cannot_find_beside_an_nvidia_gpu_is_a_cpu_jaxlib():
    assert "cpu-wheel-on-gpu" in fails(SMI + NEW)
    assert "cpu-wheel-on-gpu" in fails(
        SMI + NEW.replace("'gpu'", "'cuda'").replace("of gpu", "of cuda")
    )


def test_the_old_jaxlib_wording_is_the_same_message():
    assert "jax-unknown-gpu-backend" in signature_ids(SMI + OLD)
    assert "cpu-wheel-on-gpu" in fails(SMI + OLD)


def test_without_a_gpu_in_the_paste_it_is_only_a_warning():
    assert "cpu-wheel-on-gpu" in categories(NEW)
    assert "cpu-wheel-on-gpu" not in fails(NEW)


def test_other_backends_and_other_libraries_stay_quiet():
    tpu = NEW.replace("'gpu'", "'tpu'").replace("of gpu", "of tpu")
    assert "jax-unknown-gpu-backend" not in signature_ids(SMI + tpu)
    keras = "ValueError: Unknown backend: 'torch'. Available backends: tensorflow, jax\n"
    assert "jax-unknown-gpu-backend" not in signature_ids(SMI + keras)


COUNT = (
    "On Kaggle I turned on the T4 x2, but the function can't detect the gpu.\n"
    "\n"
    "mx.context.num_gpus()\n"
    "\n"
    "{answer}\n"
)


def test_a_count_retold_in_prose_on_the_line_after_the_check_is_read():
    for answer in ('gives "0" as result', "it returns 0", "I get `0`.", "prints 0"):
        assert "cpu-wheel-on-gpu" in categories(COUNT.format(answer=answer)), answer


def test_a_count_above_zero_or_a_sentence_with_more_words_says_nothing():
    for answer in ("it returns 2", "gives 0 GPUs after the kernel restarts and then 2"):
        assert "cpu-wheel-on-gpu" not in categories(COUNT.format(answer=answer)), answer


def fix_of(text: str, finding: str) -> str:
    return next(f.fix for f in run(text).findings if f.id == finding)


DEEPSPEED = (
    "Microsoft Windows [Version 10.0.19045.3324]\n"
    "C:\\Users\\u>pip install deepspeed\n"
    "Collecting deepspeed\n"
    "Using cached deepspeed-{release}.tar.gz (851 kB)\n"
    "Preparing metadata (setup.py) ... error\n"
    "error: subprocess-exited-with-error\n"
    "LINK : fatal error LNK1181: cannot open input file 'aio.lib'\n"
    "AssertionError: Unable to pre-compile async_io\n"
)


def test_a_source_build_that_fails_on_windows_where_other_releases_have_windows_wheels():
    text = DEEPSPEED.format(release="0.10.1")
    assert "no-matching-wheel" in categories(text)
    assert "no-matching-wheel" not in fails(text)  # the build may fail for another stated reason
    assert "deepspeed==0.16.5" in fix_of(text, "source-fallback:deepspeed")


def test_the_same_build_on_linux_or_of_a_release_with_a_windows_wheel_is_not_this():
    linux = DEEPSPEED.format(release="0.10.1").replace(
        "Microsoft Windows [Version 10.0.19045.3324]\nC:\\Users\\u>", "$ "
    )
    assert "source-fallback:deepspeed" not in signature_ids(linux)
    # a release with a Windows wheel fetched as source: that wheel did not match this Python
    with_wheel = next(
        f
        for f in run(DEEPSPEED.format(release="0.16.5")).findings
        if f.id == "source-fallback:deepspeed"
    )
    assert "has no Windows wheel" not in with_wheel.detail


def test_pip_fetching_the_archive_without_a_failed_build_says_nothing_on_windows():
    text = (
        "\n".join(DEEPSPEED.format(release="0.10.1").splitlines()[:4])
        + "\nSuccessfully built deepspeed\n"
    )
    assert "source-fallback:deepspeed" not in signature_ids(text)


BNB = (
    "C:\\ProgramData\\Anaconda3\\envs\\ai\\lib\\site-packages\\bitsandbytes\\cuda_setup\\main.py:136: "
    "UserWarning: C:\\ProgramData\\Anaconda3\\envs\\ai did not contain libcudart.so as expected! "
    "Searching further paths...\n"
    "CUDA SETUP: WARNING! libcuda.so not found! Do you have a CUDA driver installed?\n"
)


def test_a_windows_install_whose_loader_looks_for_linux_shared_objects_has_only_linux_builds():
    assert "no-matching-wheel" in fails(BNB)
    assert fix_of(BNB, "linux-binaries:bitsandbytes") == 'pip install -U "bitsandbytes>=0.43.0"'


def test_linux_paths_windows_dlls_and_other_packages_stay_quiet():
    linux = BNB.replace(
        "C:\\ProgramData\\Anaconda3\\envs\\ai\\lib\\site-packages\\",
        "/opt/conda/lib/python3.10/site-packages/",
    ).replace("\\", "/")
    assert "linux-binaries:bitsandbytes" not in signature_ids(linux)
    dll = BNB.replace("libcudart.so", "cudart64_110.dll")
    assert "linux-binaries:bitsandbytes" not in signature_ids(dll)
    other = BNB.replace("\\bitsandbytes\\", "\\mytool\\")
    assert not [i for i in signature_ids(other) if i.startswith("linux-binaries:")]


BANNER = (
    "$ docker run -v $(pwd):/data --rm -it myimage:gpu --gpu 7 run.sh\n"
    "==========\n== CUDA ==\n==========\n\nCUDA Version 11.4.3\n\n"
    "WARNING: The NVIDIA Driver was not detected.  GPU functionality will not be available.\n"
    "   Use the NVIDIA Container Toolkit to start this container with GPU support; see\n"
)


def test_the_cuda_images_banner_without_a_driver_is_a_container_started_without_the_gpu():
    assert "no-device" in fails(BANNER)
    assert "container-driver-not-detected" in signature_ids(BANNER)


def test_a_banner_that_finds_the_driver_says_nothing():
    text = BANNER.replace(
        "WARNING: The NVIDIA Driver was not detected.  GPU functionality will not be available.\n",
        "",
    )
    assert "container-driver-not-detected" not in signature_ids(text + "$ python train.py\n")


def test_a_stated_release_with_a_windows_build_is_not_the_linux_only_wheel():
    listed = "bitsandbytes 0.43.1\n" + BNB
    assert not [i for i in signature_ids(listed) if i.startswith("linux-binaries:")]
    old = "bitsandbytes 0.41.1\n" + BNB
    assert "linux-binaries:bitsandbytes" in signature_ids(old)


def test_the_container_banner_under_wsl_2_is_only_a_warning():
    text = "Running under WSL2 (kernel 5.15.90.1-microsoft-standard-WSL2)\n" + BANNER
    assert not fails(text)
    assert "container-driver-not-detected" in signature_ids(text)


ORT = (
    "[E:onnxruntime:Default, provider_bridge_ort.cc:1778 onnxruntime::ProviderLibrary::Get() "
    "[ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_{p}.so with "
    "error: {lib}: cannot open shared object file: No such file or directory\n"
)


def test_onnxruntimes_provider_that_cannot_load_a_library_is_a_missing_library():
    for provider, lib in (("tensorrt", "libnvinfer.so.10"), ("cuda", "libcublasLt.so.11")):
        text = ORT.format(p=provider, lib=lib)
        assert "missing-library" in fails(text), provider
        assert "optional-library-not-opened" not in signature_ids(text)


def test_tensorflows_optional_libnvinfer_stays_harmless():
    text = (
        "W tensorflow/compiler/xla/stream_executor/platform/default/dso_loader.cc:64] Could not "
        "load dynamic library 'libnvinfer.so.7'; dlerror: libnvinfer.so.7: cannot open shared "
        "object file: No such file or directory\n"
    )
    assert not fails(text)


def test_the_bindings_request_to_install_tensorrt_is_a_missing_library():
    text = (
        "EP Error onnxruntime_pybind_state.cc:505 RegisterTensorRTPluginsAsCustomOps Please "
        "install TensorRT libraries as mentioned in the GPU requirements page, make sure they're "
        "in the PATH or LD_LIBRARY_PATH, and that your GPU is supported.\n"
    )
    assert "missing-library" in fails(text)


DS = (
    "--------------------------------------------------\n"
    "DeepSpeed C++/CUDA extension op report\n"
    "--------------------------------------------------\n"
    "op name ................ installed .. compatible\n"
    "cpu_adam ............... [NO] ....... [OKAY]\n"
    " [WARNING]  sparse_attn requires CUDA version 10.1+, does not currently support >=11 or <10.1\n"
    "sparse_attn ............ [NO] ....... [NO]\n"
    "\x1b[93m [WARNING] \x1b[0m async_io requires the dev libaio .so object and headers but these were not found.\n"
    "async_io ............... [NO] ....... [NO]\n"
    "stochastic_transformer . [NO] ....... [OKAY]\n"
)


def test_the_op_table_alone_is_a_report_that_is_read():
    result = run(DS)
    assert "ds-report" in result.formats
    assert not result.failed and not result.categories


def test_an_incompatible_op_the_paste_uses_is_named_by_its_requirement():
    text = "I want to use DeepSpeed's sparse attention with CUDA 11.\n" + DS
    assert "version-mismatch" in categories(text)
    text = "Offloading with async_io to NVMe fails.\n" + DS
    assert "missing-library" in categories(text)
    assert not fails(text)


def test_tensorrts_version_tag_check_in_every_wording_is_an_engine_of_another_release():
    for line in (
        "ERROR: coreReadArchive.cpp (38) - Serialization Error in verifyHeader: 0 (Version tag does not match)",
        "[stdArchiveReader.cpp::StdArchiveReader::42] Error Code 1: Serialization (Serialization "
        "assertion stdVersionRead == serializationVersion failed.Version tag does not match. Note: "
        "(urent version: 232，Serialized Engine Version: 205)",
    ):
        assert "version-mismatch" in fails(line + "\n"), line


def test_a_magic_tag_mismatch_is_no_engine_at_all_not_another_release():
    text = (
        "ERROR: 1: [stdArchiveReader.cpp::StdArchiveReader::30] Error Code 1: Serialization "
        "(Serialization assertion magicTagRead == kMAGIC_TAG failed.Magic tag does not match)\n"
    )
    assert "tensorrt-engine-other-version" not in signature_ids(text)


def test_onnxruntimes_cuda_path_check_names_both_causes():
    text = (
        "RuntimeError: D:\\a\\_work\\1\\s\\onnxruntime\\python\\onnxruntime_pybind_state.cc:574 "
        "onnxruntime::python::CreateExecutionProviderInstance CUDA_PATH is set but CUDA wasn't able "
        "to be loaded. Please install the correct version of CUDA and cuDNN as mentioned in the GPU "
        "requirements page\n"
    )
    assert {"version-mismatch", "missing-library"} <= fails(text)


def test_every_fact_a_reader_keeps_goes_into_json(tmp_path):
    """A resolver's conflict keeps each side as a record (Need): --json writes its fields."""
    import json

    from click.testing import CliRunner

    from recommender.cli.main import cli

    paste = tmp_path / "conflict.txt"
    paste.write_text(
        "ERROR: Cannot install torch==1.13.0 and torchvision==0.15.2 because these package "
        "versions have conflicting dependencies.\n\nThe conflict is caused by:\n"
        "    The user requested torch==1.13.0\n    torchvision 0.15.2 depends on torch==2.0.1\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["diagnose", "--json", str(paste)])
    assert result.exit_code in (0, 1), result.output
    facts = {f["fact"]: f["value"] for f in json.loads(result.output)["facts"]}
    needs = [v for k, v in facts.items() if k.startswith("resolver.needs.")]
    assert {"name": "torch", "spec": "==2.0.1", "by": "torchvision"}.items() <= needs[-1].items()


def test_plain_keeps_json_values_and_writes_any_other_as_text():
    from recommender.decide.diagnosis.findings import plain

    assert plain({"a": (1, 2.5, None, True)}) == {"a": [1, 2.5, None, True]}
    assert plain(object.__new__(object)).startswith("<object")


def test_an_arch_torchs_extension_builder_does_not_know_is_a_gpu_newer_than_the_build():
    for arch in ("8.6", "8.9", "8.6；8.9"):
        text = f'    raise ValueError("Unknown CUDA arch ({{}}) or GPU not supported".format(arch))\nValueError: Unknown CUDA arch ({arch}) or GPU not supported\n'
        assert "arch-unsupported" in fails(text), arch
    assert "cpp-extension-unknown-arch" not in signature_ids("Unknown CUDA error 804\n")


def test_the_pastes_gpus_are_read_only_for_a_message_that_names_a_capability(monkeypatch):
    """A rescan of the whole paste per message made a varied 2 MB paste take 23 s to diagnose:
    messages that name no GPU number or minimum must not read the paste's GPU lines."""
    from recommender.decide.diagnosis import capability

    calls = []
    real = capability.stated_capabilities
    monkeypatch.setattr(
        capability, "stated_capabilities", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    text = BANNER + ORT.format(p="cuda", lib="libcublasLt.so.11") + SMI + NEW
    assert run(text).findings
    assert calls == []
    refusal = "ggml was not compiled with any CUDA arch <= 750\n  Device 0: NVIDIA A100, compute capability 8.0\n"
    run(refusal)
    assert calls


NO_DRIVER = (
    "UserWarning: CUDA initialization: Found no NVIDIA driver on your system. Please check that "
    "you have an NVIDIA GPU and installed a driver\n"
)


def test_torchs_no_driver_warning_alone_is_what_any_machine_without_a_gpu_prints():
    assert "no-driver" in categories(NO_DRIVER)
    assert "no-driver" not in fails(NO_DRIVER)
    assert "no-driver" in fails(SMI + NO_DRIVER)
    assert "no-driver" in fails("torch.__version__ = 2.0.1+cu117\n" + NO_DRIVER)


def test_mps_without_float64_which_no_macos_adds_is_a_warning_the_program_must_mend():
    text = (
        "TypeError: Cannot convert a MPS Tensor to float64 dtype as the MPS framework doesn't "
        "support float64. Please use float32 instead.\n"
    )
    assert "mps-issue" in categories(text)
    assert not fails(text)
