"""Scenario discovery: where in the explored space is an outcome bad? (PRIM, with CART and feature scores).

An experiment of an explore folder is *bad* when its outcome, averaged over the
replicates, is above ``threshold`` (for ``large_scale_relapse``, the share of replicates
that raised the county's alarm). EMA Workbench's PRIM (patient rule induction) peels the
space of inputs — the uncertainties and any levers — down to boxes where bad experiments
are dense: a box's *coverage* is the share of all bad experiments inside it, its *density*
the share of experiments inside it that are bad, its *mass* the share of all experiments
inside it. From each peeling trajectory the box kept is the one of largest coverage whose
density reaches ``min_density`` (the densest one if none does). Then the bad experiments in
the box are set aside and PRIM looks for the next box. CART (a classification tree) and
extra-trees feature scores, both EMA Workbench's, are a cross-check: do they name the same
inputs?
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments.explore import INDEX_COLUMNS, point_means
from simulation.experiments.explore_text import te


class NothingToDiscoverError(ValueError):
    """Every experiment, or none, is bad: there is no box to find."""


@dataclass
class Box:
    """One PRIM box: its statistics, its limits on the restricted inputs and its peeling trajectory."""

    number: int
    coverage: float
    density: float
    mass: float
    limits: list[dict[str, Any]]  # one per restricted input: input, kind, low/high or choices, full range
    trajectory: pd.DataFrame
    selected: int
    sentence: str = ""


@dataclass
class Discovery:
    """What discover found: the boxes, the cross-checks and the data they came from."""

    outcome: str
    threshold: float
    experiments: int
    cases: int
    boxes: list[Box]
    cart: pd.DataFrame
    scores: pd.DataFrame
    inputs: list[str] = field(default_factory=list)


def ema_analysis() -> Any:
    """EMA Workbench's analysis package (its optional-parallel warning silenced)."""
    from simulation.extras import require

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        require("ema_workbench", "ema")
        import ema_workbench.analysis as analysis
    return analysis


def inputs_of(experiments: pd.DataFrame) -> pd.DataFrame:
    """The inputs PRIM may restrict: every uncertainty and lever that varies (labels as categories)."""
    x = experiments.drop(columns=["point", *INDEX_COLUMNS], errors="ignore")
    varying = [c for c in x.columns if x[c].nunique() > 1]
    x = x[varying].copy()
    for column in x.columns:
        if x[column].dtype.kind not in "iuf":
            x[column] = x[column].astype(str).astype("category")
    return x


def full_box(x: pd.DataFrame) -> pd.DataFrame:
    """The box holding every experiment: each number's range, each label's set of choices (rows 0 and 1)."""
    columns = {}
    for column in x.columns:
        if x[column].dtype.kind in "iuf":
            columns[column] = [x[column].min(), x[column].max()]
        else:
            labels = set(x[column].astype(str))
            columns[column] = [labels, labels]
    return pd.DataFrame(columns)


def restricted(limits: pd.DataFrame, full: pd.DataFrame) -> list[dict[str, Any]]:
    """The inputs a box restricts, each with its limits and its full range."""
    found = []
    for column in limits.columns:
        low, high = limits[column].iloc[0], limits[column].iloc[1]
        full_low, full_high = full[column].iloc[0], full[column].iloc[1]
        if isinstance(low, set):
            if set(low) != set(full_low):
                found.append({"input": column, "kind": "choices", "choices": sorted(low), "all": sorted(full_low)})
        elif low > full_low or high < full_high:
            found.append(
                {
                    "input": column,
                    "kind": "range",
                    "low": float(low),
                    "high": float(high),
                    "full_low": float(full_low),
                    "full_high": float(full_high),
                }
            )
    return found


def choose(trajectory: pd.DataFrame, min_density: float) -> int:
    """The step of largest coverage whose density reaches ``min_density`` (else the densest step)."""
    dense = trajectory[trajectory["density"] >= min_density]
    if dense.empty:
        return int(trajectory["density"].to_numpy().argmax())
    return int(dense.index[dense["coverage"].to_numpy().argmax()])


def condition(limit: dict[str, Any], units: dict[str, str], lang: str = "en") -> str:
    """One restriction in words: ``drought_severity ≥ 0.42 (share of harvest)``, ``price_fall is a or b``."""
    name = limit["input"]
    unit = f" ({units[name]})" if units.get(name) else ""
    if limit["kind"] == "choices":
        return te("{name} is {choices}", lang).format(name=name, choices=te(" or ", lang).join(limit["choices"]))
    low_cut = limit["low"] > limit["full_low"]
    high_cut = limit["high"] < limit["full_high"]
    if low_cut and high_cut:
        text = te("{name} is between {low} and {high}{unit}", lang)
        return text.format(name=name, low=f"{limit['low']:.3g}", high=f"{limit['high']:.3g}", unit=unit)
    if low_cut:
        return f"{name} ≥ {limit['low']:.3g}{unit}"
    return f"{name} ≤ {limit['high']:.3g}{unit}"


def sentence(box: dict[str, Any], outcome: str, threshold: float, units: dict[str, str], lang: str = "en") -> str:
    """A box (``box``, ``coverage``, ``density``, ``mass``, ``limits``) in plain words."""
    where = te(" and ", lang).join(condition(limit, units, lang) for limit in box["limits"])
    text = te(
        "Box {box}: {outcome} exceeds {threshold} in {density:.0%} of the experiments where {where}; they hold "
        "{coverage:.0%} of all experiments where it does ({mass:.0%} of the experiments explored).",
        lang,
    )
    return text.format(
        box=box["box"],
        outcome=outcome,
        threshold=f"{threshold:g}",
        density=box["density"],
        coverage=box["coverage"],
        mass=box["mass"],
        where=where or te("anywhere in the space explored", lang),
    )


