"""The linear-time check of a signature's pattern, and the literals the reader looks for.

A signature's pattern runs over hostile pasted text, so the loader accepts only patterns whose
matching time grows linearly with the text: no backreferences, no quantified group inside a
quantified group, no unbounded repeat of anything wider than digits, spaces or one character, no
bound above 256. Each alternative must start with a literal of four characters or more: the reader
finds those literals with ``str.find`` and tries the pattern only where one occurs.
"""

from __future__ import annotations

import re

try:  # Python 3.11+: the parser moved; both expose the same parse tree
    from re import _constants as _sre  # type: ignore[attr-defined,unused-ignore]
    from re import _parser as _sre_parse  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _sre  # type: ignore[no-redef,unused-ignore]
    import sre_parse as _sre_parse  # type: ignore[no-redef,unused-ignore]

_MAX_BOUND = 256
_MIN_ANCHOR = 4
#: The most alternatives (anchors) one family may have: each is one ``str.find`` pass over the text.
_MAX_ANCHORS = 32
_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT)}
_NARROW = {_sre.CATEGORY_DIGIT, _sre.CATEGORY_SPACE}


def parse_tree(source: str) -> list:
    """``source``'s parse tree, parsed once for the check and the wordings below (a loader of
    hundreds of patterns parsed each three times before); ValueError where it is no pattern."""
    try:
        return list(_sre_parse.parse(source))
    except re.error as exc:
        raise ValueError(f"not a regular expression ({exc})") from None


def check_pattern(source: str, tree: list | None = None) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The compiled pattern and the literal each of its alternatives starts with; ValueError
    saying why it is refused. ``tree``: ``parse_tree(source)`` where the caller has it."""
    try:
        compiled = re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"not a regular expression ({exc})") from None
    if tree is None:
        tree = parse_tree(source)
    if compiled.flags & ~(re.UNICODE | re.IGNORECASE):
        raise ValueError("inline flags are not allowed")
    _walk(list(tree), inside_repeat=False)
    anchors = _anchors(list(tree))
    short = [a for a in anchors if len(a) < _MIN_ANCHOR]
    if short:
        raise ValueError(
            f"must start with a literal of {_MIN_ANCHOR} characters or more"
            + (" in every alternative" if len(anchors) > 1 else "")
            + f" (found {short[0]!r})"
        )
    if len(anchors) > _MAX_ANCHORS:
        raise ValueError(f"at most {_MAX_ANCHORS} alternatives (found {len(anchors)})")
    return compiled, tuple(dict.fromkeys(anchors))


def _walk(items: list, *, inside_repeat: bool) -> None:
    for op, arg in items:
        if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
            raise ValueError(
                "backreferences are not allowed (matching could take exponential time)"
            )
        if op in _REPEATS:
            low, high, sub = arg
            body = list(sub)
            if inside_repeat or _has_repeat(body):
                raise ValueError(
                    "a quantified group inside a quantified group is not allowed "
                    "(matching could take exponential time)"
                )
            if high == _sre.MAXREPEAT and not _narrow(body):
                raise ValueError(
                    "an unbounded repeat of anything wider than digits, spaces or one character "
                    f"is not allowed; bound it, e.g. {{0,{_MAX_BOUND}}}"
                )
            if high != _sre.MAXREPEAT and high > _MAX_BOUND:
                raise ValueError(f"a repeat bound above {_MAX_BOUND} is not allowed")
            _walk(body, inside_repeat=True)
        elif op == _sre.SUBPATTERN:
            _walk(list(arg[-1]), inside_repeat=inside_repeat)
        elif op == _sre.BRANCH:
            for alt in arg[1]:
                _walk(list(alt), inside_repeat=inside_repeat)
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            _walk(list(arg[1]), inside_repeat=True)


def _has_repeat(items: list) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            return True
        if op == _sre.SUBPATTERN and _has_repeat(list(arg[-1])):
            return True
        if op == _sre.BRANCH and any(_has_repeat(list(alt)) for alt in arg[1]):
            return True
    return False


def _narrow(body: list) -> bool:
    """One literal character, or a class of digits and/or spaces only."""
    if len(body) != 1:
        return False
    op, arg = body[0]
    if op == _sre.LITERAL:
        return True
    if op == _sre.IN:
        return all(
            (kind == _sre.CATEGORY and value in _NARROW)
            or (kind == _sre.LITERAL and chr(value) in " \t0123456789.")
            or (kind == _sre.RANGE and value == (ord("0"), ord("9")))
            for kind, value in arg
        )
    return False


def _anchors(items: list) -> list[str]:
    """The leading literal, or, where an alternation follows it (bare or in a group), the
    leading literal joined to each alternative's own."""
    prefix, rest = _leading_literal(items)
    branch = _branch(rest[0]) if rest else None
    if branch is None:
        return [prefix]
    return [prefix + tail for alternative in branch for tail in _anchors(list(alternative))]


