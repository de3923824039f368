"""Per-household state, declared once by the mechanism that owns it (as Starsim's ``define_states``).

A :class:`State` names a column, its dtype, default and meaning. ``Households`` declares
its own (traits, money, income, poverty history); each mechanism (insurance, credit,
government's dibao, ...) declares the columns it keeps on households, and the households
table allocates them when the mechanism is built: no other module defines a column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class State:
    """A household column: its name, dtype, default and one-line meaning (with unit).

    ``rows`` makes it a table of ``rows`` x households (a 12-month window, a row per risk type).
    """

    name: str
    dtype: Any
    default: Any
    doc: str
    rows: int | None = None

    def allocate(self, n: int) -> np.ndarray:
        """A fresh column for ``n`` households, filled with the default."""
        shape = n if self.rows is None else (self.rows, n)
        return np.full(shape, self.default, self.dtype)


class StateTable:
    """Arrays of one row per agent, whose columns are declared (mixin of ``Households``)."""

    n: int

    def declare(self, *states: State) -> None:
        """Allocate the columns a mechanism declares; declaring the same column again changes nothing.

        Raises:
            ValueError: a name is declared again with a different dtype, default or shape.
        """
        declared: dict[str, State] = self.__dict__.setdefault("states", {})
        for state in states:
            known = declared.get(state.name)
            if known is not None:
                if (known.dtype, known.default, known.rows) != (state.dtype, state.default, state.rows):
                    raise ValueError(f"household column {state.name!r} is declared twice, differently")
                continue
            declared[state.name] = state
            setattr(self, state.name, state.allocate(self.n))
