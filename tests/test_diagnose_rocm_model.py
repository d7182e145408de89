"""ROCm as a model (rules/rocm.yaml): the HSA runtime's statuses by name and number, the gfx
targets against what ROCm software carries code for, HSA_OVERRIDE_GFX_VERSION, and the account's
access to /dev/kfd. Every paste here is written for this test (other targets, other releases,
other wordings than any thread's), each cause with a counterpart that must stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.facts.rocm_table import RocmTableError, load_rocm_table, override_target
from tests.pastes import categories, fact, fails, read, signature_ids, statuses

ROCM, ARCH = "rocm-issue", "arch-unsupported"


def _agents(*agents: tuple[str, str]) -> str:
    """rocminfo's agent list: a CPU agent, then one agent per (marketing name, gfx target)."""
    out = [
        "ROCk module version 6.8.5 is loaded",
        "=====================",
        "HSA System Attributes",
        "=====================",
        "Runtime Version:         1.14",
        "==========",
        "HSA Agents",
        "==========",
        "*******",
        "Agent 1",
        "*******",
        "  Name:                    AMD Ryzen 9 7950X 16-Core Processor",
        "  Marketing Name:          AMD Ryzen 9 7950X 16-Core Processor",
        "  Device Type:             CPU",
    ]
    for n, (name, gfx) in enumerate(agents, start=2):
        out += [
            "*******",
            f"Agent {n}",
            "*******",
            f"  Name:                    {gfx}",
            f"  Marketing Name:          {name}",
            "  Device Type:             GPU",
            "  ISA Info:",
            "    ISA 1",
            f"      Name:                    amdgcn-amd-amdhsa--{gfx}",
        ]
    out.append("*** Done ***")
    return "\n".join(out) + "\n"


# --- the table ------------------------------------------------------------------------------


def test_the_table_reads_statuses_by_name_decimal_and_hex():
    table = load_rocm_table()
    by_name = table.status("HSA_STATUS_ERROR_OUT_OF_RESOURCES")
    assert by_name is not None and by_name.number == 4104 and by_name.means == "start"
    assert table.status("4104") == by_name and table.status("0x1008") == by_name
    assert table.status("4097").name == "HSA_STATUS_ERROR_INVALID_ARGUMENT"
    assert table.status("0x100f").means == "code-object"
    assert table.status("7") is None and table.status("HSA_STATUS_SUCCESS") is None


def test_every_target_cites_listed_sources_and_a_readable_override():
    table = load_rocm_table()
    for target in table.targets.values():
        assert target.sources and all(s in table.urls for s in target.sources), target.gfx
        if target.runs_as:
            named = override_target(target.runs_as)
            assert named is not None and table.targets[named].support == "wheels", target.gfx
            assert table.targets[named].family == target.family, target.gfx


def test_override_values_as_the_runtime_reads_them():
    assert override_target("10.3.0") == "gfx1030"
    assert override_target('"11.0.0"') == "gfx1100"
    assert override_target("9.0.a") == "gfx90a"
    for bad in ("gfx1030", "10.3", "1030", "10-3-0"):
        assert override_target(bad) is None, bad


def test_a_table_with_an_unlisted_source_is_refused(tmp_path: Path):
    path = tmp_path / "rocm.yaml"
    path.write_text(
        "sources: {a: {url: 'https://example.org', title: t}}\n"
        "targets:\n  - {gfx: gfx1030, family: gfx10.3, kind: dgpu, support: pytorch, source: [b]}\n"
        "hsa_status: []\n",
        encoding="utf-8",
    )
    with pytest.raises(RocmTableError, match="gfx1030"):
        load_rocm_table(path)


# --- the runtime could not start -------------------------------------------------------------

_START_FAILED = (
    "$ /opt/rocm-5.4.3/bin/rocminfo\n"
    "hsa api call failure at: /long/pathname/so/that/rpms/can/package/the/debug/info/rocminfo.cc:1189\n"
    "Call returned {status}\n"
)


@pytest.mark.parametrize(
    "status", ["4104", "0x1008", "HSA_STATUS_ERROR_OUT_OF_RESOURCES: The runtime failed"]
)
def test_hsa_start_failure_by_number_or_name_is_a_rocm_failure(status):
    text = _START_FAILED.format(status=status)
    assert ROCM in fails(text)
    assert fact(read(text), "rocm.hsa_status") == "HSA_STATUS_ERROR_OUT_OF_RESOURCES"


def test_a_programs_own_status_is_not_a_start_failure():
    text = _START_FAILED.format(status="4097")  # HSA_STATUS_ERROR_INVALID_ARGUMENT
    result = read(text)
    assert result is not None and "rocm:start" not in signature_ids(text)
    assert ROCM not in fails(text)


