"""--json text: exactly json.dumps(indent=2) unless a list is long, then an item per line; a
character a terminal obeys or UTF-8 cannot hold is written as its \\u escape (issue 25)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.report.json_text import _UNSAFE, LONG, dumps

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
)
_KEYS = st.one_of(st.text(max_size=6), st.integers(), st.booleans(), st.none(), st.floats())
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(_KEYS, inner, max_size=5),
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_without_a_long_list_it_is_json_dumps_indent_2_byte_for_byte(value):
    expected = json.dumps(value, indent=2, ensure_ascii=False)
    if _UNSAFE.search(expected):  # the same value, its unsafe characters escaped
        assert json.loads(dumps(value)) == json.loads(expected)
        assert not _UNSAFE.search(dumps(value))
    else:
        assert dumps(value) == expected


def test_bidi_zero_width_and_lone_surrogates_are_escaped():
    value = {"name": "a\u202eb\u200bc\ud800\U000e0041\x7f"}
    text = dumps(value)
    assert text == '{\n  "name": "a\\u202eb\\u200bc\\ud800\\udb40\\udc41\\u007f"\n}'
    assert json.loads(text) == value
    text.encode("utf-8")  # writable to any UTF-8 stream or file


@settings(max_examples=20, deadline=None)
@given(st.lists(_VALUES, min_size=1, max_size=8), st.integers(LONG + 1, LONG + 30))
def test_a_long_list_is_an_item_per_line_and_reads_back(some, size):
    items = [some[i % len(some)] for i in range(size)]
    doc = {"fleet": {"nodes": items, "count": len(items)}}
    text = dumps(doc)
    assert json.loads(text) == json.loads(json.dumps(doc))
    lines = text.split("\n")  # not splitlines(): a value may hold U+0085 or U+2028
    start = lines.index('    "nodes": [')
    assert len(lines[start + 1 : start + 1 + len(items)]) == len(items)
    assert all(line.startswith("      ") for line in lines[start + 1 : start + 1 + len(items)])
    assert lines[start + len(items) + 1] == "    ],"
