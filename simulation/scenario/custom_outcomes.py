"""Outcomes of one's own: an expression over a run's summary metrics, or a function of the model.

A scenario (or an experiment file, for all its scenarios) may list extra outcomes::

    outcomes:
      - name: relapses_per_exit
        expression: relapse_count / (exits + 1)
      - name: mountain_arrears
        function: my_outcomes:mountain_arrears      # an importable module, a function taking the model

Each becomes one more column of the run's summary row, computed at the end of the run,
so it flows into ``summary.csv``, ``compare`` (paired differences, ``comparison.csv`` and
a chart), ``sweep --metric`` and ``sensitivity --outcome`` like a built-in outcome.

An *expression* is arithmetic over the summary's columns (the outcomes of
docs/metrics.md, summarised per run; and outcomes listed before it): numbers, names,
``+ - * / ** %``, comparisons, ``and``/``or``/``not``, ``x if c else y`` and the functions
of :data:`FUNCTIONS`. It is checked against that whitelist of syntax (:mod:`ast`) when the
scenario is loaded and evaluated by walking the checked tree, so it cannot run other
code. A *function* is ordinary Python the user trusts: ``module:function``, imported when
the scenario is loaded, called with the finished :class:`~simulation.engine.model.ValueChainModel`
and returning a number.
"""

from __future__ import annotations

import ast
import importlib
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from simulation.scenario.base import Section

if TYPE_CHECKING:
    from simulation.engine.model import ValueChainModel

NAME = re.compile(r"[a-z_][a-z0-9_]*")
FUNCTIONS: dict[str, Callable[..., float]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
    "log": math.log,
    "exp": math.exp,
}
BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
}
UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Not: operator.not_}
COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
# summary columns besides the metrics of docs/metrics.md: the loan book's split of arrears
EXTRA_COLUMNS = ("npl_ratio_microcredit", "npl_ratio_chain", "chain_loans_outstanding")


BUDGET_PREFIX = "fiscal_"  # the budget lines of the fiscal cost, one summary column each (docs/metrics.md)


def summary_columns() -> tuple[str, ...]:
    """The built-in columns of a run's summary row an expression may use, budget lines aside."""
    from simulation.engine.metrics import METRIC_NAMES

    return (*METRIC_NAMES, *EXTRA_COLUMNS)


def known(name: str, names: set[str]) -> bool:
    """Whether an expression may use ``name``: a summary column, an earlier outcome or a budget line."""
    return name in names or name.startswith(BUDGET_PREFIX)


def check_expression(text: str, names: set[str]) -> ast.Expression:
    """Parse ``text`` and check every node against the whitelist.

    Raises:
        ValueError: a syntax error, a construct outside the whitelist, or an unknown name.
    """
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise ValueError(f"expression {text!r} is not valid ({err.msg})") from None
    allowed = (
        ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.Name,
        ast.Load, ast.Constant, ast.And, ast.Or, *BINARY, *UNARY, *COMPARE,
    )  # fmt: skip
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise ValueError(
                f"expression {text!r}: {type(node).__name__} is not allowed (arithmetic over metrics only)"
            )
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ValueError(f"expression {text!r}: only numbers may be written as constants")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            raise ValueError(f"expression {text!r}: only the functions {', '.join(FUNCTIONS)} may be called")
        if isinstance(node, ast.Call) and node.keywords:
            raise ValueError(f"expression {text!r}: functions take positional arguments only")
        if isinstance(node, ast.Name) and not known(node.id, names) and id(node) not in called:
            raise ValueError(f"expression {text!r}: unknown metric {node.id!r} (see docs/metrics.md)")
    return tree


def evaluate(tree: ast.AST, values: Mapping[str, float]) -> float:
    """The value of a checked expression tree with ``values`` for its names."""

    def value(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return value(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.BinOp):
            return BINARY[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp):
            return UNARY[type(node.op)](value(node.operand))
        if isinstance(node, ast.BoolOp):
            parts = [value(v) for v in node.values]
            return all(parts) if isinstance(node.op, ast.And) else any(parts)
        if isinstance(node, ast.Compare):
            left, result = value(node.left), True
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = value(right_node)
                result = result and COMPARE[type(op)](left, right)
                left = right
            return result
        if isinstance(node, ast.IfExp):
            return value(node.body) if value(node.test) else value(node.orelse)
        if isinstance(node, ast.Call):
            return FUNCTIONS[node.func.id](*(value(a) for a in node.args))  # type: ignore[attr-defined]
        raise ValueError(f"{type(node).__name__} is not allowed")  # unreachable after check_expression

    try:
        return float(value(tree))
    except (ZeroDivisionError, ValueError, OverflowError):
        return float("nan")


def import_function(text: str) -> Callable[[Any], Any]:
    """The function named ``module:function`` (``module`` importable, e.g. on PYTHONPATH).

    Raises:
        ValueError: not of that form, the module cannot be imported, or the name is not callable.
    """
    module_name, sep, name = text.partition(":")
    if not sep or not module_name or not name:
        raise ValueError(f"function {text!r}: expected module:function, e.g. my_outcomes:mountain_arrears")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"function {text!r}: cannot import {module_name!r} ({err}); is it on PYTHONPATH?") from None
    found = getattr(module, name, None)
    if not callable(found):
        raise ValueError(f"function {text!r}: {module_name} has no function {name!r}")
    return found


class CustomOutcome(Section):
    """An outcome of the user's own, one more column of each run's summary."""

    name: str = Field(description="Column name: lower case letters, digits and '_', not a built-in metric's name")
    expression: str | None = Field(
        default=None, description="Arithmetic over summary metrics, e.g. 'relapse_count / (exits + 1)'"
    )
    function: str | None = Field(default=None, description="'module:function' called with the finished model")
    description: str = Field(default="", description="What the outcome measures, with its unit")

    @model_validator(mode="after")
    def _one_definition(self) -> CustomOutcome:
        if not NAME.fullmatch(self.name):
            raise ValueError(f"name: {self.name!r} must be lower case letters, digits and '_'")
        if self.name in summary_columns() or self.name.startswith(BUDGET_PREFIX):
            raise ValueError(f"name: {self.name!r} is a built-in metric's name; choose another")
        if (self.expression is None) == (self.function is None):
            raise ValueError(f"{self.name}: give exactly one of expression or function")
        if self.function is not None:
            import_function(self.function)
        return self


def check_outcomes(outcomes: list[CustomOutcome]) -> None:
    """Names unique; each expression uses built-in metrics or outcomes listed before it.

    Raises:
        ValueError: ``outcomes.<i>: ...`` naming the first problem.
    """
    if not outcomes:
        return
    names = set(summary_columns())
    for i, outcome in enumerate(outcomes):
        if outcome.name in names:
            raise ValueError(f"outcomes.{i}: {outcome.name!r} is listed twice")
        if outcome.expression is not None:
            try:
                check_expression(outcome.expression, names)
            except ValueError as err:
                raise ValueError(f"outcomes.{i}.expression: {err}") from None
        names.add(outcome.name)


def custom_values(outcomes: list[CustomOutcome], row: Mapping[str, float], model: ValueChainModel) -> dict[str, float]:
    """The custom outcomes of one finished run, in order (a later one may use an earlier one)."""
    values = dict(row)
    found: dict[str, float] = {}
    for outcome in outcomes:
        if outcome.expression is not None:
            result = evaluate(ast.parse(outcome.expression, mode="eval"), values)  # checked when loaded
        else:
            result = float(import_function(outcome.function or "")(model))
        values[outcome.name] = found[outcome.name] = result
    return found
