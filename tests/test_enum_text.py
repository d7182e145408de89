"""A closed set's value is its name in every message (issue 25): Python 3.11 formats a
``(str, Enum)`` member as ``Cls.NAME`` in f-strings, and the checklist printed
``smoke:FailureKind.IMPORT_ERROR``. Every such enum of the package is found and checked."""

from __future__ import annotations

import enum
import importlib
import pkgutil

import recommender


def _str_enums() -> list[type[enum.Enum]]:
    found = {}
    for info in pkgutil.walk_packages(recommender.__path__, prefix="recommender."):
        if ".children." in info.name:
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, str) and issubclass(value, enum.Enum):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_every_str_enum_formats_as_its_value():
    enums = _str_enums()
    assert len(enums) >= 5
    bad = [f"{m!r} -> {m}" for cls in enums for m in cls if f"{m}" != m.value]
    assert bad == []
