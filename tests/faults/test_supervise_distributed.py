"""``--distributed N`` beyond what the machine holds is refused with exit 2 before anything starts
(the flag allowed 1024 processes on a 2-core box); the limit is one documented function."""

from __future__ import annotations

import pytest

from recommender.facts.document import Facts
from tests.faults.helpers import fake_torch_env, run

GIB = 1 << 30


def facts(cores: int | None, memory: int | None, gpus: int = 0) -> Facts:
    return Facts.from_dict(
        {
            "cpu": {"usable_cores": cores},
            "memory": {"usable_bytes": memory},
            "accelerators": [
                {"kind": "cuda", "vendor": "nvidia", "index": i, "visible": True}
                for i in range(gpus)
            ],
            "frameworks": {"pytorch": {"installed": True}},
        }
    )


@pytest.mark.parametrize(
    "cores, memory, gpus, device, limit, why",
    [
        (2, 24 * GIB, 0, "cpu", 2, "2 usable CPU cores"),
        (64, 6 * GIB, 0, "cpu", 6, "6.0 GiB of memory at 1 GiB a rank"),
        (64, 256 * GIB, 4, "cuda", 4, "4 visible NVIDIA GPUs"),
        (64, 256 * GIB, 0, "cuda", 0, "0 visible NVIDIA GPUs"),
        (1, None, 0, "cpu", 1, "1 usable CPU core"),
    ],
)
def test_the_limit_is_the_scarcest_of_cores_memory_and_gpus(
    cores, memory, gpus, device, limit, why
):
    from recommender.smoke.distributed.plan import max_processes

    assert max_processes(facts(cores, memory, gpus), device) == (limit, why)


def test_more_processes_than_the_machine_holds_is_refused_before_anything_starts():
    """Trigger: --distributed 64 on this machine (a fake torch that fails at import, should the
    ranks start: before the fix torchrun started 64 of them)."""
    ran = run("smoke", "--distributed", "64", "--framework", "pytorch", env=fake_torch_env("raise"))
    assert ran.code == 2 and ran.out == "", (ran.code, ran.out, ran.err)
    assert ran.err.startswith("dlrec: error: --distributed 64: this machine holds at most ")
    assert "use --distributed " in ran.err and ran.seconds < 10


def test_help_says_what_the_limit_is(runner):
    from recommender.cli.main import cli

    result = runner.invoke(cli, ["smoke", "--help"], terminal_width=100)
    text = " ".join(result.output.split())
    assert result.exit_code == 0
    assert "N may not exceed what this machine holds: its usable CPU cores" in text
    assert "1 GiB a process" in text and "visible GPUs" in text


def test_every_framework_with_a_distributed_engine_has_its_launches():
    """The catalog says which frameworks have a distributed engine; the plan must launch each."""
    from recommender.smoke.distributed.plan import ENGINES
    from recommender.smoke.distributed.run import FRAMEWORKS

    assert set(FRAMEWORKS) == set(ENGINES)
