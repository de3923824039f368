"""Registries of the county's instruments: loan products, insurance products, monitoring responses.

An instrument is declared once, in its own module, as a small frozen record naming its
scenario section and the functions that deliver it; the credit market, the insurance
market and the monitoring system loop over their registry inside the month's named
phases. Registration order is meaningful: a loan product's place in :data:`LOAN_PRODUCTS`
is its code in the loan book and its turn in the lending order (who applies first takes
the bank's capital first), and insurance products and responses run in their order.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import numpy as np

from agents.government import BudgetLine as BudgetLine  # re-exported: instruments declare their lines


class Registry[T]:
    """An ordered set of named declarations; the order of registration is kept."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        """Add ``item`` (its ``name`` must be new) and return it."""
        name = item.name  # type: ignore[attr-defined]
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        return item

    def names(self) -> tuple[str, ...]:
        """The registered names, in order."""
        return tuple(self._items)

    def index(self, name: str) -> int:
        """Position of ``name`` in the registry (a loan product's code in the loan book)."""
        return self.names().index(name)

    def __getitem__(self, name: str) -> T:
        return self._items[name]

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)


def discover(package: str, path: list[str], last: tuple[str, ...] = ()) -> None:
    """Import every module of an instrument package, so each registers its instruments (``last`` at the end).

    A new product is one new module in the package: nothing else needs to import it.
    Modules load in name order; those named in ``last`` (the market, which reads the
    registries when it is imported) after the others.
    """
    names = sorted(info.name for info in pkgutil.iter_modules(path))
    for name in sorted(names, key=lambda name: name in last):
        importlib.import_module(f"{package}.{name}")


def section_of(scenario: Any, path: str) -> Any:
    """The scenario section at a dotted ``path`` (``"credit.products.microcredit"``)."""
    return attrgetter(path)(scenario)


@dataclass(frozen=True)
class Metric:
    """A reported outcome: its unit, meaning and how a run is summarised."""

    name: str
    unit: str
    description: str
    summary: str  # "sum" | "last_year" | "assessments" | "last" | "max" | "min"
    built: bool = True  # False: the mechanism behind it is not simulated yet (always 0)
    # which way is better for the county's households and purse: "lower" (relapse, poverty, losses,
    # public spending), "higher" (income, institutions' equity, monitoring's hit rates) or "" (a level
    # or a flow with no good direction: loans outstanding, premiums). optimize and discover read it,
    # so that an outcome cannot be minimised, or called bad when high, the wrong way round.
    better: str = ""


@dataclass(frozen=True)
class LoanProduct:
    """A loan product: what it is called, where its terms live and how households ask for it.

    Attributes:
        name: the product's code name (``loans_outstanding_<name>``, ``guarantee.products``).
        terms: dotted path of its scenario section (rate, ceiling, term, ...).
        label: what it is, in a metric's description ("poverty-relief microcredit").
        borrower: ``"household"`` (lent by the credit market's lending loop), ``"institution"``
            (cooperatives and enterprises, lent by the value chain) or ``"family_farm"``.
        demands: household demand rules, applied in order in the lending phase; each takes
            the credit market, the month's :class:`~simulation.instruments.credit.products.LendingRound`
            and who already holds this product, and returns the applications (or None).
        pricing: the rate and subsidised interest share (per household or one for all);
            None: the terms' own ``rate`` and ``interest_subsidy_share``.
        reports_outstanding: the credit market reports ``loans_outstanding_<name>``.
        at_harvest: a loan against the harvest itself (a warehouse receipt): called by the value
            chain every month with the credit market, the month's context, this month's harvests
            (rows, their value at the spot price) and which of them are free to sell (no live
            contract); returns which of them are kept back from sale (stored).
        states: the household columns it keeps, declared when the credit market opens.
        metrics: the metrics it reports, and ``measure``, which computes them from the credit market.
    """

    name: str
    terms: str
    label: str = ""
    borrower: str = "household"
    demands: tuple[Callable[..., Any], ...] = ()
    pricing: Callable[[Any], tuple[Any, Any]] | None = None
    reports_outstanding: bool = True
    at_harvest: Callable[..., np.ndarray] | None = None
    states: tuple[Any, ...] = ()
    budget_lines: tuple[BudgetLine, ...] = ()
    metrics: tuple[Metric, ...] = ()
    measure: Callable[[Any], dict[str, float]] | None = None


@dataclass(frozen=True)
class InsuranceProduct:
    """An insurance product: its scenario section and what it does in the insurance phase.

    Attributes:
        name: the product's code name.
        terms: dotted path of its scenario section (which has an ``enabled`` switch).
        month: the product's monthly work in the insurance phase (sales, triggers,
            payouts), called with the insurance market, the month's context and the
            insurance stream's full-length uptake draw when its section is enabled.
        at_assessment: its work at the annual assessment (a year's cover bought), or None.
        states: the household columns it keeps (``agents.state.State``), declared when the market opens.
        budget_lines: what government pays under for it (premium subsidies, premiums it buys).
        metrics: the metrics it reports, and ``measure``, which computes them from the insurance market.
    """

    name: str
    terms: str
    month: Callable[..., None]
    at_assessment: Callable[..., None] | None = None
    states: tuple[Any, ...] = ()
    budget_lines: tuple[BudgetLine, ...] = ()
    metrics: tuple[Metric, ...] = ()
    measure: Callable[[Any], dict[str, float]] | None = None


@dataclass(frozen=True)
class Response:
    """A monitoring response to flagged households (paid through the ledger).

    Attributes:
        name: the response's name.
        applies: whether the scenario's monitoring terms switch it on.
        respond: called with the monitoring system, the flagged households, the month and the placement draw.
        budget_lines: what government pays under for it.
    """

    name: str
    respond: Callable[..., None]
    applies: Callable[[Any], bool] = field(default=lambda terms: True)
    budget_lines: tuple[BudgetLine, ...] = ()


LOAN_PRODUCTS: Registry[LoanProduct] = Registry("loan product")
INSURANCE_PRODUCTS: Registry[InsuranceProduct] = Registry("insurance product")
RESPONSES: Registry[Response] = Registry("monitoring response")
