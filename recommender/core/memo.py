"""The one memo helper: a value that owns its lifetime (RuleBase, WheelMatrix, Facts) keeps a
dict of what was derived from it, and asks through ``remember``. No module-level cache."""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from typing import Any, TypeVar, cast

_T = TypeVar("_T")


def remember(store: MutableMapping[Hashable, Any], key: Hashable, make: Callable[[], _T]) -> _T:
    """``store[key]``, made by ``make()`` the first time it is asked for."""
    try:
        return cast("_T", store[key])
    except KeyError:
        value = store[key] = make()
        return value


__all__ = ["remember"]
