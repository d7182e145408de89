"""rules/checklist.yaml: the bundled items load, and a bad item is refused with file:line."""

from __future__ import annotations

import ast
import dataclasses
import textwrap
from pathlib import Path

import pytest

from recommender.core.documents import parse_yaml
from recommender.decide.checklist.build import checklist_items
from recommender.decide.checklist.registry import CHECKS, Check, defines, finding, register
from recommender.rulebase.checklist.items import CheckContract, Status, parse_checklist
from recommender.rulebase.checklist.template import TemplateError, parse_template
from recommender.rulebase.conditions import RuleError
from recommender.rulebase.load import load_rulebase
from tests.conftest import ROOT

RB = load_rulebase()
CONTRACTS = {c.contract.name: c.contract for c in CHECKS.values()}


def load(text: str, contracts: dict[str, CheckContract] | None = None):
    doc = parse_yaml(textwrap.dedent(text), "t.yaml")
    return parse_checklist(doc, "t.yaml", RB, contracts if contracts is not None else CONTRACTS)


def refused(text: str) -> str:
    with pytest.raises(RuleError) as info:
        load(text)
    return info.value.format_message()


GOOD = """\
items:
  - id: avx
    title: "CPU has AVX"
    frameworks: [tensorflow]
    reads: {rules: [tf-needs-avx]}
    sources: [url:tf-pip]
    outcomes:
      - {status: fail, fired: tf-needs-avx}
      - {status: ok, detail: "fine on {cpu.arch}"}
"""


def test_the_bundled_items_load_and_say_what_they_read():
    spec = checklist_items(RB)
    ids = [i.id for i in spec.items]
    assert len(ids) == len(set(ids))
    assert {"python", "installed", "jax-build", "xpu-device", "xpu-build", "keras-jax"} <= set(ids)
    rule_ids = {r.id for r in RB.rules}
    for item in spec.items:
        assert set(item.reads.rules) <= rule_ids
        assert set(item.reads.tables) <= set(RB.tables)
        assert item.sources and item.outcomes


def test_a_good_item_loads_with_its_outcomes():
    (item,) = load(GOOD).items
    assert item.frameworks == ("tensorflow",) and item.reads.rules == ("tf-needs-avx",)
    assert [o.status for o in item.outcomes] == [Status.FAIL, Status.OK]
    assert item.outcomes[0].fired == ("tf-needs-avx",) and item.outcomes[0].rule is None
    assert item.outcomes[1].rule is not None and item.outcomes[1].rule.text == "checklist.yaml avx"


@pytest.mark.parametrize(
    "change, needle",
    [
        # unknown keys, at every level
        (
            ("    title:", "    colour: red\n    title:"),
            "t.yaml:3: item 'avx': colour: unknown key (allowed: id, key, title",
        ),
        (
            ("reads: {rules:", "reads: {rulez: [x], rules:"),
            "reads.rulez: unknown key (allowed: rules, tables, frameworks, wheels)",
        ),
        (
            ("{status: ok, detail", "{status: ok, colour: red, detail"),
            "colour: unknown key (allowed: status, when, fired",
        ),
        # rule ids, tables, frameworks.yaml fields
        (
            ("rules: [tf-needs-avx]", "rules: [tf-need-avx]"),
            "reads.rules: 'tf-need-avx' is not a rule id (did you mean tf-needs-avx",
        ),
        (
            (
                "reads: {rules: [tf-needs-avx]}",
                "reads: {rules: [tf-needs-avx], tables: [gpu_table]}",
            ),
            "reads.tables: 'gpu_table' is not a compat.yaml table (allowed: newest_known, python_support",
        ),
        (
            (
                "reads: {rules: [tf-needs-avx]}",
                "reads: {rules: [tf-needs-avx], frameworks: [colour]}",
            ),
            "reads.frameworks: 'colour' is not a frameworks.yaml field (allowed:",
        ),
        # catalog ids
        (
            ("frameworks: [tensorflow]", "frameworks: [mxnet]"),
            "frameworks: 'mxnet' is not a catalog id (allowed: tensorflow, pytorch, keras, jax)",
        ),
        (
            ("frameworks: [tensorflow]", "frameworks: [tensorflow]\n    accelerators: [gaudi]"),
            "accelerators: 'gaudi' is not a catalog id (allowed: cuda, rocm, mps, tpu, xpu, cpu)",
        ),
        (
            ("frameworks: [tensorflow]", "frameworks: [keras]\n    backends: [mlx]"),
            "backends: 'mlx' is not a catalog id (allowed: tensorflow, torch, jax)",
        ),
        (
            ("frameworks: [tensorflow]", "frameworks: [tensorflow]\n    backends: [jax]"),
            "backends: goes with frameworks: [keras]",
        ),
        # what an outcome may use
        (
            ("fired: tf-needs-avx}", "fired: tf-windows-native-gpu}"),
            "fired: 'tf-windows-native-gpu' is not in reads.rules",
        ),
        (
            ("fine on {cpu.arch}", "fine on {cpu.archh}"),
            "detail: {cpu.archh} is not a field (did you mean cpu.arch?",
        ),
        (
            ("fine on {cpu.arch}", "fine: {install}"),
            "detail: {install} is not a field (an install field needs reads: {wheels: true})",
        ),
        (("fine on {cpu.arch}", "fine {cpu.arch!r}"), "has a format spec or conversion"),
        (
            ("{status: ok, detail", "{status: good, detail"),
            "status: 'good' is not allowed (allowed: ok, warn, fail, unknown)",
        ),
        (
            ("{status: ok, detail", "{status: ok, verdict: found, detail"),
            "verdict: 'found' is not a verdict of the check (allowed: none: the item has no check)",
        ),
        (
            (
                "{status: ok, detail",
                '{status: ok, rule: "compat.yaml tables.torch_cuda_builds", detail',
            ),
            "rule: 'compat.yaml tables.torch_cuda_builds' is not something the item reads",
        ),
        (("{status: ok, detail", "{status: fail, detail"), "fix: a fail outcome needs a fix"),
        (
            ("- {status: fail, fired: tf-needs-avx}", "- {status: warn, detail: x}"),
            "outcomes: unreachable: the outcome before it always matches",
        ),
        (
            ("sources: [url:tf-pip]", "sources: [url:nowhere]"),
            "sources: 'url:nowhere' is not a claim id or url:<id>",
        ),
        (('    title: "CPU has AVX"\n', ""), "title: missing"),
        (
            ("    title:", "    check: crystal_ball\n    title:"),
            "check: 'crystal_ball' is not a check (allowed: python_support",
        ),
    ],
)
def test_a_bad_item_is_refused_with_file_line_key_and_what_is_allowed(change, needle):
    old, new = change
    assert old in GOOD
    message = refused(GOOD.replace(old, new, 1))
    assert message.startswith("t.yaml:"), message
    assert needle in message, message