def _leading_literal(items: list) -> tuple[str, list]:
    """The literal characters a parsed pattern starts with, and the items after them."""
    chars = []
    for op, arg in items:
        if op != _sre.LITERAL:
            break
        chars.append(chr(arg))
    return "".join(chars), items[len(chars) :]


def _branch(item: tuple) -> list | None:
    """The alternatives of an alternation, bare or as the only content of a group."""
    op, arg = item
    if op == _sre.BRANCH:
        return list(arg[1])
    if op == _sre.SUBPATTERN:
        body = list(arg[-1])
        if len(body) == 1:
            return _branch(body[0])
    return None


def whole_literals(source: str, tree: list | None = None) -> tuple[str, ...]:
    """The alternatives of ``source`` that are nothing but a literal (word boundaries and line
    ends aside): ``'cudaErrorNoDevice|no CUDA-capable device is detected'`` gives both, a
    pattern with a group, a class or a repeat after its literal gives none for that alternative.
    These are the wordings a retold message can be compared with word for word (retold.py)."""
    if tree is None:
        try:
            tree = parse_tree(source)
        except ValueError:
            return ()
    return tuple(dict.fromkeys(_whole(list(tree))))


def _whole(items: list) -> list[str]:
    prefix, rest = _leading_literal(items)
    if all(op == _sre.AT for op, _ in rest):
        return [prefix]
    branch = _branch(rest[0])
    if branch is None or not all(op == _sre.AT for op, _ in rest[1:]):
        return []
    return [prefix + tail for alternative in branch for tail in _whole(list(alternative))]


def numbered_wordings(source: str, tree: list | None = None) -> tuple[tuple[str | None, ...], ...]:
    """The alternatives of ``source`` made of literals and runs of digits only, each as its
    parts (a literal's text, or None for a run of digits, bare or in a group): ``'GPU with CUDA
    capability (?P<major>[0-9]{1,2}) (?P<minor>[0-9]) is not supported'`` gives ``('GPU with
    CUDA capability ', None, ' ', None, ' is not supported')``. An alternative with anything else
    (a wider class, a lookaround, a nested alternation) gives nothing."""
    if tree is None:
        try:
            tree = parse_tree(source)
        except ValueError:
            return ()
    items = list(tree)
    branch = _branch(items[0]) if len(items) == 1 else None
    alternatives = [list(alt) for alt in branch] if branch is not None else [items]
    out = []
    for alternative in alternatives:
        parts = _numbered(alternative)
        if parts and None in parts and isinstance(parts[0], str):
            out.append(tuple(parts))
    return tuple(out)


def _numbered(items: list) -> list[str | None]:
    parts: list[str | None] = []
    for op, arg in items:
        if op == _sre.LITERAL:
            if parts and isinstance(parts[-1], str):
                parts[-1] += chr(arg)
            else:
                parts.append(chr(arg))
        elif op == _sre.AT:
            continue
        elif _digits_only(op, arg):
            parts.append(None)
        else:
            return []
    return parts


def _digits_only(op: object, arg: object) -> bool:
    """A digit, a bounded or unbounded run of digits, or a group of nothing else."""
    if op == _sre.IN:
        return all(
            (kind == _sre.CATEGORY and value == _sre.CATEGORY_DIGIT)
            or (kind == _sre.RANGE and value == (ord("0"), ord("9")))
            for kind, value in arg  # type: ignore[attr-defined]
        )
    if op in _REPEATS:
        body = list(arg[2])  # type: ignore[index]
        return len(body) == 1 and _digits_only(*body[0])
    if op == _sre.SUBPATTERN:
        body = list(arg[-1])  # type: ignore[index]
        return len(body) == 1 and _digits_only(*body[0])
    return False
