"""Session 48 (issue 21), engineer X: a CPU-only build on a GPU machine, for every library, in its
own words (torch._C without its _cuda_* entry points, OpenCV's throw_no_cuda, LightGBM's tree
learner, MXNet's storage, llama.cpp's newer offload warning, YOLO's and transformers' device
checks), in the listings that carry it (tensorflow-intel, conda's export and explicit lists) and in
a library's own answer (dlib.DLIB_USE_CUDA). Each reading fails only next to a GPU the paste
shows; without one it is a warning or nothing, since a CPU build on a CPU machine is healthy."""

from __future__ import annotations

from tests.pastes import categories, fails, read, signature_ids

CPU = "cpu-wheel-on-gpu"
GPU = "GPU 0: NVIDIA GeForce RTX 3090 (UUID: GPU-5a1e7c4e-0000-0000-0000-000000000000)\n"

TORCH_C = (
    "Traceback (most recent call last):\n"
    '  File "main.py", line 3, in <module>\n'
    "    torch.cuda.set_device(0)\n"
    '  File "C:\\Python310\\lib\\site-packages\\torch\\cuda\\__init__.py", line 350, in set_device\n'
    "    torch._C._cuda_setDevice(device)\n"
    "AttributeError: module 'torch._C' has no attribute '_cuda_setDevice'\n"
)


def test_torch_c_without_cuda_entry_points_is_the_cpu_build_next_to_a_gpu():
    text = TORCH_C + GPU
    assert "torch-c-no-cuda-entry" in signature_ids(TORCH_C)
    assert CPU in fails(text)
    # no longer read as a library release that lacks a name
    assert "version-mismatch" not in categories(text)


def test_torch_c_without_cuda_entry_points_stays_a_warning_without_a_gpu():
    assert CPU in categories(TORCH_C)
    assert CPU not in fails(TORCH_C)


def test_another_missing_torch_attribute_is_still_a_release_mismatch():
    text = "AttributeError: module 'torch' has no attribute 'compile'\n" + GPU
    assert "module-has-no-attribute" in signature_ids(text)
    assert CPU not in categories(text)


def test_opencv_built_without_cuda_fails_next_to_a_gpu():
    text = (
        "cv2.error: OpenCV(4.8.0) /io/opencv/modules/core/include/opencv2/core/private.cuda.hpp:"
        "106: error: (-216:No CUDA support) The library is compiled without CUDA support in "
        "function 'throw_no_cuda'\n" + GPU
    )
    assert "opencv-cpu-build" in signature_ids(text)
    assert CPU in fails(text)


def test_opencv_built_without_cuda_on_a_machine_without_a_gpu_is_not_a_failure():
    text = (
        "cv2.error: OpenCV(4.8.0) (-216:No CUDA support) The library is compiled without CUDA "
        "support in function 'throw_no_cuda'\n"
    )
    assert CPU not in fails(text)


def test_lightgbm_without_its_gpu_tree_learner():
    for learner in ("GPU", "CUDA"):
        text = (
            f"lightgbm.basic.LightGBMError: {learner} Tree Learner was not enabled in this build.\n"
            "Please recompile with CMake option -DUSE_GPU=1\n"
        )
        assert CPU in fails(text), learner


def test_lightgbm_training_on_the_cpu_stays_quiet():
    text = "[LightGBM] [Info] Using GPU Device: NVIDIA GeForce RTX 3090, Vendor: NVIDIA\n" + GPU
    assert CPU not in categories(text) if read(text) else True


def test_mxnet_cpu_build_asked_for_the_gpu():
    text = (
        "mxnet.base.MXNetError: [10:01:02] src/storage/storage.cc:119: Compile with USE_CUDA=1 "
        "to enable GPU usage\n" + GPU
    )
    assert "mxnet-cpu-build" in signature_ids(text)
    assert CPU in fails(text)


def test_llama_cpp_newer_wording_of_a_build_without_gpu_backend():
    text = (
        "warning: no usable GPU found, --gpu-layers option will be ignored\n"
        "warning: one possible reason is that llama.cpp was compiled without GPU support\n"
        "warning: consult docs/build.md for compilation instructions\n" + GPU
    )
    assert "llamacpp-cpu-build" in signature_ids(text)
    assert CPU in fails(text)


