"""Experiment files: a saved, re-runnable compare, sweep or sensitivity analysis.

An experiment file is YAML with ``experiment: compare | sweep | sensitivity`` and the
rest of the command in keys (``experiments/dibao_monitoring.yaml`` is an example)::

    experiment: sweep
    description: Does monitoring matter more when dibao take-up is low?
    scenario: baseline                      # relative to this file, else a shipped name
    vary:
      transfers.dibao_takeup: {low: 0.4, high: 0.9, levels: 3}     # a range
      monitoring.enabled: [false, true]                              # a list of values
    replications: 5
    seed: 1
    households: 2000
    outcomes:                               # outcomes of one's own (simulation/scenario/custom_outcomes.py)
      - name: relapses_per_new_poor
        expression: relapse_count / max(new_poor_count, 1)
    metrics: [relapse_rate]

It runs with the command of its kind, ``agrifin sweep my_experiment.yaml``; an option
given on the command line wins over the file's value. :func:`accepts_experiment_file`
also lets ``agrifin <command> --resume -o DIR`` continue a folder alone: the command is
read back from the folder's ``manifest.json``.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import click
from click.core import ParameterSource
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulation.scenario.custom_outcomes import CustomOutcome
from simulation.scenario.errors import problems_of
from simulation.scenario.file import ScenarioFileError, parsed_yaml, read_text
from simulation.scenario.loading import ScenarioError
from simulation.scenario.shipped import find_scenario

KINDS = ("compare", "sweep", "sensitivity")


class Range(BaseModel):
    """A key varied from ``low`` to ``high`` (``levels`` grid values; ranges only for lhs, Sobol and Morris)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    low: float | int
    high: float | int
    levels: int | None = Field(default=None, ge=2, description="Grid levels (default 5)")


class ExperimentFile(BaseModel):
    """A saved experiment: what ``compare``, ``sweep`` or ``sensitivity`` would be given on the command line."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    experiment: Literal["compare", "sweep", "sensitivity"] = Field(description="Which analysis")
    description: str = Field(default="", description="What the experiment asks")
    scenario: str = Field(description="The base scenario (the baseline of a comparison)")
    policies: list[str] = Field(default_factory=list, description="compare: the policy scenarios")
    stress: list[str] = Field(default_factory=list, description="sweep: further scenarios on the same design")
    vary: dict[str, Range | list[bool | int | float | str]] = Field(
        default_factory=dict, description="sweep, sensitivity: each key's range or list of values"
    )
    design: Literal["grid", "lhs", "sobol", "morris"] | None = Field(
        default=None, description="grid or lhs (sweep), sobol or morris (sensitivity)"
    )
    samples: int | None = Field(default=None, ge=1, description="lhs points, or Sobol/Morris base samples")
    replications: int | None = Field(default=None, ge=1)
    seed: int | None = Field(default=None, ge=0)
    households: int | None = Field(default=None, ge=1)
    years: int | None = Field(default=None, ge=1, le=100)
    set: dict[str, Any] = Field(default_factory=dict, description="Parameter overrides, dotted keys")
    outcomes: list[CustomOutcome] = Field(default_factory=list, description="Outcomes of one's own")
    metrics: list[str] = Field(
        default_factory=list, description="sweep: the heatmap's metric; sensitivity: the outcomes analysed"
    )


def read_mapping(path: Path) -> dict[str, Any] | None:
    """The YAML mapping in ``path``, or None when it cannot be read as one (shared: do not change it)."""
    try:
        data = parsed_yaml(read_text(path))
    except (OSError, ScenarioFileError):
        return None
    return data if isinstance(data, dict) else None


def is_experiment_file(path: Path | None) -> bool:
    """Whether ``path`` is an experiment file (a YAML mapping with an ``experiment`` key)."""
    if path is None or not path.is_file():
        return False
    data = read_mapping(path)
    return data is not None and "experiment" in data


def load_experiment(path: Path) -> ExperimentFile:
    """Read and validate an experiment file.

    Raises:
        ScenarioError: every problem, one line each, naming the file and the key.
    """
    data = read_mapping(path)
    if data is None:
        raise ScenarioError(str(path), "", "an experiment file must be a YAML mapping of keys to values")
    try:
        return ExperimentFile.model_validate(copy.deepcopy(data))
    except ValidationError as err:
        (key, problem), *more = problems_of(err, ExperimentFile)
        raise ScenarioError(str(path), key, problem, tuple(more)) from None


def scenario_path(text: str, experiment: Path) -> Path:
    """A scenario named in an experiment file: relative to that file, else a shipped name, else as written."""
    found, _ = find_scenario(text, relative_to=experiment)
    return found


def vary_text(key: str, spec: Range | list[Any], source: str) -> str:
    """The ``--vary`` text of one entry of ``vary``."""
    if isinstance(spec, Range):
        levels = f":{spec.levels}" if spec.levels is not None else ""
        return f"{key}={spec.low!r}:{spec.high!r}{levels}"
    words = [json.dumps(v) if isinstance(v, bool) else str(v) for v in spec]
    if any("," in w for w in words):
        raise ScenarioError(source, f"vary.{key}", "a value may not contain a comma")
    return f"{key}={','.join(words)}"


def given(ctx: click.Context, name: str) -> bool:
    """Whether option ``name`` was given on the command line (or in the environment), not left to its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def fill(ctx: click.Context, kind: str, first: str, params: dict[str, Any]) -> dict[str, Any]:
    """The command's parameters with the experiment file's values where the command line gave none."""
    path = Path(params[first])
    experiment = load_experiment(path)
    source = str(path)
    if experiment.experiment != kind:
        raise ScenarioError(
            source, "experiment", f"a {experiment.experiment} experiment; run it with agrifin {experiment.experiment}"
        )
    filled = dict(params)
    filled[first] = scenario_path(experiment.scenario, path)
    values: dict[str, Any] = {
        "replications": experiment.replications,
        "seed": experiment.seed,
        "households": experiment.households,
        "years": experiment.years,
        "samples": experiment.samples,
        "method": experiment.design,
    }
    if kind == "compare":
        values["policies"] = tuple(scenario_path(p, path) for p in experiment.policies)
    if kind in ("sweep", "sensitivity"):
        values["varies"] = tuple(vary_text(k, v, source) for k, v in experiment.vary.items())
    allowed = {"sweep": ("grid", "lhs"), "sensitivity": ("sobol", "morris")}.get(kind)
    if experiment.design is not None and (allowed is None or experiment.design not in allowed):
        raise ScenarioError(source, "design", f"{experiment.design!r} is not a {kind} design; choose {allowed}")
    if kind == "sweep":
        values["stresses"] = tuple(scenario_path(p, path) for p in experiment.stress)
        values["metric"] = experiment.metrics[0] if experiment.metrics else None
    if kind == "sensitivity":
        values["outcomes"] = tuple(experiment.metrics) or None
    for name, value in values.items():
        if name in filled and value not in (None, ()) and not given(ctx, name):
            filled[name] = value
    file_sets = tuple(f"{key}={json.dumps(value)}" for key, value in experiment.set.items())
    filled["sets"] = (*file_sets, *filled.get("sets", ()))
    filled["extra_outcomes"] = tuple(o.model_dump(mode="json", exclude_none=True) for o in experiment.outcomes)
    return filled


