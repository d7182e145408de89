"""Issue 21, blind round 39 (whether builds and libraries support the accelerator): the causes
the round's development misses showed, tested on text written here (other GPUs, other wordings,
other DLLs), each with a healthy counterpart that must stay quiet.

1. torch's own Windows loader (torch/__init__.py) appends 'Error loading "<dll>" or one of its
   dependencies.' to the WinError when a DLL of torch\\lib, or one it depends on, cannot load: a
   missing library whatever the DLL (c10.dll, c10_xpu.dll, torch_cuda.dll) and whether or not the
   code in front survived the retelling.
2. An AMD GPU named in prose (a Radeon/Instinct product, or a gfx target) is an accelerator fact,
   so the ROCm target model (gfx.py) is asked of it as of a rocminfo agent.
3. A release stated in a sentence is the one the platform-wheel check uses, even where the report
   was filed in the library's own tracker (a package fact with no version must not hide it).
"""

from __future__ import annotations

from tests.pastes import categories, fact, fails, read, signature_ids

# --- 1. torch's Windows DLL loader --------------------------------------------------------------


def test_torch_dll_loader_without_the_code_is_a_missing_library() -> None:
    text = (
        "import torch fails right away:\n"
        'OSError: Error loading "C:\\Users\\me\\env\\Lib\\site-packages\\torch\\lib\\torch_cuda.dll" '
        "or one of its dependencies.\n"
    )
    assert "missing-library" in fails(text)
    assert "torch-windows-dll-load" in signature_ids(text)


def test_torch_dll_loader_for_an_xpu_build_is_a_missing_library() -> None:
    text = (
        "torch 2.5.1+xpu on Windows 11:\n"
        'Error loading "D:\\venv\\lib\\site-packages\\torch\\lib\\c10_xpu.dll" or one of its dependencies\n'
    )
    assert "missing-library" in fails(text)


def test_torch_dll_loader_with_its_code_keeps_the_category() -> None:
    text = (
        "OSError: [WinError 1114] A dynamic link library (DLL) initialization routine failed. "
        'Error loading "C:\\Python311\\Lib\\site-packages\\torch\\lib\\c10.dll" or one of its dependencies.\n'
    )
    assert "missing-library" in fails(text)


def test_the_page_file_code_in_front_is_memory_not_a_missing_library() -> None:
    text = (
        "OSError: [WinError 1455] The paging file is too small for this operation to complete. "
        'Error loading "C:\\envs\\t\\lib\\site-packages\\torch\\lib\\cudnn_adv_train64_8.dll" '
        "or one of its dependencies.\n"
    )
    assert "torch-windows-dll-load" not in signature_ids(text)
    assert "missing-library" not in fails(text)


def test_a_dotnet_assembly_load_failure_is_not_torchs() -> None:
    text = (
        "System.IO.FileNotFoundException: Could not load file or assembly "
        "'Newtonsoft.Json, Version=13.0.0.0' or one of its dependencies.\n"
        "torch 2.3.1 and CUDA 12.1 work fine in the same machine.\n"
    )
    assert "torch-windows-dll-load" not in signature_ids(text)


# --- 2. AMD GPUs named in prose -----------------------------------------------------------------


def test_an_rdna1_card_in_prose_has_no_rocm_kernels() -> None:
    text = (
        "My GPU is a Radeon RX 5600 XT and I installed torch 2.2.1+rocm5.7.\n"
        "x = torch.ones(3, device='cuda') crashes the whole process.\n"
    )
    result = read(text)
    assert result is not None
    assert fact(result, "gpu.0.gfx") == "gfx1010"
    assert "rocm-issue" in categories(text)


def test_a_gfx_target_written_as_such_is_the_card() -> None:
    text = (
        "the card reports itself as gfx1032 (a laptop RX 6600M)\n"
        "RuntimeError: HIP error: invalid device function\n"
    )
    result = read(text)
    assert result is not None
    assert fact(result, "gpu.0.gfx") == "gfx1032"
    assert "rocm-issue" in fails(text)


def test_an_instinct_board_by_its_short_name() -> None:
    result = read("We run the job on four MI250X boards with ROCm 6.1 and it hangs at step 0.\n")
    assert result is not None
    assert fact(result, "gpu.0.gfx") == "gfx90a"


def test_a_supported_amd_card_in_prose_stays_quiet() -> None:
    text = (
        "I have an RX 7900 XTX with torch 2.4.0+rocm6.1; training works but my loss becomes NaN "
        "after epoch 3 when I use a learning rate of 1e-2.\n"
    )
    assert read(text) is not None
    assert not fails(text)
    assert "rocm-issue" not in categories(text)


def test_an_amd_card_where_nothing_shows_rocm_is_no_rocm_matter() -> None:
    # Windows, a plain torch with DirectML: the card's gfx target is ROCm's business, not this one
    text = (
        "Windows 11 Pro, Radeon RX 5600 XT, torch-directml 0.2.0 with torch 2.0.0.\n"
        "The model trains but the validation accuracy stays at 10%.\n"
    )
    assert "rocm-issue" not in categories(text)
    assert not fails(text)


def test_a_sentence_listing_targets_reads_one_gpu_only() -> None:
    text = (
        "The ROCm wheels carry gfx1030, gfx1100 and gfx90a code objects; my model still gives "
        "a shape mismatch in the decoder.\n"
    )
    result = read(text)
    assert result is not None
    assert fact(result, "gpu.1.gfx") is None
    assert not fails(text)


def test_an_nvidia_card_named_keeps_amd_words_unread() -> None:
    result = read("Moved from an RX 580 to an RTX 4090; torch 2.1.0+cu121 now sees cuda:0 fine.\n")
    assert result is not None
    assert fact(result, "gpu.0.gfx") is None


# --- 3. a stated release beside the tracker's own package ---------------------------------------


def test_stated_release_wins_over_the_trackers_versionless_package() -> None:
    text = (
        "OS - Windows 10\n"
        "bitsandbytes - 0.40.2\n"
        "CUDA_SETUP: WARNING! libcudart.so not found in any environmental path.\n"
    )
    cats = categories(text, repository="bitsandbytes-foundation/bitsandbytes")
    assert "no-matching-wheel" in cats


def test_a_release_with_windows_wheels_stays_quiet_in_its_tracker() -> None:
    text = "OS - Windows 11\nbitsandbytes - 0.45.0\nthe 4-bit model loads, but generation is slow\n"
    cats = categories(text, repository="bitsandbytes-foundation/bitsandbytes")
    assert "no-matching-wheel" not in cats