def test_start_failure_with_kfd_missing_names_the_driver():
    text = (
        "ROCk module is NOT loaded, possibly no GPU devices\n"
        + ("Unable to open /dev/kfd read-write: No such file or directory\n")
        + _START_FAILED.format(status="4104")
    )
    result = read(text)
    start = next(f for f in result.findings if f.category == ROCM and f.status == "fail")
    assert ROCM in fails(text)
    assert "amdgpu" in (start.fix or "") or "amdgpu" in start.detail


def test_kfd_permission_denied_is_the_group():
    text = (
        "ROCk module version 6.7.0 is loaded\n"
        "Unable to open /dev/kfd read-write: Permission denied\n"
        'carol is not member of "render" group, the default DRM access group. Users must be a '
        'member of the "render" group or another DRM access group in order for ROCm applications '
        "to run successfully.\n"
    )
    result = read(text)
    assert ROCM in fails(text)
    assert any("usermod" in (f.fix or "") for f in result.findings if f.category == ROCM)


def test_a_member_of_the_group_stays_quiet():
    text = "ROCk module version 6.7.0 is loaded\ncarol is member of render group\n" + _agents(
        ("Radeon RX 7900 XTX", "gfx1100")
    )
    assert fails(text) == set()
    assert "rocm:device-access" not in signature_ids(text)


# --- gfx targets --------------------------------------------------------------------------------


_TORCH_ROCM = "torch                    2.3.1+rocm6.0\ntorchvision              0.18.1+rocm6.0\n"


def test_an_integrated_gpu_alone_without_kernels_fails_with_its_familys_override():
    text = _agents(("AMD Radeon 680M", "gfx1035")) + _TORCH_ROCM
    result = read(text)
    assert {ROCM, ARCH} <= fails(text)
    finding = next(f for f in result.findings if f.id == "gfx:no-kernels")
    assert "HSA_OVERRIDE_GFX_VERSION=10.3.0" in (finding.fix or "")


def test_a_listing_alone_is_a_warning_no_program_used_the_gpu():
    text = _agents(("AMD Radeon 680M", "gfx1035"))
    assert fails(text) == set()
    assert statuses(read(text), ARCH) == {"warn"}


def test_an_integrated_gpu_beside_a_supported_card_stays_quiet():
    text = _agents(("AMD Radeon Graphics", "gfx1035"), ("Radeon RX 7900 XT", "gfx1100"))
    assert fails(text) == set()
    assert "gfx:no-kernels" not in signature_ids(text)


def test_a_gcn1_card_has_no_override_to_offer():
    text = _agents(("AMD Radeon R7 240", "gfx602")) + _TORCH_ROCM
    result = read(text)
    assert {ROCM, ARCH} <= fails(text)
    finding = next(f for f in result.findings if f.id == "gfx:no-kernels")
    assert "HSA_OVERRIDE" not in (finding.fix or "")


def test_a_dropped_target_is_a_warning():
    text = _agents(("Radeon RX 580 Series", "gfx803"))
    assert fails(text) == set()
    assert "warn" in statuses(read(text), ROCM)


def test_a_card_named_by_a_tool_gets_its_target_from_the_name_table():
    listing = "GPU[0]          : Card series:          Radeon RX 580\n"
    assert "warn" in statuses(read(listing + _TORCH_ROCM), ROCM)  # gfx803: dropped
    vega = "GPU[0]          : Card series:          Radeon RX Vega 64\n"
    # gfx900: the wheels carry it (no kernels finding, no fail); ROCm 6.0's own list does not, a
    # warning of its own (rocm_releases.py, session 41)
    assert fails(vega + _TORCH_ROCM) == set()
    assert signature_ids(vega + _TORCH_ROCM) & {"gfx:no-kernels", "gfx:older-wheels"} == set()
    assert statuses(read(vega + _TORCH_ROCM), ROCM) == {"warn"}


def test_supported_instinct_and_radeon_targets_stay_quiet():
    for gfx in ("gfx90a", "gfx942", "gfx1030", "gfx1100"):
        assert categories(_agents(("AMD Instinct", gfx))) == set(), gfx


def test_a_target_added_after_2024_warns_unless_a_current_torch_is_shown():
    text = _agents(("AMD Radeon RX 9060 XT", "gfx1200"))
    assert fails(text) == set() and "gfx:older-wheels" in signature_ids(text)
    current = (
        text + "torch                    2.11.0+rocm7.2\ntorchvision              0.26.0+rocm7.2\n"
    )
    assert "gfx:older-wheels" not in signature_ids(current)


def test_a_program_reporting_an_unsupported_target():
    text = (
        'time=2025-01-02T10:00:00Z level=INFO source=amd_linux.go:90 msg="detected amdgpu versions [gfx1012]"\n'
        'time=2025-01-02T10:00:00Z level=INFO source=gpu.go:300 msg="no compatible amdgpu devices detected"\n'
    )
    assert {ROCM, ARCH} <= fails(text)
    quiet = ">>> torch.cuda.get_device_properties(0)\n_CudaDeviceProperties(name='AMD Radeon PRO W7800', gcnArchName='gfx1100', total_memory=32752MB)\n"
    assert fails(quiet) == set()


