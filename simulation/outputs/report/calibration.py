"""Report sections for calibration: "How the county was calibrated", and parameter uncertainty in a comparison."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.outputs.report.blocks import Block, Figure, Note, Paragraph, Report, Section, Table


def is_calibration_folder(path: Path) -> bool:
    """A folder written by ``agrifin calibrate`` (it has calibration.json and fit.csv)."""
    return (Path(path) / "calibration.json").is_file() and (Path(path) / "fit.csv").is_file()


def _png(fig, dpi: int) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.08)
    plt.close(fig)
    return buffer.getvalue()


def _cell(value: object) -> str:
    if isinstance(value, float | np.floating):
        return "" if not np.isfinite(value) else f"{value:.4g}"
    return str(value)


def calibration_sections(folder: Path, dpi: int) -> list[Section]:
    """The section "How the county was calibrated" and its parts (fit, loss, accepted ranges)."""
    import pyarrow.parquet as pq

    from simulation.outputs.charts.calibration import fit_chart, loss_chart, range_chart

    settings = json.loads((folder / "calibration.json").read_text())
    fit = pd.read_csv(folder / "fit.csv", keep_default_na=False, na_values=[""])
    trials = pd.read_parquet(folder / "trials.parquet")
    table = pq.read_table(folder / "posterior.parquet")
    posterior = table.to_pandas()
    meta = json.loads((table.schema.metadata or {}).get(b"agrifin", b"{}"))
    best = trials.loc[trials["loss"].idxmin()]
    targets = fit[fit["section"] == "target"]
    missed = targets[~targets["met"].astype(bool)]
    selection = (
        "every trial whose simulated means lie within all tolerances (an approximate Bayesian computation "
        "rejection step with the tolerances as the acceptance region)"
        if meta.get("selection") == "within_tolerance"
        else f"fewer than {meta.get('min_accepted', 10)} trials met every tolerance, so the best "
        f"{meta.get('min_accepted', 10)} by loss (an approximation, not a posterior in the strict sense)"
    )
    intro = (
        f"The base scenario {settings['base']} was fitted to {len(targets)} published targets by varying "
        f"{len(settings['factors'])} parameters over {len(trials)} trials (Optuna's TPE sampler, seed "
        f"{settings['seed']}), each trial run on the same {settings['replications']} replicate seeds at "
        f"{meta.get('households', '?')} households for {meta.get('years', '?')} years. The loss of a trial is the "
        "weighted sum over targets of ((simulated mean − target) / tolerance)². The best trial is "
        f"{int(best['trial'])} (loss {best['loss']:.4g}); it meets {len(targets) - len(missed)} of {len(targets)} "
        f"targets. The accepted parameter sets ({len(posterior)}) are {selection}."
    )
    fit_rows = [
        [
            row["section"],
            row["name"],
            _cell(row["target"]),
            _cell(row["simulated"]),
            f"[{_cell(row['ci_low'])}, {_cell(row['ci_high'])}]" if np.isfinite(row["ci_low"]) else "",
            _cell(row["tolerance"]),
            "yes" if bool(row["met"]) else "no",
            row["source"],
        ]
        for _, row in fit.iterrows()
    ]
    columns = ["section", "name", "target", "simulated", "95% CI", "tolerance", "met", "source"]
    ranges = [
        [
            f["key"],
            f"{f['low']:g} – {f['high']:g}",
            _cell(float(best[f["key"]])),
            f"{posterior[f['key']].min():.4g} – {posterior[f['key']].max():.4g}",
        ]
        for f in settings["factors"]
    ]
    sections = [
        Section("calibration", "How the county was calibrated", [Paragraph(intro)]),
        Section(
            "calibration-fit",
            "Targets and validation facts",
            [
                Table(
                    columns, fit_rows, "fit.csv: validation facts are checked, never fitted", [0, 0, 1, 1, 0, 1, 0, 0]
                ),
                Figure("calibration_fit", _png(fit_chart(fit), dpi), "Each target in tolerance units, 95% interval"),
            ],
            level=2,
        ),
        Section(
            "calibration-parameters",
            "Fitted parameters and their accepted ranges",
            [
                Table(["parameter", "searched", "best trial", "accepted range"], ranges, "", [0, 1, 1, 1]),
                Figure("calibration_ranges", _png(range_chart(posterior, settings["factors"]), dpi), "Accepted sets"),
                Figure("calibration_loss", _png(loss_chart(trials), dpi), "Loss by trial and best so far"),
            ],
            level=2,
        ),
    ]
    return sections


def calibration_report(folder: Path, dpi: int) -> Report:
    """The report of a calibration folder."""
    title = f"Calibration: {Path(folder).name}"
    subtitle = f"agrifin report on {Path(folder).name} — generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    return Report(title, subtitle, calibration_sections(Path(folder), dpi), f"agrifin report — {Path(folder).name}")


def uncertainty_sections(path: Path, dpi: int) -> list[Section]:
    """Parameter uncertainty of a ``compare --parameter-sets`` folder (nothing for other folders)."""
    file = Path(path) / "parameter_uncertainty.csv"
    if not file.is_file():
        return []
    from simulation.experiments.parameter_sets import uncertainty_chart

    table = pd.read_csv(file)
    if table.empty:
        return [Section("parameter-uncertainty", "Parameter uncertainty", [Note("No pairs to compare.")])]
    k, r = int(table["sets"].iloc[0]), int(table["replicates"].iloc[0])
    text = (
        f"Each scenario ran on {k} accepted parameter sets of a calibration's posterior x {r} replicates, every "
        "policy run paired with the baseline run on the same set and seed. The interval 'replicates only' is the "
        "replicate noise of a comparison at one parameter set; 'with parameters' adds the spread of the effect over "
        "the accepted sets. 'Lower in' is the share of sets in which the policy lowers the metric; 'first in' the "
        "share in which it has the lowest value of all scenarios compared."
    )
    shown = ("poverty_person_years", "cohort_poverty_rate", "relapse_rate", "ever_relapsed_share", "new_poor_rate")
    rows = [
        [
            row["policy"],
            row["metric"],
            _cell(row["difference"]),
            f"[{_cell(row['ci_low_replicates'])}, {_cell(row['ci_high_replicates'])}]",
            f"[{_cell(row['ci_low_parameters'])}, {_cell(row['ci_high_parameters'])}]",
            f"{row['share_sets_lower']:.0%}",
            f"{row['share_sets_first']:.0%}",
        ]
        for _, row in table[table["metric"].isin(shown)].iterrows()
    ]
    blocks: list[Block] = [
        Paragraph(text),
        Table(
            ["policy", "metric", "difference", "95% CI, replicates", "95% CI, with parameters", "lower in", "first in"],
            rows,
            "parameter_uncertainty.csv",
            [0, 0, 1, 1, 1, 1, 1],
        ),
        Figure("parameter_uncertainty", _png(uncertainty_chart(table, "relapse_rate", ""), dpi), "relapse_rate"),
    ]
    return [Section("parameter-uncertainty", "Parameter uncertainty and rank stability", blocks)]
