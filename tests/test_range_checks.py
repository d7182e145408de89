"""Values checked for range in the one document layer (issue 25): non-finite numbers and huge
integers are refused by file, line and key (exit 2), for rules, facts and answers alike."""

from __future__ import annotations

import pytest

from recommender.core.documents import DocumentError, parse_json, parse_yaml

RULE = "schema: 1\nrules:\n  - id: r\n    delta: {value}\n"


@pytest.mark.parametrize("value", [".nan", ".inf", "-.Inf", "1.0e+999"])
def test_a_non_finite_yaml_number_is_refused_with_line_and_key(value):
    with pytest.raises(DocumentError) as exc:
        parse_yaml(RULE.format(value=value), "rules.yaml")
    assert str(exc.value).startswith("rules.yaml:4: rules[0].delta: "), str(exc.value)
    assert "not a finite number" in str(exc.value)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_non_finite_json_number_is_refused_with_its_line(literal):
    with pytest.raises(DocumentError) as exc:
        parse_json('{\n  "cpu": {\n    "cores": ' + literal + "\n  }\n}", "facts.json")
    assert str(exc.value).startswith("facts.json:3: "), str(exc.value)


def test_a_short_hex_literal_for_a_huge_int_is_refused():
    """Trigger: ``0x`` and 4,000 hex digits: under the digit cap, but an int of 4,800 decimal
    digits, which failed (exit 3) wherever it was printed."""
    with pytest.raises(DocumentError) as exc:
        parse_yaml("cores: 0x" + "f" * 4000 + "\n", "facts.yaml")
    assert str(exc.value).startswith("facts.yaml:1: cores: "), str(exc.value)


def test_finite_numbers_still_read():
    assert parse_yaml("a: 1.5\nb: -2.0e+3\n", "x.yaml") == {"a": 1.5, "b": -2000.0}
    assert parse_json('{"a": 1.5, "b": -2e3}', "x.json") == {"a": 1.5, "b": -2000.0}


def test_no_number_is_parsed_after_str_isdigit():
    """``"²".isdigit()`` is true and ``int("²")`` raises: a port or a version field with a
    Unicode digit ended in exit 3. Every check goes through ``core.numfmt.is_digits``."""
    import ast

    from tests.conftest import ROOT

    offenders = []
    for path in [*(ROOT / "recommender").rglob("*.py"), *(ROOT / "probes").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("isdigit", "isnumeric"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == ["recommender/core/numfmt.py:" + offenders[0].rsplit(":", 1)[-1]]


def test_is_digits_is_ascii_only():
    from recommender.core.numfmt import is_digits

    assert is_digits("8080") and not is_digits("80²") and not is_digits("٣") and not is_digits("")


@pytest.mark.parametrize("key", ["cpu.usable_cores", "memory.total_bytes", "disk.free_bytes"])
def test_a_negative_size_or_count_in_facts_is_refused(runner, tmp_path, key):
    import json

    from recommender.cli.main import cli
    from tests.conftest import FIXTURES

    doc = json.loads((FIXTURES / "facts" / "a100_linux.json").read_text())
    section, field = key.split(".")
    doc[section][field] = -4
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps(doc))
    ran = runner.invoke(cli, ["recommend", "--facts", str(facts), "--no-smoke"])
    assert ran.exit_code == 2, ran.output
    assert f"key {key}: expected int >= 0, got -4" in ran.stderr