def test_llama_cpp_offloading_to_the_gpu_stays_quiet():
    text = (
        "ggml_cuda_init: found 1 CUDA devices:\n"
        "  Device 0: NVIDIA GeForce RTX 3090, compute capability 8.6, VMM: yes\n"
        "llm_load_tensors: offloaded 33/33 layers to GPU\n"
    )
    result = read(text)
    assert result is None or CPU not in categories(text)


YOLO = (
    "ValueError: Invalid CUDA 'device=0' requested. Use 'device=cpu' or pass valid CUDA "
    "device(s) if available, i.e. 'device=0' or 'device=0,1,2,3' for Multi-GPU.\n\n"
    "torch.cuda.is_available(): False\n"
    "torch.cuda.device_count(): 0\n"
)


def test_yolo_device_check_next_to_a_gpu_is_the_cpu_build():
    assert CPU in fails(YOLO + GPU)


def test_yolov5_device_check_is_read_too():
    text = (
        "AssertionError: Invalid CUDA '--device 0' requested, use '--device cpu' or pass valid "
        "CUDA device(s)\n" + GPU
    )
    assert "yolo-invalid-cuda-device" in signature_ids(text)
    assert CPU in fails(text)


def test_yolo_device_check_without_a_gpu_shown_is_not_a_failure():
    assert CPU not in fails(YOLO)


def test_transformers_fp16_check_next_to_a_gpu():
    text = (
        "ValueError: FP16 Mixed precision training with AMP or APEX (`--fp16`) and FP16 half "
        "precision evaluation (`--fp16_full_eval`) can only be used on CUDA or MLU devices\n" + GPU
    )
    assert CPU in fails(text)


def test_tensorflow_intel_in_a_pip_list_is_windows_cpu_tensorflow():
    text = (
        "Package                      Version\n"
        "---------------------------- -------\n"
        "keras                        2.13.1\n"
        "tensorflow                   2.13.0\n"
        "tensorflow-intel             2.13.0\n" + GPU
    )
    assert CPU in fails(text)


def test_tensorflow_intel_installed_by_pip_next_to_a_gpu():
    text = (
        "Collecting tensorflow-intel==2.15.0 (from tensorflow)\n"
        "  Downloading tensorflow_intel-2.15.0-cp311-cp311-win_amd64.whl (300.9 MB)\n"
        "Successfully installed tensorflow-2.15.0 tensorflow-intel-2.15.0\n" + GPU
    )
    assert CPU in fails(text)


def test_linux_tensorflow_pip_list_stays_quiet():
    text = (
        "Package                      Version\n"
        "---------------------------- -------\n"
        "tensorflow                   2.15.0\n"
        "nvidia-cudnn-cu12            8.9.4.25\n" + GPU
    )
    assert CPU not in categories(text)


def test_dlib_answering_without_cuda():
    text = ">>> import dlib\n>>> dlib.DLIB_USE_CUDA\nFalse\n" + GPU
    assert CPU in fails(text)


def test_dlib_with_cuda_stays_quiet():
    text = ">>> import dlib\n>>> dlib.DLIB_USE_CUDA\nTrue\n" + GPU
    assert CPU not in categories(text)


EXPORT = (
    "# This file may be used to create an environment using:\n"
    "# $ conda create --name <env> --file <this file>\n"
    "# platform: linux-64\n"
    "cpuonly=2.0=0\n"
    "pytorch=1.13.1=py3.9_cpu_0\n"
    "pytorch-mutex=1.0=cpu\n"
    "torchvision=0.14.1=py39_cpu\n"
)


def test_conda_export_with_a_cpu_pytorch_next_to_a_gpu():
    assert CPU in fails(EXPORT + GPU)


def test_conda_export_without_a_gpu_is_a_warning():
    assert CPU in categories(EXPORT)
    assert CPU not in fails(EXPORT)


def test_conda_env_export_yaml():
    text = (
        "name: myenv\n"
        "channels:\n"
        "  - pytorch\n"
        "dependencies:\n"
        "  - python=3.9.16=h7a1cb2a_2\n"
        "  - pytorch=1.13.1=py3.9_cpu_0\n"
        "  - pytorch-mutex=1.0=cpu\n" + GPU
    )
    assert CPU in fails(text)


