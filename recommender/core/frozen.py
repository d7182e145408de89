"""Frozen values: deep freeze and thaw (nested mappings and lists as read-only values, and back
to plain JSON), and ``@frozen``, the decorator of the frozen value classes."""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import Field, FrozenInstanceError, field
from operator import attrgetter
from reprlib import recursive_repr
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_kwargs: Any) -> Callable[[_T], _T]:
        """Typing's marker (3.11+, ``typing_extensions`` before): only type checkers read it."""
        return lambda decorated: decorated


def freeze(value: Any) -> Any:
    """Mappings become read-only proxies and lists become tuples, all the way down."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The inverse of :func:`freeze`: plain dicts and lists, ready for ``json.dumps``."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


# --- frozen value classes ------------------------------------------------------------------

_T = TypeVar("_T")


def _tupled(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The fields ``names`` of an instance as one tuple (``attrgetter`` gives a bare value for
    one name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        only = attrgetter(names[0])
        return lambda obj: (only(obj),)
    return lambda obj: ()


class _Factory:
    """The default of a parameter whose field has a ``default_factory``."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _init_of(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """``cls.__init__``, compiled as dataclasses compile it: keyword-only parameters, each field
    set through ``object.__setattr__``, defaults and factories, then ``__post_init__``."""
    env: dict[str, Any] = {"__set": object.__setattr__, "__factory": _FACTORY}
    params: list[str] = []
    body: list[str] = []
    for i, f in enumerate(fields):
        if f.kw_only is False:
            raise TypeError(f"{cls.__qualname__}.{f.name}: @frozen fields are keyword-only")
        has_factory = f.default_factory is not dataclasses.MISSING
        if has_factory:
            env[f"__f{i}"] = f.default_factory
        elif f.default is not dataclasses.MISSING:
            env[f"__d{i}"] = f.default
        if f.init:
            if has_factory:
                params.append(f"{f.name}=__factory")
                value = f"__f{i}() if {f.name} is __factory else {f.name}"
            else:
                params.append(f"{f.name}=__d{i}" if f"__d{i}" in env else f.name)
                value = f.name
        elif has_factory:
            value = f"__f{i}()"
        elif f"__d{i}" in env:
            value = f"__d{i}"
        else:
            continue  # neither a parameter nor a default: left unset, as dataclasses leave it
        body.append(f"  __set(__self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("  __self.__post_init__()")
    signature = f"__self, *, {', '.join(params)}" if params else "__self"
    text = (
        f"def __make({', '.join(env)}):\n def __init__({signature}):\n"
        + ("\n".join(body) or "  pass")
        + "\n return __init__\n"
    )
    scope: dict[str, Any] = {}
    exec(text, {"__builtins__": builtins}, scope)  # our own text: field names and local names
    init: Callable[..., None] = scope["__make"](**env)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**{f.name: f.type for f in fields if f.init}, "return": None}
    return init


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(field, Field))
def frozen(cls: type[_T]) -> type[_T]:
    """``@dataclass(frozen=True, slots=True, kw_only=True)`` for a third of the cost.

    A dataclass compiles six functions for a frozen class (``__init__``, ``__repr__``,
    ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``) from source when its module is
    imported: about 1 ms a class, some 70 ms of a warm ``dlrec recommend``. Here only
    ``__init__`` is compiled (its speed counts: a rule base makes thousands of values); the
    others are closures over the fields that behave as dataclasses' do: equality and hash by the
    fields' tuple (``compare`` and ``hash`` honoured), the same ``repr``, FrozenInstanceError on
    assignment or deletion, ``dataclasses.replace``/``fields``/``asdict``, ``copy`` and pickle
    as for any frozen slotted dataclass (tests/test_frozen_values.py compares them). Methods
    the class defines itself are kept. A class derived from a @frozen class is @frozen too
    (``__dataclass_params__`` says frozen=False: the freezing is this decorator's own)."""
    own = dict(cls.__dict__)
    for name, annotation in own.get("__annotations__", {}).items():
        if "InitVar" in str(annotation):
            raise TypeError(f"{cls.__qualname__}.{name}: @frozen takes no InitVar")
    cls.__doc__ = own.get("__doc__") or cls.__name__  # spares dataclasses a signature
    made: Any = dataclasses.dataclass(
        cls, init=False, repr=False, eq=False, slots=True, kw_only=True
    )
    fields = dataclasses.fields(made)
    names = frozenset(f.name for f in fields)
    made.__init__ = _init_of(made, fields)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is made or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(made, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is made or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(made, self).__delattr__(name)

    def __getstate__(self: Any) -> list[Any]:  # pickle and copy: as for a frozen dataclass
        return [getattr(self, f.name) for f in fields]

    def __setstate__(self: Any, state: Sequence[Any]) -> None:
        for f, item in zip(fields, state):
            object.__setattr__(self, f.name, item)

    methods: dict[str, Any] = {
        "__setattr__": __setattr__,
        "__delattr__": __delattr__,
        "__getstate__": __getstate__,
        "__setstate__": __setstate__,
    }
    if "__repr__" not in own:
        shown = tuple(f.name for f in fields if f.repr)

        def __repr__(self: Any) -> str:
            parts = ", ".join(f"{n}={getattr(self, n)!r}" for n in shown)
            return f"{self.__class__.__qualname__}({parts})"

        methods["__repr__"] = recursive_repr()(__repr__)
    if "__eq__" not in own:
        compared = _tupled(tuple(f.name for f in fields if f.compare))

        def __eq__(self: Any, other: object) -> Any:
            if other.__class__ is self.__class__:
                return compared(self) == compared(other)
            return NotImplemented

        methods["__eq__"] = __eq__
    explicit_hash = own.get("__hash__", dataclasses.MISSING)
    if explicit_hash is dataclasses.MISSING or (explicit_hash is None and "__eq__" in own):
        hashed = _tupled(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)))

        def __hash__(self: Any) -> int:
            return hash(hashed(self))

        methods["__hash__"] = __hash__
    for name, method in methods.items():
        if name in own and name in ("__getstate__", "__setstate__"):
            continue  # the class's own
        method.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, method)
    return made
