"""``@frozen`` (recommender/core/frozen.py) behaves as ``@dataclass(frozen=True, slots=True,
kw_only=True)`` does: each class here is made both ways and every behaviour compared."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field
from functools import partial
from typing import Any

import pytest

from recommender.core.frozen import frozen

STD = dataclass(frozen=True, slots=True, kw_only=True)
WAYS = {"dataclass": STD, "frozen": frozen}


def _classes(deco: Callable[[type], type]) -> dict[str, type]:
    """The same class bodies, decorated by ``deco``."""

    @deco
    class Plain:
        """A value."""

        name: str
        count: int = 0
        tags: tuple[str, ...] = ()
        extra: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
        size: float | None = field(default=None, hash=False)

    @deco
    class Docless:
        a: int

    @deco
    class Empty:
        pass

    @deco
    class One:
        only: float

    @deco
    class Posted:
        low: int
        high: int
        width: int = field(init=False, default=0)
        seen: list[int] = field(init=False, default_factory=list, compare=False)

        def __post_init__(self) -> None:
            if self.low > self.high:
                raise ValueError("low above high")
            object.__setattr__(self, "width", self.high - self.low)

    @deco
    class Parent:
        linux: str | None
        source: tuple[str, ...] = ()

    @deco
    class Child(Parent):
        minor: str = "12"

    @deco
    class OwnEq:
        key: str
        note: str = ""

        def __eq__(self, other: object) -> bool:
            return isinstance(other, OwnEq) and other.key == self.key

    @deco
    class OwnEqAndHash:
        key: str

        def __eq__(self, other: object) -> bool:
            return isinstance(other, OwnEqAndHash) and other.key == self.key

        def __hash__(self) -> int:
            return hash(self.key)

        def __repr__(self) -> str:
            return f"<{self.key}>"

    return {
        "Plain": Plain,
        "Docless": Docless,
        "Empty": Empty,
        "One": One,
        "Posted": Posted,
        "Parent": Parent,
        "Child": Child,
        "OwnEq": OwnEq,
        "OwnEqAndHash": OwnEqAndHash,
    }


CLASSES = {way: _classes(deco) for way, deco in WAYS.items()}

#: Arguments each class is made with (several per class: equal, unequal, nested).
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "Plain": [
        {"name": "a"},
        {"name": "a", "count": 2, "tags": ("x",), "extra": {"k": 1}, "size": 1.5},
        {"name": "a", "extra": {"other": 2}},
        {"name": "b", "size": 2.0},
        {"name": "a", "size": float("nan")},
    ],
    "Docless": [{"a": 1}, {"a": 2}],
    "Empty": [{}],
    "One": [{"only": 1.0}, {"only": float("nan")}, {"only": 2.0}],
    "Posted": [{"low": 1, "high": 3}, {"low": 0, "high": 0}],
    "Parent": [{"linux": "550.54"}, {"linux": None, "source": ("nvidia",)}],
    "Child": [{"linux": "550.54"}, {"linux": "550.54", "minor": "11"}],
    "OwnEq": [{"key": "a"}, {"key": "a", "note": "other"}],
    "OwnEqAndHash": [{"key": "a"}, {"key": "b"}],
}


def _both(name: str) -> tuple[type, type]:
    return CLASSES["dataclass"][name], CLASSES["frozen"][name]


def _outcome(call: Callable[[], Any]) -> Any:
    """What ``call`` returns, or the type and message of what it raises."""
    try:
        return ("ok", repr(call()))
    except Exception as exc:  # the behaviour compared is the exception itself
        return ("raised", type(exc).__name__, str(exc))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_construction_equality_hash_and_repr_are_the_dataclass_ones(name):
    std, ours = _both(name)
    assert str(inspect.signature(std)) == str(inspect.signature(ours))
    assert std.__match_args__ == ours.__match_args__
    assert [(f.name, f.init, f.repr, f.compare, f.hash) for f in dataclasses.fields(std)] == [
        (f.name, f.init, f.repr, f.compare, f.hash) for f in dataclasses.fields(ours)
    ]
    assert dataclasses.is_dataclass(ours) and not hasattr(ours(**SAMPLES[name][0]), "__dict__")
    made_std = [std(**kw) for kw in SAMPLES[name]]
    made_ours = [ours(**kw) for kw in SAMPLES[name]]
    for a_std, a_ours in zip(made_std, made_ours):
        assert repr(a_std) == repr(a_ours)
        assert _outcome(lambda a=a_std: hash(a)) == _outcome(lambda a=a_ours: hash(a))
        assert dataclasses.asdict(a_std) == dataclasses.asdict(a_ours)
        for b_std, b_ours in zip(made_std, made_ours):
            assert (a_std == b_std) == (a_ours == b_ours)
            assert (a_std != b_std) == (a_ours != b_ours)
        assert (a_ours == object()) is False and a_ours != 1


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_assignment_deletion_and_bad_arguments_fail_alike(name):
    std, ours = _both(name)
    a_std, a_ours = std(**SAMPLES[name][0]), ours(**SAMPLES[name][0])
    for attr in (f.name for f in dataclasses.fields(std)):
        for change in (lambda a, n=attr: setattr(a, n, 1), lambda a, n=attr: delattr(a, n)):
            assert _outcome(partial(change, a_std)) == _outcome(partial(change, a_ours))
    # Another name: refused too (a dataclass's own __setattr__ raises TypeError for a subclass,
    # its slots' class being a copy: CPython gh-90562; this one says it is frozen).
    for change in (lambda a: setattr(a, "not_a_field", 1), lambda a: delattr(a, "not_a_field")):
        assert _outcome(partial(change, a_std))[0] == "raised"
        with pytest.raises(FrozenInstanceError):
            change(a_ours)
    for bad in ({**SAMPLES[name][0], "unknown": 1}, {}):
        assert _outcome(lambda kw=bad: std(**kw)) == _outcome(lambda kw=bad: ours(**kw))
    assert _outcome(lambda: std(1)) == _outcome(lambda: ours(1))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_replace_and_copies_are_equal_values(name):
    std, ours = _both(name)
    for kw in SAMPLES[name]:
        a_std, a_ours = std(**kw), ours(**kw)
        for cp in (copy.copy, copy.deepcopy):
            assert repr(cp(a_ours)) == repr(a_ours) and (cp(a_ours) == a_ours) == (
                cp(a_std) == a_std
            )
        changes = {f.name: getattr(a_ours, f.name) for f in dataclasses.fields(ours) if f.init}
        assert repr(dataclasses.replace(a_ours, **changes)) == repr(a_ours)
        assert _outcome(partial(dataclasses.replace, a_std, bogus=1)) == _outcome(
            partial(dataclasses.replace, a_ours, bogus=1)
        )


def test_post_init_defaults_and_factories():
    _, Posted = _both("Posted")
    made = Posted(low=1, high=4)
    assert made.width == 3 and made.seen == [] and made.seen is not Posted(low=1, high=4).seen
    with pytest.raises(ValueError, match="low above high"):
        Posted(low=5, high=1)
    _, Plain = _both("Plain")
    assert Plain(name="a").extra == {} and Plain(name="a").extra is not Plain(name="a").extra


def test_a_child_and_its_parent_never_compare_equal():
    _, Parent = _both("Parent")
    _, Child = _both("Child")
    assert Child(linux="1") != Parent(linux="1")
    assert [f.name for f in dataclasses.fields(Child)] == ["linux", "source", "minor"]
    assert isinstance(Child(linux="1"), Parent)


@frozen
class Pickled:
    """Module level, so that pickle finds it."""

    name: str
    items: tuple[int, ...] = ()


def test_pickle_round_trip():
    made = Pickled(name="x", items=(1, 2))
    back = pickle.loads(pickle.dumps(made))
    assert back == made and hash(back) == hash(made) and back is not made


def test_initvar_is_refused():
    with pytest.raises(TypeError, match="InitVar"):

        @frozen
        class WithInitVar:
            seed: dataclasses.InitVar[int]
