"""A warm ``dlrec recommend --no-smoke --json`` imports only what it runs.

``benchmarks/bench_cli.py`` times it against ``dlrec --help`` (RESULTS.md); this test keeps the
imports that cost most of what was cut from coming back unnoticed: PyYAML (the rules come from
the cache), importlib.metadata and urllib (the frameworks probe reads dist-info folders itself),
the tries' engine, the smoke engine and the distributed launchers (nothing is installed or run);
and the value classes it creates on import from costing dataclasses' full price again (they are
``@frozen``: recommender/core/frozen.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: Run as dlrec runs (bootstrap first), then list the modules loaded when the command ends.
SCRIPT = """
import atexit, json, sys

def _report():
    # Keyword-only frozen classes made by dataclasses itself (a @frozen one says frozen=False).
    full = sorted(
        f"{v.__module__}.{v.__qualname__}"
        for name, module in list(sys.modules.items()) if name.startswith("recommender")
        for v in list(vars(module).values())
        if isinstance(v, type) and v.__module__ == name
        and getattr(getattr(v, "__dataclass_params__", None), "frozen", False)
        and v.__dataclass_fields__ and v.__match_args__ == ()
    )
    import gc

    frozen = gc.get_freeze_count()
    print(json.dumps({"modules": sorted(sys.modules), "dataclasses": full, "frozen": frozen}),
          file=sys.stderr)

atexit.register(_report)
sys.argv = ["dlrec", "recommend", "--no-smoke", "--json"]
from recommender.cli.bootstrap import run
run()
"""

NOT_ON_THE_WARM_PATH = (
    "yaml",
    "importlib.metadata",
    "email",
    "urllib.request",
    "http.client",
    "concurrent.futures",
    "secrets",
    "tempfile",
    "recommender.smoke.trial",
    "recommender.smoke.run",
    "recommender.smoke.process",
    "recommender.smoke.distributed.launch",
    "recommender.smoke.distributed.run",
    "recommender.core.documents.yaml_text",
)


def _run(env: dict[str, str]) -> tuple[int, dict[str, list[str]]]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, json.loads(done.stderr.strip().splitlines()[-1])


def _modules(env: dict[str, str]) -> tuple[int, set[str]]:
    code, report = _run(env)
    return code, set(report["modules"])


def test_a_warm_recommend_imports_no_yaml_no_metadata_and_no_smoke_engine(tmp_path):
    env = {**os.environ, "DLREC_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    code, cold = _modules(env)  # parses the YAML files and fills the rule base cache
    assert code in (0, 1) and "yaml" in cold
    code, warm = _modules(env)
    assert code in (0, 1)
    loaded = sorted(
        m for m in warm for name in NOT_ON_THE_WARM_PATH if m == name or m.startswith(name + ".")
    )
    assert loaded == [], loaded


def test_the_value_classes_a_warm_recommend_creates_are_frozen_ones(tmp_path):
    """A frozen keyword-only dataclass costs about 1 ms to create, a @frozen one a third of it:
    a module on the warm path declares its values with ``@frozen``."""
    env = {**os.environ, "DLREC_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    code, report = _run(env)
    assert code in (0, 1)
    assert report["dataclasses"] == [], "use @frozen (recommender/core/frozen.py) for these"


def test_dlrec_freezes_what_its_imports_built_so_that_no_collection_walks_it(tmp_path):
    """The stages, classes and rule base built while the collector was paused are frozen when it
    resumes (dlrec's own process only): the command's collections and the last one at exit
    skip them."""
    env = {**os.environ, "DLREC_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    code, report = _run(env)
    assert code in (0, 1)
    assert report["frozen"] > 10_000  # modules, classes, functions, the rule base's values


def test_the_collector_is_paused_for_the_imports_only_and_left_as_it_was():
    import gc

    from recommender.core.early import CollectorPaused

    was, frozen = gc.isenabled(), gc.get_freeze_count()
    try:
        for before in (True, False):
            (gc.enable if before else gc.disable)()
            with CollectorPaused():
                assert not gc.isenabled()
            assert gc.isenabled() is before
        gc.enable()
        try:
            with CollectorPaused():
                raise KeyError("an import failed")
        except KeyError:
            pass
        assert gc.isenabled()
        assert gc.get_freeze_count() == frozen  # not the dlrec program: nothing frozen here
    finally:
        (gc.enable if was else gc.disable)()
