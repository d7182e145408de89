"""A plan made on the narrow view (``decide/install/view.py``: the driver's band, GPU names only
where the compute capability is unknown, one framework's installed build) and memoised across
machines is the plan of the whole machine, word for word, the machine's own driver quoted."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.core.catalog import DriverColumn
from recommender.decide.install.plan import plan_install
from recommender.decide.install.plans import plan_for
from recommender.decide.install.view import QUOTE, driver_floors
from recommender.facts.document import Facts
from recommender.rulebase.wheels.load import load_wheels

#: One matrix for every example, so memoised plans (made for other drivers of the same band, other
#: GPUs of the same compute capability, other installed builds) are what the examples get back.
SHARED = load_wheels()
FRESH = load_wheels()


def _near(floor: str) -> list[str]:
    """A floor as NVIDIA writes it, one below and one above it."""
    parts = [int(p) for p in floor.split(".")]
    below = [*parts[:-1], parts[-1] - 1] if parts[-1] > 0 else [parts[0] - 1, 99, 99]
    above = [*parts[:-1], parts[-1] + 1]
    return [floor, ".".join(map(str, below)), ".".join(map(str, above))]


_TEXTS = sorted(
    {
        t
        for r in (*SHARED.cuda_drivers, *SHARED.minor_compat)
        for c in DriverColumn
        if (t := r.floor(c))
    }
)
DRIVERS = sorted({d for t in _TEXTS for d in _near(t)} | {"390.12", "999.1.1", "550.54.14"})
GPUS = (
    ("NVIDIA A100-SXM4-80GB", "8.0"),
    ("NVIDIA H100 80GB HBM3", "9.0"),
    ("NVIDIA GeForce RTX 5090", "12.0"),
    ("Tesla K80", "3.7"),
    ("NVIDIA GeForce GTX 1080", "6.1"),
    ("Mystery GPU", None),
)
TORCH = ("2.9.1+cu128", "2.4.0+cu121", "1.13.1+cu117", "2.6.0+cpu", "2.11.0+cu130", None)
TF = ("2.20.0", "2.15.1", None)


def _doc(where, python, gpus, driver, max_cuda, torch, tf, interpreter):
    system = "Windows" if where == "windows" else "Linux"
    accelerators = [
        {"kind": "cuda", "name": name, "compute_capability": cc, "driver_version": driver,
         "max_cuda": max_cuda}
        for name, cc in gpus
    ]  # fmt: skip
    frameworks = {}
    if torch:
        cuda = torch.partition("+cu")[2]
        build = {"cuda": f"{cuda[:-1]}.{cuda[-1]}"} if cuda else {"known": True}
        frameworks["pytorch"] = {"installed": True, "version": torch, "build": build}
    if tf:
        frameworks["tensorflow"] = {"installed": True, "version": tf, "distribution": "tensorflow"}
    return {
        "os": {"system": system, "machine": "x86_64", "wsl": 2 if where == "wsl2" else None,
               "libc": "glibc 2.35" if system == "Linux" else None},
        "python": {"version": python, "executable": "/usr/bin/python3",
                   "externally_managed": interpreter == "pep668"},
        "accelerators": accelerators,
        "frameworks": frameworks,
    }  # fmt: skip


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(
    where=st.sampled_from(("linux", "windows", "wsl2")),
    python=st.sampled_from(("3.8.18", "3.9.19", "3.11.9", "3.13.1", "3.14.0")),
    gpus=st.lists(st.sampled_from(GPUS), min_size=1, max_size=2),
    driver=st.sampled_from((*DRIVERS, None)),
    max_cuda=st.sampled_from(("12.4", "13.0", "11.2", None)),
    torch=st.sampled_from(TORCH),
    tf=st.sampled_from(TF),
    interpreter=st.sampled_from(("venv", "pep668")),
    framework=st.sampled_from(
        (
            ("pytorch", None),
            ("tensorflow", None),
            ("jax", None),
            ("keras", "torch"),
            ("keras", None),
            ("keras", "jax"),
        )
    ),  # fmt: skip
    accelerator=st.sampled_from(("nvidia", "cpu")),
)
def test_a_narrowed_plan_is_the_whole_machines_plan(
    where, python, gpus, driver, max_cuda, torch, tf, interpreter, framework, accelerator
):
    doc = _doc(where, python, gpus, driver, max_cuda, torch, tf, interpreter)
    name, backend = framework
    narrow = plan_for(name, Facts.from_dict(doc, origin="x.json"), accelerator, backend=backend,
                      matrix=SHARED)  # fmt: skip
    whole = plan_install(
        name, doc, accelerator, matrix=FRESH, backend=backend, python_cmd="/usr/bin/python3"
    )
    assert narrow.to_dict() == whole.to_dict()
    assert QUOTE not in repr(narrow)


def test_every_floor_a_driver_is_compared_with_bounds_a_band():
    floors = driver_floors(SHARED, DriverColumn.LINUX)
    assert floors == tuple(sorted(floors)) and len(set(floors)) == len(floors)
    texts = {r.floor(DriverColumn.LINUX) for r in SHARED.cuda_drivers} - {None}
    assert {str(f) for f in floors} >= {str(type(floors[0])(t)) for t in texts}
