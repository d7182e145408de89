"""One sanitizer per output channel (issue 25): the terminal's table removes control, bidi and
zero-width characters; the Markdown channel keeps a stranger's text as text; JSON escapes them.
Hostile values go through every free-text field of a facts file, in every format."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from recommender.cli.main import cli
from recommender.core import markdown_text
from recommender.core.printable import CONTROL_OUT, printable
from tests.conftest import FIXTURES

HOSTILE = (
    "\x1b[2J\u202eevil\u2066[x](https://t.example/p)![i](https://t.example/i.png)"
    "<img src=x onerror=alert(1)>``` `|www.evil.example a@evil.example\u200b\r\n# hdr\ud800"
)
#: Characters no channel may let through raw.
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def test_the_terminal_table_covers_every_format_character():
    """Every Cf/Zl/Zp character of this Python's Unicode database is removed (a newer
    database adding one fails here, naming it)."""
    missing = [
        f"U+{c:04X}"
        for c in range(0x110000)
        if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp") and c not in CONTROL_OUT
    ]
    assert missing == []
    assert printable("a\u202eb\u2066c\u200bd\x1b[1me\ud800") == "abcd[1me\ufffd"


def test_markdown_text_is_never_markup():
    out = markdown_text.text(HOSTILE)
    assert not re.search(r"(?<!\\)[<>\[\]()!|`*_#@&$~]", out), out  # each one escaped
    for raw in ("https://", "www.evil", "\n"):
        assert raw not in out, (raw, out)
    assert not INVISIBLE.search(out)
    assert markdown_text.text("- item") == "\\- item"
    assert markdown_text.text("1. first") == "1\\. first"


def test_code_spans_and_fences_cannot_be_closed_by_their_text():
    assert markdown_text.code_span("a ``` b") == "````a ``` b````"
    assert markdown_text.code_span("`x`") == "`` `x` ``"
    assert markdown_text.fence("x\n`````\ny", "sh") == ["``````sh", "x", "`````", "y", "``````"]


def _free_text_fields(runner, tmp_path: Path) -> Path:
    """The a100 facts with HOSTILE appended to every string the schema accepts as free text:
    a field it refuses (a path, a version) is named in the exit-2 error and left as it was."""
    doc = json.loads((FIXTURES / "facts" / "a100_linux.json").read_text())
    refused: set[str] = set()

    def taint(value, path):
        if isinstance(value, dict):
            return {k: taint(v, f"{path}.{k}".lstrip(".")) for k, v in value.items()}
        if isinstance(value, list):
            return [taint(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, str) and not any(
            path == r or path.startswith((f"{r}[", f"{r}.")) for r in refused
        ):
            return value + HOSTILE
        return value

    target = tmp_path / "hostile.json"
    for _ in range(60):
        target.write_text(json.dumps(taint(doc, "")))  # a lone surrogate as \\ud800
        ran = runner.invoke(cli, ["recommend", "--facts", str(target), "--no-smoke"])
        if ran.exit_code != 2:
            return target
        key = re.search(r"key ([^:]+):", ran.stderr or ran.output)
        assert key, ran.stderr or ran.output
        assert not INVISIBLE.search(ran.stderr), ran.stderr  # the error line is safe too
        assert key.group(1) not in refused, ran.stderr
        refused.add(key.group(1))
    raise AssertionError(f"refused too many fields: {sorted(refused)}")


def test_hostile_fields_in_every_format(runner, tmp_path: Path):
    facts = _free_text_fields(runner, tmp_path)
    base = ["recommend", "--facts", str(facts), "--no-smoke"]
    shown = {}
    for fmt in ("text", "markdown", "json"):
        ran = runner.invoke(cli, [*base, "--format", fmt])
        assert ran.exit_code in (0, 1), ran.output
        shown[fmt] = ran.stdout
        out = tmp_path / f"out.{fmt}"
        ran = runner.invoke(cli, [*base, "--format", fmt, "--out", str(out)])
        assert ran.exit_code in (0, 1), ran.output
        assert out.exists(), (ran.exit_code, ran.output, ran.stderr, repr(ran.exception))
        shown[f"--out {fmt}"] = out.read_text()
    assert "evil" in shown["text"] and "evil" in shown["markdown"]  # the fields are shown
    for name, text in shown.items():
        assert not INVISIBLE.search(text), (name, INVISIBLE.search(text))
    for name in ("markdown", "--out markdown"):
        md = shown[name]
        for raw in (r"(?<!\\)<img", r"(?<!\\)\]\(", r"(?<!\\)!\[", "https://t", "www.evil"):
            assert not re.search(raw, md), (name, raw)
    doc = json.loads(shown["json"])
    assert "evil" in json.dumps(doc)


def test_a_rule_citation_links_its_url_and_keeps_the_rest_text() -> None:
    """A source of dlrec's rule base links to its evidence; markup around or inside it does not
    survive (a title with a link in it, an angle-bracketed HTML tag, a URL with a space)."""
    from recommender.core.markdown_text import citation

    assert (
        citation("notes <https://docs.example/a.html#x>") == "notes <https://docs.example/a.html#x>"
    )
    assert citation("https://docs.example/a") == "<https://docs.example/a>"
    assert citation("[x](http://evil) <https://ok.example/a>") == (
        r"\[x\]\(http\://evil\) <https://ok.example/a>"
    )
    for hostile in ("t <https://a.example/b c>", "<img src=x>", "javascript:alert(1)"):
        assert "<" not in citation(hostile).replace("\\<", ""), hostile
