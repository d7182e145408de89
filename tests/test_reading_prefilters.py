"""Issue 21's reading time: the shortcuts change nothing read. The prefilter that skips a literal
the paste's words rule out (needles.py) never skips one the paste holds, so the signatures and
the tolerant pass find what a pass over the whole text finds; the tolerant pass marks each
distinct line once, as the whole paste marked at once would; collect_env's noise test, split in
two patterns, says what the one pattern said."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from benchmarks.bench_paste import paste
from recommender.facts.reports import load_signatures
from recommender.facts.reports.lines import Text, paste_lines
from recommender.facts.reports.needles import Needle, Vocabulary, needle
from recommender.facts.reports.retold import Words, marked
from recommender.facts.reports.text import is_noise

SIGNATURES = load_signatures()
PASTES = Path(__file__).parent / "fixtures" / "pastes"
#: Whitespace that ``str.split`` cuts at besides the space (a form feed, an em space, a line
#: separator): a word ends there in the text and in a literal alike.
ODD = "\x0c\u2003\u2028\x85"


def _texts() -> list[str]:
    own = [p.read_text(encoding="utf-8") for p in sorted(PASTES.glob("*.txt"))]
    odd = (
        f"RuntimeError:{ODD[0]}CUDA error: no kernel image is available\n"
        f"  CUDA{ODD[1]}error: out of memory\n"
        "Lİnux: cudaErrorNoDevice\n"
        "the NVIDIA driver on your system is too\n   old (found version 10010)\n"
    )
    return [*own, odd, paste(200_000)]


def test_needle_parts():
    assert needle("cuda error: out of memory") == Needle(
        text="cuda error: out of memory",
        words=("error:", "out", "of"),
        pieces=("cuda ", " memory"),
    )
    assert needle("kernel version ") == Needle(
        text="kernel version ", words=("version",), pieces=("kernel ",)
    )
    assert needle(" wsl ") == Needle(text=" wsl ", words=("wsl",))
    assert needle(" wsl") == Needle(text=" wsl", pieces=(" wsl",))
    assert needle("wsl ") == Needle(text="wsl ", pieces=("wsl ",))
    assert needle("libcudnn") == Needle(text="libcudnn", pieces=("libcudnn",))
    assert needle("   ") == Needle(text="   ")  # nothing to rule out: always looked for


def test_vocabulary_rules_out_only_what_is_absent():
    vocabulary = Vocabulary("x " * 400 + "runtimeerror: cuda error: no kernel image")
    assert vocabulary.joined is not None  # repeated words: the distinct ones are short
    assert needle("cuda error: no kernel").may_be_in(vocabulary)
    assert needle("error: no").may_be_in(vocabulary)
    assert needle("time").may_be_in(vocabulary)  # inside a word
    assert not needle("cuda error: out of memory").may_be_in(vocabulary)  # "out" is no word
    assert not needle("kernel images").may_be_in(vocabulary)  # no word starts "images"
    assert not needle("xcuda error").may_be_in(vocabulary)  # no word ends "xcuda"
    assert not needle("imagex").may_be_in(vocabulary)
    diverse = Vocabulary(" ".join(f"w{n}" for n in range(1000)))
    assert diverse.joined is None  # as long as the text: words alone decide
    assert needle("w1 w2").may_be_in(diverse)  # no pieces checked then


@pytest.mark.parametrize("seed", range(20))
def test_every_substring_may_be_in(seed):
    """Any piece of a text (whitespace of every kind included) is never ruled out."""
    rng = random.Random(seed)
    alphabet = "ab c" + ODD + "  "
    text = "".join(rng.choice(alphabet) for _ in range(rng.choice((40, 400, 4000))))
    vocabulary = Vocabulary(text)
    for _ in range(300):
        start = rng.randrange(len(text))
        piece = text[start : start + rng.randrange(1, 12)]
        assert needle(piece).may_be_in(vocabulary), (piece, text)


@pytest.mark.parametrize("index", range(len(_texts())))
def test_no_anchor_in_the_paste_is_skipped(index):
    """Every anchor the lower-cased paste holds passes the prefilter (so each signature finds
    what one pass per anchor finds), in a small paste and a repetitive one alike."""
    text = Text(paste_lines(_texts()[index]))
    for sig in SIGNATURES:
        assert len(sig.needles) == len(sig.anchors)
        for anchor in sig.needles:
            if anchor.text in text.flat:
                assert anchor.may_be_in(text.vocabulary), (sig.id, anchor.text)


@pytest.mark.parametrize("index", range(len(_texts())))
def test_no_form_in_the_paste_is_skipped(index):
    """Every wording the paste's words hold passes the prefilter (the tolerant pass)."""
    words = Words(paste_lines(_texts()[index]))
    for sig in SIGNATURES:
        for form in sig.forms:
            assert form.needle is not None and form.needle.text == form.words
            if form.words in words.flat:
                assert form.needle.may_be_in(words.vocabulary), (sig.id, form.words)


def test_distinct_lines_are_marked_as_the_whole_paste():
    """Words marks each distinct line once; the result is the whole paste marked at once."""
    lines = (
        "",
        ".",
        " , ",
        "cudaErrorNoDevice: the device is not ready.",
        "is the",
        "(CUDA_ERROR_NO_DEVICE)",
        "",
        "Lİnux sm_86 7.5",
        "cudaErrorNoDevice: the device is not ready.",
        "; an error;",
        ".",
    )
    for chosen in (lines, paste_lines(paste(100_000)), paste_lines(_texts()[-2])):
        assert Words(chosen).marked == marked("\n".join(chosen)).replace("\n", " ")
    assert Words(()).marked == ""


#: text.py's noise pattern as one search before it was split in two (line start, anywhere).
_ONE_NOISE = re.compile(
    r"\.py:[0-9]+:|Warning\b|warnings?\.warn|^\s*return torch\.|^(?:INFO|WARNING|ERROR|DEBUG)\b"
    r"|Triggered internally|^Traceback|^\s*File \"|^\*\*\*|Collecting environment information"
    r"|CUDA capabilit|cuda capability|PyTorch (?:install|no longer)|If you want to use"
    r"|Please (?:update|check|install)|Alternatively, go to|https?://|^\S*[$#]\s|^\s*\^+\s*$"
    r"|SyntaxError",
)


def test_noise_split_says_what_one_pattern_said():
    made = [
        "  return torch.cuda",
        "x return torch.cuda",
        "WARNING: x",
        "WARNINGS",
        "a Traceback",
        "Traceback (most recent call last):",
        '  File "a.py", line 3',
        "*** x",
        " *** x",
        "$ pip list",
        "user@host:~# nvidia-smi",
        "a $ b",
        "   ^^^^  ",
        "x ^^^",
        "^^^\n",
        "see https://x",
        "UserWarning: x",
        "Warnings",
        "foo.py:12: bar",
        "",
    ]
    for text in [*_texts(), "\n".join(made)]:
        for line in [*text.split("\n"), *(ln.strip() for ln in text.split("\n")), *made]:
            assert is_noise(line) == bool(_ONE_NOISE.search(line)), line