# --- HSA_OVERRIDE_GFX_VERSION --------------------------------------------------------------------


def test_an_override_of_another_family_warns():
    text = "export HSA_OVERRIDE_GFX_VERSION=11.0.0\n" + _agents(
        ("AMD Radeon RX 6750 XT", "gfx1031")
    )
    result = read(text)
    assert "gfx:override-family" in signature_ids(text)
    assert fails(text) == set() and "warn" in statuses(result, ROCM)


def test_an_override_of_the_cards_own_family_stays_quiet():
    text = "export HSA_OVERRIDE_GFX_VERSION=10.3.0\n" + _agents(
        ("AMD Radeon RX 6750 XT", "gfx1031")
    )
    assert fails(text) == set() and categories(text) == set()


def test_an_override_the_runtime_cannot_read_warns():
    text = "HSA_OVERRIDE_GFX_VERSION=gfx1030 python train.py\n" + _agents(
        ("AMD Radeon RX 6750 XT", "gfx1031")
    )
    assert "gfx:override-format" in signature_ids(text)
    assert fails(text) == set()


def test_a_reported_target_that_is_not_the_cards_own_reveals_an_override():
    text = _agents(("AMD Radeon RX 7900 XTX", "gfx1030"))
    assert "gfx:reported-other" in signature_ids(text)
    assert fails(text) == set()
    assert "gfx:reported-other" not in signature_ids(_agents(("AMD Radeon RX 7900 XTX", "gfx1100")))


# --- the account's access to /dev/kfd -------------------------------------------------------------


def test_works_with_sudo_only_is_the_group_inferred():
    text = _agents(("Radeon RX 7800 XT", "gfx1101")) + (
        "torch.cuda.is_available() works fine with sudo, but as my normal user it is False.\n"
    )
    result = read(text)
    access = next(f for f in result.findings if f.id == "rocm:device-access")
    assert access.status == "warn" and "inferred" in access.detail


def test_sudo_that_did_not_help_is_not_the_group():
    text = _agents(("Radeon RX 7900 XTX", "gfx1100")) + (
        "It doesn't work even with sudo, torch.cuda.is_available() is still False.\n"
    )
    assert "rocm:device-access" not in signature_ids(text)


def test_an_id_listing_without_render_or_video():
    listing = "uid=1001(dave) gid=1001(dave) groups=1001(dave),4(adm),27(sudo)\n"
    text = _agents(("Radeon RX 7900 XTX", "gfx1100")) + listing
    assert "rocm:device-access" in signature_ids(text)
    member = listing.replace("27(sudo)", "27(sudo),44(video),992(render)")
    assert "rocm:device-access" not in signature_ids(
        _agents(("Radeon RX 7900 XTX", "gfx1100")) + member
    )


def test_an_account_sentence_without_amd_context_stays_quiet():
    text = (
        "| NVIDIA-SMI 550.54.14    Driver Version: 550.54.14    CUDA Version: 12.4 |\n"
        "It works with sudo but my other user account gets False.\n"
    )
    assert "rocm:device-access" not in signature_ids(text)


# --- a framework built for another vendor's GPU ----------------------------------------------------


def test_a_cuda_torch_on_an_amd_only_machine():
    text = _agents(("Radeon RX 7900 GRE", "gfx1100")) + (
        ">>> import torch\n>>> torch.__version__\n'2.4.1+cu124'\n>>> torch.cuda.is_available()\nFalse\n"
    )
    assert ROCM in fails(text)
    listed = _agents(("Radeon RX 7900 GRE", "gfx1100")) + "torch                    2.4.1+cu124\n"
    assert "build:pytorch-for-cuda-on-amd" in signature_ids(listed) and fails(listed) == set()


def test_a_rocm_torch_or_an_nvidia_gpu_beside_stays_quiet():
    rocm = _agents(("Radeon RX 7900 GRE", "gfx1100")) + "torch                    2.4.1+rocm6.1\n"
    assert "build:pytorch-for-cuda-on-amd" not in signature_ids(rocm)
    both = rocm.replace("+rocm6.1", "+cu124") + (
        "| NVIDIA-SMI 550.54.14    Driver Version: 550.54.14    CUDA Version: 12.4 |\n"
    )
    assert "build:pytorch-for-cuda-on-amd" not in signature_ids(both)


def test_standard_tensorflow_on_an_amd_gpu_warns_and_tensorflow_rocm_does_not():
    agents = _agents(("AMD Instinct MI210", "gfx90a"))
    assert "build:tensorflow-not-rocm-on-amd" in signature_ids(
        agents + "tensorflow               2.16.1\n"
    )
    assert "build:tensorflow-not-rocm-on-amd" not in signature_ids(
        agents + "tensorflow-rocm          2.14.0.600\n"
    )
