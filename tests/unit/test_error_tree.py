"""Every newsbot error is drawn in bot/errors.py's tree, under its own parent."""

from __future__ import annotations

import re

import bot.errors
import index


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_is_in_the_documented_tree_under_its_parent() -> None:
    drawn_parent: dict[str, str] = {}
    top = "NewsbotError"
    for indent, name in re.findall(r"^ {4}([│ ]*)[├└]── (\w+)", bot.errors.__doc__ or "", flags=re.MULTILINE):
        if indent:
            drawn_parent[name] = top
        else:
            drawn_parent[name], top = "NewsbotError", name
    for cls in _subclasses(index.NewsbotError):
        if cls.__module__.split(".")[0] in ("index", "bot"):
            assert drawn_parent.get(cls.__name__) == cls.__mro__[1].__name__, cls
