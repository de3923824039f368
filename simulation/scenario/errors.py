"""Every problem of a scenario, one line each, with "did you mean" for a misspelt key.

pydantic reports all the problems of a document at once; :func:`problems_of` turns them
into ``(key, problem)`` pairs in the order pydantic found them, and names, for an unknown
key, the closest key the schema allows at that place (:mod:`difflib`).
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

SUGGESTION_CUTOFF = 0.6  # difflib ratio below which no key is suggested


def section_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``Terms``, ``Terms | None``, ``list[Terms]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = section_model(arg)
            if found is not None:
                return found
    return None


def allowed_keys(model: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    """The keys the schema allows in the mapping at ``location`` (empty when it is not a section)."""
    current: type[BaseModel] | None = model
    for part in location:
        if current is None:
            return []
        if isinstance(part, int):  # an item of a list of sections
            continue
        info = current.model_fields.get(str(part))
        if info is None:
            return []
        current = section_model(info.annotation)
    return list(current.model_fields) if current is not None else []


def did_you_mean(model: type[BaseModel], location: tuple[Any, ...]) -> str:
    """``"; did you mean 'dibao_takeup'?"`` for an unknown key close to an allowed one, else ``""``."""
    *parent, name = location
    close = difflib.get_close_matches(str(name), allowed_keys(model, tuple(parent)), n=1, cutoff=SUGGESTION_CUTOFF)
    return f"; did you mean {close[0]!r}?" if close else ""


def problem_of(error: dict[str, Any], model: type[BaseModel]) -> tuple[str, str]:
    """One pydantic error as ``(dotted key, problem in words)``."""
    location = tuple(p for p in error["loc"] if p != "function-after")
    key = ".".join(str(p) for p in location) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key" + did_you_mean(model, location)
    elif error["type"] == "missing":
        message = "required key is missing"
    # a section's own check may name the key it is about: "regions.hill.monitoring.recall: ..."
    head, sep, rest = message.partition(": ")
    if sep and head.replace(".", "").replace("_", "").isalnum():
        key = head if key == "(top level)" else f"{key}.{head}"
        message = rest
    return key, message


def problems_of(err: ValidationError, model: type[BaseModel]) -> list[tuple[str, str]]:
    """Every problem pydantic found, as ``(dotted key, problem)``, each once, in its order."""
    return list(dict.fromkeys(problem_of(error, model) for error in err.errors()))
