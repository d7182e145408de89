"""nvidia-smi's query forms (``-q``/``-a``, ``-q -x``, ``--query-gpu --format=csv``) are read like
its table: the driver, its newest CUDA, each GPU's name, memory and compute mode. Texts written
here, in the layouts of NVIDIA's documentation (https://docs.nvidia.com/deploy/nvidia-smi/)."""

from __future__ import annotations

from recommender.facts.reports.lines import paste_lines
from recommender.facts.reports.nvidia_smi_query import read
from tests.pastes import block_facts, categories, fails, run

Q_LOG = """\
==============NVSMI LOG==============

Timestamp                                 : Tue Mar  4 10:12:01 2025
Driver Version                            : 550.120
CUDA Version                              : 12.4

Attached GPUs                             : 2
GPU 00000000:17:00.0
    Product Name                          : NVIDIA RTX A6000
    Product Brand                         : NVIDIA RTX
    Product Architecture                  : Ampere
    Persistence Mode                      : Enabled
    FB Memory Usage
        Total                             : 49140 MiB
        Reserved                          : 503 MiB
        Used                              : 3 MiB
        Free                              : 48633 MiB
    BAR1 Memory Usage
        Total                             : 65536 MiB
        Used                              : 1 MiB
    Compute Mode                          : Default
GPU 00000000:65:00.0
    Product Name                          : NVIDIA RTX A6000
    FB Memory Usage
        Total                             : 49140 MiB
        Used                              : 47000 MiB
    Compute Mode                          : Exclusive_Process
"""

XML_LOG = """\
<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log>
\t<timestamp>Wed Jan 10 08:00:00 2024</timestamp>
\t<driver_version>470.223.02</driver_version>
\t<cuda_version>11.4</cuda_version>
\t<attached_gpus>1</attached_gpus>
\t<gpu id="00000000:01:00.0">
\t\t<product_name>Tesla T4</product_name>
\t\t<fb_memory_usage>
\t\t\t<total>15109 MiB</total>
\t\t\t<used>0 MiB</used>
\t\t</fb_memory_usage>
\t\t<compute_mode>Prohibited</compute_mode>
\t</gpu>
</nvidia_smi_log>
"""

CSV = """\
$ nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
name, driver_version, memory.total [MiB], compute_cap
NVIDIA GeForce RTX 4090, 560.35.03, 24564 MiB, 8.9
NVIDIA GeForce RTX 4090, 560.35.03, 24564 MiB, 8.9
"""


def _facts(text: str) -> dict:
    return block_facts(read(paste_lines(text)))


def test_the_q_log_gives_the_driver_its_cuda_and_each_gpu() -> None:
    facts = _facts(Q_LOG)
    assert facts["driver.version"] == "550.120"
    assert facts["driver.max_cuda"] == "12.4"
    assert facts["gpu.0.name"] == facts["gpu.1.name"] == "NVIDIA RTX A6000"
    assert facts["gpu.0.memory"] == 49140  # FB memory, not BAR1's 65536
    assert facts["gpu.1.memory_used"] == 47000
    assert facts["gpu.1.compute_mode"] == "E. Process"  # the table's short form
    assert facts["gpu.count"] == 2


def test_the_xml_log_gives_the_same_facts() -> None:
    facts = _facts(XML_LOG)
    assert facts["driver.version"] == "470.223.02"
    assert facts["driver.max_cuda"] == "11.4"
    assert facts["gpu.0.name"] == "Tesla T4"
    assert facts["gpu.0.memory"] == 15109
    assert facts["gpu.0.compute_mode"] == "Prohibited"


def test_the_csv_answer_gives_names_driver_and_compute_capability() -> None:
    facts = _facts(CSV)
    assert facts["gpu.0.name"] == facts["gpu.1.name"] == "NVIDIA GeForce RTX 4090"
    assert facts["driver.version"] == "560.35.03"
    assert facts["gpu.0.cc"] == "8.9"
    assert facts["gpu.count"] == 2


def test_a_query_log_alone_is_a_readable_paste_and_healthy() -> None:
    result = run(Q_LOG.replace("Exclusive_Process", "Default"))
    assert "nvidia-smi" in result.formats
    assert not result.failed


def test_its_facts_feed_the_checks_the_table_feeds() -> None:
    # a GPU held in Exclusive_Process mode: the compute-mode check reads -q's NVML name
    assert "no-device" in categories(Q_LOG)
    # the driver's newest CUDA (11.4) below a cu121 build: the same check as the table's header
    text = XML_LOG + "\n>>> import torch\n>>> torch.__version__\n'2.3.1+cu121'\n"
    assert "driver-too-old" in categories(text)


def test_text_that_only_looks_like_it_is_not_read() -> None:
    prose = "name, version\nGPU, the fast one\nDriver Version: we use 535 (table style)\n"
    assert not _facts(prose)
    # a GPU key outside a log's GPU section (no banner, no driver line, no bus id) is not the log's
    assert not _facts("Product Name : NVIDIA RTX A6000\n")


def test_nvidia_smi_without_its_library_is_a_library_path_problem() -> None:
    text = (
        "$ docker run --gpus all --rm nvidia/cuda:12.2.0-base-ubuntu22.04 nvidia-smi\n"
        "NVIDIA-SMI couldn't find libnvidia-ml.so library in your system. Please make sure "
        "that the NVIDIA Display Driver is properly installed and present in your system.\n"
    )
    assert "missing-library" in fails(text)