def test_conda_explicit_urls():
    text = (
        "# platform: win-64\n"
        "@EXPLICIT\n"
        "https://conda.anaconda.org/pytorch/win-64/pytorch-2.0.1-py3.10_cpu_0.tar.bz2\n"
        "https://conda.anaconda.org/pytorch/noarch/pytorch-mutex-1.0-cpu.tar.bz2\n" + GPU
    )
    assert CPU in fails(text)


def test_conda_export_of_a_cuda_pytorch_stays_quiet():
    text = (
        "pytorch=2.1.0=py3.10_cuda12.1_cudnn8.9.2_0\n"
        "pytorch-cuda=12.1=ha16c6d3_5\n"
        "pytorch-mutex=1.0=cuda\n" + GPU
    )
    assert CPU not in categories(text)


def test_a_setting_written_name_equals_value_is_not_a_package():
    text = "I set torch=2.1 in my config and CUDA_VISIBLE_DEVICES=0\n" + GPU
    assert CPU not in categories(text) if read(text) else True


def test_tensorflow_after_2_10_on_windows_stated_or_shown():
    # the poster's stated platform, or a drive path, puts the paste on native Windows
    stated = (
        "I am on Windows 11. I installed tensorflow 2.13 but it runs on CPU, my GPU is a RTX 3070\n"
    )
    shown = "I installed tensorflow 2.13, my GPU is a RTX 3070\nC:\\Users\\me> python train.py\n"
    assert CPU in fails(stated)
    assert CPU in fails(shown)


def test_tensorflow_after_2_10_with_windows_named_in_passing_stays_quiet():
    # a release named beside the word alone is no platform (test_diagnose_causes_round5's rule)
    text = "I installed tensorflow 2.13 on windows 11 but it runs on CPU, my GPU is a RTX 3070\n"
    assert CPU not in fails(text)


def test_tensorflow_after_2_10_under_wsl_stays_quiet():
    text = (
        "I installed tensorflow 2.13 in WSL 2 on windows 11 but it runs on CPU, my GPU is a "
        "RTX 3070\n"
    )
    assert CPU not in fails(text)


def test_tensorflow_2_10_on_windows_is_not_the_windows_cpu_build():
    text = "I installed tensorflow 2.10 on windows 11 but it runs on CPU, my GPU is a RTX 3070\n"
    assert CPU not in fails(text)


def test_half_precision_on_the_cpu_next_to_a_gpu_is_a_warning():
    text = "RuntimeError: \"addmm_impl_cpu_\" not implemented for 'Half'\n" + GPU
    assert "torch-half-on-cpu" in signature_ids(text)
    assert CPU in categories(text)
    assert CPU not in fails(text)


def test_half_precision_on_a_cuda_kernel_is_not_read_so():
    text = "RuntimeError: \"baddbmm_cuda\" not implemented for 'Half'\n" + GPU
    assert "torch-half-on-cpu" not in (signature_ids(text) if read(text) else set())


def test_torch_config_without_cuda_is_a_warning():
    text = (
        "  - Build settings: BLAS_INFO=mkl, BUILD_TYPE=Release, TORCH_VERSION=2.0.1, "
        "USE_CUDA=OFF, USE_CUDNN=OFF, USE_MKL=ON,\n" + GPU
    )
    assert CPU in categories(text)


def test_torch_config_of_a_cuda_build_stays_quiet():
    text = (
        "  - Build settings: BLAS_INFO=mkl, BUILD_TYPE=Release, CUDA_VERSION=12.1, "
        "TORCH_VERSION=2.1.0, USE_CUDA=ON, USE_CUDNN=ON,\n" + GPU
    )
    assert CPU not in categories(text) if read(text) else True


def test_xgboost_build_info_without_cuda():
    text = ">>> xgboost.build_info()\n{'USE_CUDA': False, 'USE_NCCL': False, 'USE_OPENMP': True}\n"
    assert CPU in fails(text + GPU)
    assert CPU not in fails(text)


