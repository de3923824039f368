"""Optional parts of agrifin and the pip extra that installs each.

The core install runs the model, the CLI, charts, reports and sweeps on the local pool;
the dashboard, Dask clusters and EMA Workbench need an extra. :func:`require` imports a
module of an extra or says, in one line, which extra to install (exit status 2 on the CLI).
"""

from __future__ import annotations

import importlib
from types import ModuleType

import click

EXTRAS = {"dashboard": "the dashboard", "cluster": "a Dask cluster (--scheduler)", "ema": "EMA Workbench"}


class MissingExtraError(click.ClickException):
    """A command needs an optional dependency that is not installed; the message names the pip extra."""

    exit_code = 2


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` of the optional ``extra``, or raise :class:`MissingExtraError` with the pip command."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name is None or err.name.split(".")[0] != module.split(".")[0]:
            raise
        raise MissingExtraError(
            f"{EXTRAS[extra]} needs the '{extra}' extra ({module} is not installed): pip install 'agrifin[{extra}]'"
        ) from None