def find_boxes(
    x: pd.DataFrame, bad: np.ndarray, min_density: float, max_boxes: int, mass_min: float = 0.05
) -> list[tuple[pd.DataFrame, int, pd.DataFrame, pd.DataFrame]]:
    """PRIM boxes: for each, its trajectory, the step chosen, its limits and the full box."""
    prim = ema_analysis().prim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA Workbench's own deprecation warnings (pandas)
        finder = prim.Prim(x.reset_index(drop=True), bad.astype(bool), mass_min=mass_min)
    found = []
    while len(found) < max_boxes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = finder.find_box()
        if box is None:
            break
        trajectory = box.peeling_trajectory.reset_index(drop=True)
        step = choose(trajectory, min_density)
        if found and trajectory["density"].iloc[step] < min_density:
            break  # later boxes only when they are dense enough to mean something
        box.select(step)
        found.append((trajectory, step, box.box_lims[step], finder.box_init))
    return found


def cart_boxes(x: pd.DataFrame, bad: np.ndarray, mass_min: float = 0.05) -> pd.DataFrame:
    """CART's leaves with their coverage, density and mass, bad-rich leaves first."""
    cart = ema_analysis().cart
    mass_min = max(mass_min, 1.0 / len(x) + 1e-9)  # a leaf holds at least one experiment
    tree = cart.CART(x.reset_index(drop=True), bad.astype(bool), mass_min=mass_min)
    tree.build_tree()
    full = full_box(x)
    rows = []
    for i, (stats, limits) in enumerate(zip(tree.stats, tree.boxes, strict=True)):
        cut = restricted(limits, full)
        rows.append(
            {
                "leaf": i,
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats.get("mass", np.nan)),
                "restrictions": "; ".join(condition(limit, {}) for limit in cut),
            }
        )
    return pd.DataFrame(rows).sort_values(["density", "coverage"], ascending=False).reset_index(drop=True)


def feature_scores(x: pd.DataFrame, bad: np.ndarray, seed: int) -> pd.DataFrame:
    """Extra-trees feature scores of the inputs for telling bad experiments from the others."""
    analysis = ema_analysis()
    scores, _ = analysis.feature_scoring.get_ex_feature_scores(
        x.reset_index(drop=True), bad.astype(int), mode=analysis.RuleInductionType.CLASSIFICATION, random_state=seed
    )
    table = scores.reset_index()
    table.columns = ["input", "score"]
    return table.sort_values("score", ascending=False).reset_index(drop=True)


def discover(
    experiments: pd.DataFrame,
    outcomes: pd.DataFrame,
    outcome: str,
    threshold: float,
    units: dict[str, str],
    min_density: float = 0.8,
    max_boxes: int = 3,
    seed: int = 1,
) -> Discovery:
    """PRIM boxes where ``outcome`` (mean over replicates) exceeds ``threshold``, with CART and feature scores.

    Raises:
        NothingToDiscoverError: no experiment, or every experiment, is bad (nothing to discover); the
            message says the outcome's range.
    """
    values = point_means(experiments, outcomes, outcome).to_numpy(np.float64)
    bad = values > threshold
    if bad.all() or not bad.any():
        word = "every" if bad.all() else "no"
        raise NothingToDiscoverError(
            f"{outcome} exceeds {threshold:g} in {word} experiment (its mean over replicates runs from "
            f"{np.nanmin(values):.4g} to {np.nanmax(values):.4g}); choose a --threshold inside that range"
        )
    x = inputs_of(experiments)
    boxes = []
    for number, (trajectory, step, limits, full) in enumerate(find_boxes(x, bad, min_density, max_boxes), start=1):
        chosen = trajectory.iloc[step]
        box = Box(
            number,
            float(chosen["coverage"]),
            float(chosen["density"]),
            float(chosen["mass"]),
            restricted(limits, full),
            trajectory,
            step,
        )
        stats = {"box": number, "coverage": box.coverage, "density": box.density, "mass": box.mass}
        box.sentence = sentence({**stats, "limits": box.limits}, outcome, threshold, units)
        boxes.append(box)
    return Discovery(
        outcome,
        threshold,
        len(values),
        int(bad.sum()),
        boxes,
        cart_boxes(x, bad),
        feature_scores(x, bad, seed),
        list(x.columns),
    )


def boxes_table(found: Discovery) -> pd.DataFrame:
    """``boxes.csv``: one row per (box, restricted input) with the box's coverage, density and mass."""
    rows = []
    for box in found.boxes:
        common = {"box": box.number, "coverage": box.coverage, "density": box.density, "mass": box.mass}
        common["restricted_inputs"] = len(box.limits)
        for limit in box.limits or [{"input": "", "kind": ""}]:
            rows.append(
                {
                    **common,
                    "input": limit["input"],
                    "kind": limit["kind"],
                    "low": limit.get("low", np.nan),
                    "high": limit.get("high", np.nan),
                    "choices": " | ".join(limit.get("choices", [])),
                    "full_low": limit.get("full_low", np.nan),
                    "full_high": limit.get("full_high", np.nan),
                    "all_choices": " | ".join(limit.get("all", [])),
                }
            )
    return pd.DataFrame(rows)


def peeling_table(found: Discovery) -> pd.DataFrame:
    """``peeling.csv``: every box's peeling and pasting trajectory, the chosen step marked."""
    frames = []
    for box in found.boxes:
        frame = box.trajectory[["coverage", "density", "mass", "res_dim"]].copy()
        frame.insert(0, "step", range(len(frame)))
        frame.insert(0, "box", box.number)
        frame["chosen"] = frame["step"] == box.selected
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