def test_paddle_install_check_on_the_cpu_next_to_a_gpu():
    text = (
        "Running verify PaddlePaddle program ...\n"
        "PaddlePaddle works well on 1 CPU.\n"
        "PaddlePaddle is installed successfully!\n"
    )
    assert CPU in categories(text + GPU)
    assert CPU not in categories(text.replace("1 CPU", "1 GPU") + GPU) if read(text) else True


def test_a_library_cpu_build_stated_in_other_words_is_a_warning_next_to_a_gpu():
    for said in (
        "I realized my torch was the cpu build.",
        "原因是torch是cpu版本的",
        "pytorch装成了CPU版",
        "paddlepaddle 是 cpu 版本",
    ):
        text = said + "\n" + GPU
        assert CPU in categories(text), said
        assert CPU not in fails(text), said


def test_a_sentence_denying_the_cpu_build_stays_quiet():
    text = "torch is not the cpu version, it is +cu118.\n" + GPU
    assert CPU not in categories(text) if read(text) else True


TF1_LIST = (
    "== check pips ===================================================\n"
    "numpy                1.16.1\n"
    "protobuf             3.6.1\n"
    "tensorflow           1.13.1\n"
    "== nvidia-smi ===================================================\n"
    "| NVIDIA-SMI 410.79       Driver Version: 410.79       CUDA Version: 10.0     |\n"
    "|   0  GeForce GTX 1080    Off  | 00000000:01:00.0  On |                  N/A |\n"
)


def test_the_cpu_only_tensorflow_package_of_1_x_listed_alone_next_to_a_gpu():
    assert CPU in categories(TF1_LIST)


def test_tensorflow_gpu_of_1_x_listed_alone_stays_quiet():
    assert CPU not in categories(TF1_LIST.replace("tensorflow    ", "tensorflow-gpu"))


def test_tensorflow_1_15_carried_gpu_support_already():
    assert CPU not in categories(TF1_LIST.replace("1.13.1", "1.15.0"))


def test_a_pypi_torch_wheel_for_windows_is_the_cpu_build():
    text = (
        "Collecting torch\n"
        "  Downloading torch-2.1.0-cp311-cp311-win_amd64.whl (192.3 MB)\n"
        "Successfully installed torch-2.1.0\n" + GPU
    )
    assert CPU in fails(text)


def test_a_cuda_wheel_from_the_pytorch_index_for_windows_stays_quiet():
    text = (
        "  Downloading https://download.pytorch.org/whl/cu118/torch-2.1.0%2Bcu118-cp311-cp311-"
        "win_amd64.whl (2722.7 MB)\n"
        "Successfully installed torch-2.1.0+cu118\n" + GPU
    )
    assert CPU not in categories(text)


def test_an_old_default_cuda_wheel_under_a_cu_path_stays_quiet():
    text = (
        "  Downloading https://download.pytorch.org/whl/cu102/torch-1.6.0-cp38-cp38-win_amd64.whl"
        " (1000.1 MB)\n"
        "Successfully installed torch-1.6.0\n" + GPU
    )
    assert CPU not in fails(text)


def test_a_pypi_torch_wheel_for_linux_stays_quiet():
    text = (
        "  Downloading torch-2.1.0-cp311-cp311-manylinux1_x86_64.whl (670.2 MB)\n"
        "Successfully installed torch-2.1.0\n" + GPU
    )
    assert CPU not in categories(text)


def test_an_install_command_naming_a_cpu_only_distribution_next_to_a_gpu():
    for command in (
        "conda install pytorch torchvision torchaudio cpuonly -c pytorch",
        "pip install tensorflow-cpu==2.12.0",
        "pip install faiss-cpu",
        "pip install onnxruntime==1.16.0",
        "pip install paddlepaddle==2.5.1",
    ):
        text = command + "\n" + GPU
        assert "cpu-distribution-installed" in signature_ids(text), command
        assert CPU not in fails(text), command


def test_an_install_command_naming_the_gpu_distribution_stays_quiet():
    for command in (
        "pip install onnxruntime-gpu",
        "pip uninstall onnxruntime",
        "pip install paddlepaddle-gpu==2.5.1",
        "pip install optimum[onnxruntime-gpu]",
        "conda install -c conda-forge onnxruntime",
    ):
        text = command + "\n" + GPU
        assert "cpu-distribution-installed" not in (signature_ids(text) if read(text) else set())