def test_a_duplicate_item_id_is_refused():
    doc = GOOD + GOOD.split("items:\n", 1)[1]
    assert "t.yaml:10: item 'avx': id: duplicate item id (first at line 2)" in refused(doc)


def test_an_item_must_list_the_tables_its_check_reads():
    text = GOOD.replace("    title:", "    check: macos_mps\n    title:")
    assert "reads.tables: check 'macos_mps' reads macos_minimum: list it here" in refused(text)


def test_a_bad_condition_names_the_item_and_its_line():
    text = GOOD.replace(
        "{status: ok, detail", "{status: ok, when: {eq: {fact: cpu.colour, value: x}}, detail"
    )
    message = refused(text)
    assert message.startswith("t.yaml:9: item 'avx': unknown fact path 'cpu.colour'"), message


def test_checklist_urls_may_not_shadow_sources_yaml():
    text = 'urls:\n  - {id: tf-pip, url: "https://x.org", title: t}\n' + GOOD
    assert "id: duplicate url id" in refused(text)


def test_templates_take_defaults_and_refuse_holes_in_fixes():
    t = parse_template("{a} on {b|the GPU} {{literal}}")
    assert t.fields == ("a", "b")
    assert t.render({"a": "x"}.get, strict=False) == "x on the GPU {literal}"
    assert t.render({}.get, strict=False) == "? on the GPU {literal}"
    assert t.render({}.get, strict=True) is None  # a fix with a hole is no exact fix
    with pytest.raises(TemplateError):
        parse_template("{unclosed")


def test_a_check_name_is_registered_once_and_may_not_shadow_base_fields():
    existing = next(iter(CHECKS.values()))
    with pytest.raises(ValueError, match="already registered"):
        register(existing)

    @defines("shadows_python", fields=("python",))
    def bad(view):  # pragma: no cover - never run
        return finding()

    assert isinstance(bad, Check)
    with pytest.raises(ValueError, match="base fields"):
        register(bad)
    assert "shadows_python" not in CHECKS


def test_status_is_an_enum_with_the_json_values():
    from recommender.decide.checklist.build import Item

    assert [s.value for s in Status] == ["ok", "warn", "fail", "unknown"]
    item = Item(id="x", status="warn", title="t", detail="d")  # type: ignore[arg-type]
    assert item.status is Status.WARN and item.to_dict()["status"] == "warn"
    assert f"{Status.FAIL}" == "fail" and Status.OK == "ok"


def test_the_checklist_code_names_no_rule():
    """Issue #11: the checklist evaluates items; which rules they read is data."""
    rule_ids = {r.id for r in RB.rules}
    modules = sorted((ROOT / "recommender" / "decide" / "checklist").rglob("*.py"))
    assert len(modules) >= 5
    for path in modules:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        strings = {
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
        assert not strings & rule_ids, (path.name, strings & rule_ids)
        tables = {t for t in RB.tables}
        assert not {s for s in strings if s in tables} - _CHECK_CONTRACT_TABLES, path.name


#: Table names may appear in Python only in a check's contract (``@defines(tables=...)``) and
#: in the view reads it guards; the loader refuses an item that does not list them.
_CHECK_CONTRACT_TABLES = {t for c in CONTRACTS.values() for t in c.tables}


def test_rules_check_hook_validates_the_file_or_skips_a_bundled_dir_without_one(tmp_path):
    from recommender.decide.checklist.build import validate_checklist

    assert validate_checklist(RB) == len(checklist_items(RB).items) > 20
    assert validate_checklist(dataclasses.replace(RB, checklist_doc=None)) == 0
    path = tmp_path / "checklist.yaml"
    text = GOOD.replace("tf-needs-avx]", "no-such-rule]")
    overlaid = dataclasses.replace(
        RB, checklist_doc=parse_yaml(text, str(path)), checklist_file=str(path)
    )
    with pytest.raises(RuleError, match=r"checklist.yaml:5: item 'avx': reads.rules"):
        validate_checklist(overlaid)