def stored_command(folder: Path) -> tuple[list[str], str | None]:
    """The command line and working directory recorded in ``folder/manifest.json``.

    Raises:
        ScenarioError: no readable manifest.
    """
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        command = [str(part) for part in manifest["command"]]
    except (OSError, ValueError, KeyError, TypeError):
        raise ScenarioError(str(folder), "manifest.json", "missing or unreadable; cannot resume from it") from None
    return command, manifest.get("experiment", {}).get("working_directory")


def without_folder(args: list[str]) -> list[str]:
    """The arguments without ``--resume`` and ``-o/--output DIR`` (a resume names the folder itself)."""
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("-o", "--output"):
            skip = True
        elif arg != "--resume" and not arg.startswith("--output="):
            kept.append(arg)
    return kept


def resumed(ctx: click.Context, kind: str, params: dict[str, Any]) -> tuple[click.Context, dict[str, Any]]:
    """``agrifin <kind> --resume -o DIR`` alone: the command from DIR's manifest, resuming into DIR.

    Raises:
        ScenarioError: no manifest, or one written by another command.
    """
    folder = Path(params["output"]).resolve()
    command, cwd = stored_command(folder)
    if len(command) < 2 or command[1] != kind:
        made_by = " ".join(command[:2]) or "nothing"
        raise ScenarioError(str(folder), "manifest.json", f"made by {made_by!r}, not agrifin {kind}")
    if cwd and Path(cwd).is_dir():
        os.chdir(cwd)  # the command's paths are relative to where it was first run
    args = [*without_folder(command[2:]), "--resume", "-o", str(folder)]
    sys.argv = ["agrifin", kind, *args]  # the manifest keeps the whole command for the next resume
    inner = ctx.command.make_context(ctx.info_name, args, parent=ctx.parent)
    return inner, dict(inner.params)


def accepts_experiment_file(kind: str, first: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a command take an experiment file as its ``first`` argument, and resume from ``-o DIR`` alone.

    Args:
        kind: the command (``run``, ``compare``, ``sweep`` or ``sensitivity``).
        first: the name of its scenario argument.
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def with_file(**params: Any) -> Any:
            ctx = click.get_current_context()
            if params.get(first) is None:
                if not (params.get("resume") and params.get("output")):
                    raise click.UsageError(f"Missing argument '{first.upper()}' (or --resume -o DIR to continue one)")
                inner, params = resumed(ctx, kind, params)
                with inner:
                    return command(**prepared(inner, kind, first, params))
            return command(**prepared(ctx, kind, first, params))

        return with_file

    return decorate


def prepared(ctx: click.Context, kind: str, first: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters, filled from the experiment file when ``first`` names one."""
    if kind in KINDS and is_experiment_file(Path(params[first])):
        return fill(ctx, kind, first, params)
    return {**params, "extra_outcomes": ()}
