"""Session 46: the driver a GPU listing shows (lspci -k, lshw -C display, inxi -G, dxdiag, wmic /
Get-CimInstance Win32_VideoController) is read beside the card prose already names; nouveau bound
to an NVIDIA card is a warning that NVIDIA's driver is not loaded. Texts written here after the
tools' formats (lspci -k as in https://github.com/mattshma/bigdata/issues/133's listing, nouveau
as https://github.com/flydiscohuebr/nvidia-304/issues/11 describes it), each with a quiet
counterpart.
"""

from __future__ import annotations

from recommender.facts.reports.gpu_listings import read as read_listings
from recommender.facts.reports.gpu_listings import windows_release
from recommender.facts.reports.lines import paste_lines
from recommender.facts.reports.paste import read_paste
from tests.pastes import block_facts, read, signature_ids

LSPCI_NOUVEAU = """RuntimeError: No CUDA GPUs are available
$ lspci -k | grep -A 3 -i vga
01:00.0 VGA compatible controller: NVIDIA Corporation GA102 [GeForce RTX 3090] (rev a1)
\tSubsystem: ASUSTeK Computer Inc. GA102 [GeForce RTX 3090]
\tKernel driver in use: nouveau
\tKernel modules: nvidiafb, nouveau"""

LSPCI_NVIDIA = LSPCI_NOUVEAU.replace("in use: nouveau", "in use: nvidia")

IGPU_BESIDE = """torch.cuda.is_available() returns False
00:02.0 VGA compatible controller: Intel Corporation AlderLake-S GT1 (rev 0c)
\tKernel driver in use: i915
01:00.0 3D controller: NVIDIA Corporation TU104GL [Tesla T4] (rev a1)
\tKernel driver in use: nvidia"""

LSHW = """RuntimeError: No CUDA GPUs are available
  *-display
       description: VGA compatible controller
       product: TU106 [GeForce RTX 2060]
       vendor: NVIDIA Corporation
       configuration: driver=nouveau latency=0"""

INXI = """RuntimeError: No CUDA GPUs are available
Graphics:
  Device-1: NVIDIA TU104GL [Tesla T4] driver: nvidia v: 535.86.05"""

DXDIAG = """RuntimeError: No CUDA GPUs are available
          Card name: NVIDIA GeForce RTX 4070
       Manufacturer: NVIDIA
     Driver Version: 31.0.15.3623"""

WMIC = """RuntimeError: No CUDA GPUs are available
> wmic path win32_VideoController get name,driverversion
DriverVersion   Name
NVIDIA GeForce RTX 3060    27.21.14.5671"""

INTEL_WINDOWS = """RuntimeError: No CUDA GPUs are available
          Card name: Intel(R) UHD Graphics 630
     Driver Version: 31.0.101.2111"""


def _facts(text: str) -> dict:
    return block_facts(read_listings(paste_lines(text)))


def test_windows_numbering_gives_nvidias_release() -> None:
    assert windows_release("31.0.15.3623") == "536.23"
    assert windows_release("27.21.14.5671") == "456.71"
    assert windows_release("535.86.05") is None


def test_lspci_reads_the_driver_in_use_on_its_line() -> None:
    blocks = read_listings(paste_lines(LSPCI_NOUVEAU))
    (fact,) = blocks[0].facts
    assert (fact.path, fact.value, fact.line) == ("driver.kernel_module", "nouveau", 5)


def test_nouveau_on_the_card_warns_of_no_driver() -> None:
    result = read(LSPCI_NOUVEAU)
    assert result is not None
    warned = [f for f in result.findings if f.id.endswith("nouveau-bound")]
    assert warned and warned[0].status == "warn" and warned[0].category == "no-driver"


def test_nvidia_bound_stays_quiet() -> None:
    assert "nouveau-bound" not in signature_ids(LSPCI_NVIDIA)
    assert _facts(LSPCI_NVIDIA) == {"driver.kernel_module": "nvidia"}


def test_intel_igpu_driver_is_not_the_nvidia_cards() -> None:
    facts = read_listings(paste_lines(IGPU_BESIDE))
    values = [(f.value, f.line) for b in facts for f in b.facts]
    assert values == [("nvidia", 5)]


def test_lshw_configuration_driver() -> None:
    assert _facts(LSHW) == {"driver.kernel_module": "nouveau"}
    assert "nouveau-bound" in signature_ids(LSHW)


def test_inxi_driver_and_version_reach_the_gpu() -> None:
    assert _facts(INXI) == {"driver.kernel_module": "nvidia", "driver.version": "535.86.05"}
    (gpu,) = read_paste(INXI, origin="-").doc["accelerators"]
    assert gpu["compute_capability"] == "7.5" and gpu["driver_version"] == "535.86.05"


def test_dxdiag_and_wmic_give_the_release_beside_an_nvidia_card() -> None:
    assert _facts(DXDIAG) == {"driver.version": "536.23"}
    assert _facts(WMIC) == {"driver.version": "456.71"}


def test_an_intel_cards_windows_driver_is_not_read() -> None:
    assert _facts(INTEL_WINDOWS) == {}


def test_a_gpu_in_prose_stays_prose() -> None:
    text = "RuntimeError: No CUDA GPUs are available\nMy NVIDIA GeForce RTX 3090 driver: nvidia works in games"
    assert _facts(text) == {}
    assert "nouveau-bound" not in signature_ids(text + "\nI removed nouveau last week")
