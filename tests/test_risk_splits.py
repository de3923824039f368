"""Risk-sharing splits as one lever, and the behaviour that makes the split matter.

The bank screens a guaranteed loan harder the more of the loss it keeps; the guarantor
prices up and refuses new business as its leverage nears the cap or its equity falls;
splits sweep as one lever whose shares always sum to 1; bad splits exit 2.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import simulation.outputs.charts.text
from agents.guarantor import Guarantor
from simulation.app.cli.main import cli
from simulation.engine.ledger import Ledger
from simulation.experiments.designs import SHARE_KEYS, SHARES_KEY, make_design, parse_vary, point_scenarios
from simulation.instruments.credit.guarantee import GuaranteeHooks
from simulation.outputs.charts.catalogue import save_chart
from simulation.outputs.charts.data import ResultsData
from simulation.outputs.charts.text import MISSING
from simulation.scenario.loading import ScenarioError
from tests.small_county import small_scenario

SPLITS = "4:3:2:1,5:3:1:1,0:0:10:0"
COUNTY = (
    "name: county\ndescription: a small guaranteed county\npopulation:\n  households: 600\nhorizon:\n  years: 2\n"
    "guarantee:\n  enabled: true\n"
)


class Market(GuaranteeHooks):
    """Just what the guarantee hooks read: the scenario and the guarantor."""

    def __init__(self, bank_share: float, guarantor_capital: float = 1e9, leverage_cap: float = 15.0) -> None:
        others = (1.0 - bank_share) / 0.8
        self.params = small_scenario(
            guarantee__enabled=True,
            guarantee__risk_shares={
                "guarantor": 0.4 * others,
                "reguarantor": 0.3 * others,
                "bank": bank_share,
                "government": 0.1 * others,
            },
            guarantee__guarantor__capital=guarantor_capital,
            guarantee__guarantor__leverage_cap=leverage_cap,
        )
        guarantor = Guarantor(mesa.Model(rng=1), self.params.guarantee.guarantor, Ledger())
        self.waterfall = type("Waterfall", (), {"guarantor": guarantor})()


def approved_bad_projects(bank_share: float) -> tuple[int, int]:
    """Of 20,000 applications, how many the bank takes with a guarantee, and how many of those lose money."""
    rng = np.random.default_rng(7)
    true_return = rng.normal(0.08, 0.1, 20_000)
    noise = rng.standard_normal(20_000)
    market = Market(bank_share)
    screening_noise = 0.05
    estimate = true_return + screening_noise * noise
    lax = true_return + screening_noise * market.guaranteed_noise() * noise
    threshold = np.full(true_return.size, 0.06)
    offered, used, bar = market.offer_guarantees(
        "farm_business", estimate, lax, np.full(true_return.size, 10_000.0), np.ones(true_return.size, bool), threshold
    )
    taken = offered & (used >= bar)
    return int(taken.sum()), int((taken & (true_return < 0.0)).sum())


def test_the_bank_screens_harder_the_more_of_the_loss_it_keeps():
    efforts = [Market(share).bank_effort() for share in (0.0, 0.1, 0.2, 0.5, 1.0)]
    assert efforts == sorted(efforts) and efforts[0] == 0.0 and efforts[-1] == 1.0
    noise = [Market(share).guaranteed_noise() for share in (0.1, 0.2, 0.5, 1.0)]
    assert noise == sorted(noise, reverse=True) and noise[-1] == 1.0
    threshold = np.array([0.06])
    relaxed = [float(Market(share).relaxed(threshold)[0]) for share in (0.1, 0.2, 0.5, 1.0)]
    assert relaxed == sorted(relaxed) and relaxed[-1] == pytest.approx(0.06)
    # so it takes fewer guaranteed applications, and fewer of them lose money
    taken_low, bad_low = approved_bad_projects(0.1)
    taken_high, bad_high = approved_bad_projects(0.5)
    assert taken_high < taken_low
    assert bad_high < bad_low
    assert bad_high / taken_high < bad_low / taken_low


def test_the_guarantor_refuses_new_business_when_its_leverage_reaches_the_cap():
    market = Market(0.2, guarantor_capital=1_000_000.0, leverage_cap=10.0)
    guarantor = market.waterfall.guarantor
    estimate = np.array([0.3, 0.2, 0.15])
    args = (estimate, estimate, np.full(3, 50_000.0), np.ones(3, bool), np.full(3, 0.06))
    offered, *_ = market.offer_guarantees("farm_business", *args)
    assert offered.all()  # plenty of room, no stress
    guarantor.outstanding = guarantor.terms.leverage_cap * guarantor.equity  # at the cap
    guarantor.refused_month = 0
    offered, *_ = market.offer_guarantees("farm_business", *args)
    assert not offered.any()
    assert guarantor.refused_month == 3
    assert guarantor.stress() == 1.0
    assert guarantor.fee_rate_now() == pytest.approx(guarantor.terms.fee_rate * (1 + guarantor.terms.fee_markup))


def test_the_guarantor_prices_up_and_stops_as_its_equity_falls():
    guarantor = Market(0.2, guarantor_capital=1_000_000.0).waterfall.guarantor
    fees, margins = [], []
    for lost in (0.0, 0.2, 0.4):
        guarantor.cash = 1_000_000.0 * (1 - lost)
        fees.append(guarantor.fee_rate_now())
        margins.append(guarantor.margin_now())
    assert fees[0] < fees[1] < fees[2] and margins[0] < margins[1] < margins[2]
    assert guarantor.room() > 0
    guarantor.cash = 1_000_000.0 * (guarantor.terms.stop_below_equity - 0.01)
    assert guarantor.room() == 0.0  # below its equity floor: no new guarantee


def test_a_list_of_splits_is_normalised_and_every_point_sums_to_one():
    factor = parse_vary(f"{SHARES_KEY}={SPLITS}")
    base = small_scenario(guarantee__enabled=True)
    design = make_design([factor], "grid", None, 1, base)
    assert list(design[SHARES_KEY]) == SPLITS.split(",")
    assert np.allclose(design[list(SHARE_KEYS)].sum(axis=1), 1.0)
    assert design.loc[2, f"{SHARES_KEY}.bank"] == 1.0
    for scenario in point_scenarios(base, design, "test"):
        assert sum(scenario.guarantee.risk_shares.model_dump().values()) == pytest.approx(1.0)


@pytest.mark.parametrize("design_kind", ["grid", "lhs"])
def test_one_partys_share_rescales_the_others_in_proportion(design_kind: str):
    factor = parse_vary(f"{SHARES_KEY}.guarantor=0.2:0.6:3")
    base = small_scenario(guarantee__enabled=True)
    design = make_design([factor], design_kind, 4, 1, base)
    shares = design[list(SHARE_KEYS)].to_numpy()
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert np.allclose(shares[:, 1] / shares[:, 3], 3.0) and np.allclose(shares[:, 2] / shares[:, 3], 2.0)


@pytest.mark.parametrize(
    ("vary", "says"),
    [
        (f"{SHARES_KEY}=4:3:2,5:3:1:1", "expected 4 (guarantor:reguarantor:bank:government)"),
        (f"{SHARES_KEY}=4:3:2:1,5:-3:1:1", "reguarantor's part is negative"),
        (f"{SHARES_KEY}=4:3:2:1,0:0:0:0", "all parts are zero"),
        (f"{SHARES_KEY}.insurer=0.1:0.5", "unknown party 'insurer'"),
        (f"{SHARES_KEY}.bank=0.1:1.5", "lies in [0, 1]"),
        (f"{SHARES_KEY}=4:3:2:1", "at least two splits"),
    ],
)
def test_bad_split_input_is_refused_naming_it(vary: str, says: str):
    with pytest.raises(ScenarioError, match=r".*") as found:
        parse_vary(vary)
    assert says in str(found.value)


def test_bad_split_exits_2_with_one_line_and_no_folder(tmp_path: Path):
    county = tmp_path / "county.yaml"
    county.write_text(COUNTY)
    out = tmp_path / "never"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulation.app.cli.main",
            "sweep",
            str(county),
            "--vary",
            f"{SHARES_KEY}=4:3:2",
            "-o",
            str(out),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2
    assert "guarantee.risk_shares" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.filterwarnings("ignore:Glyph")
def test_a_split_sweep_on_a_stress_set_writes_the_table_and_the_chart(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(simulation.outputs.charts.text, "find_cjk_font", lambda: "DejaVu Sans")
    county = tmp_path / "county.yaml"
    county.write_text(COUNTY)
    drought = tmp_path / "drought.yaml"
    drought.write_text(
        "extends: county.yaml\nname: county_drought\ndescription: with a drought\nweather:\n  scheduled_disasters:\n"
        "    - year: 1\n      regions: [hill, mountain]\n      loss_fraction: 0.6\n"
    )
    out = tmp_path / "splits"
    result = CliRunner().invoke(
        cli,
        ["sweep", str(county), "--vary", f"{SHARES_KEY}={SPLITS}", "--stress", str(drought), "-r", "2", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "each normalised to sum 1" in result.output
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2 * 3 * 2  # scenarios x splits x replicates
    assert np.allclose(summary[list(SHARE_KEYS)].sum(axis=1), 1.0)
    table = pd.read_csv(out / "risk_sharing.csv")
    assert set(table["scenario"]) == {"county", "county_drought"}
    assert set(table["split"]) == set(SPLITS.split(","))
    assert (table["reference"] == "4:3:2:1").all()
    bank_alone = table[(table["split"] == "0:0:10:0") & (table["outcome"] == "credit_losses_guarantor")]
    assert (bank_alone["mean"] == 0.0).all()  # the bank alone: the guarantor pays nothing
    MISSING.clear()
    data = ResultsData.load(out)
    for lang in ("en", "zh"):
        for path in save_chart(data, "risk_sharing", lang):
            assert path.stat().st_size > 5_000
    assert not MISSING, sorted(MISSING)
