"""Agricultural insurance: cover sold at planting, claims settled at harvest.

Agricultural insurance is offered when a household plants. Uptake falls with the farmer's
share of the premium and rises with the share of the village's insured farmers paid in
the last year. A yield policy pays on the household's own shortfall beyond the
deductible; an index policy pays on the region's disaster loss (basis risk).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.households import HOUSEHOLDS
from agents.insurer import INSURER
from agents.state import State
from simulation.engine.registry import INSURANCE_PRODUCTS, BudgetLine, InsuranceProduct

if TYPE_CHECKING:
    from simulation.engine.month import MonthContext
    from simulation.instruments.insurance.market import InsuranceMarket

AGRICULTURAL_STATES = (
    State("ag_insured", bool, False, "holds agricultural insurance for the current crop year"),
    State("insured_value", np.float64, 0, "value insured for the current crop (yuan)"),
)
REFERENCE_FARMER_SHARE = 0.25  # the farmer's share of the premium under the ~75% subsidy rule


def insure_crops(market: InsuranceMarket, context: MonthContext, uptake_draw: np.ndarray) -> None:
    """This month's harvest claims, then cover for this month's planters."""
    settle_harvest_claims(market, context.weather.loss)
    sell_agricultural_cover(market, context.month_of_year, uptake_draw)


def uptake_chance(market: InsuranceMarket, rows: np.ndarray | None = None) -> np.ndarray:
    """Chance each household (or each of ``rows``) insures: price-sensitive, higher after payouts in the village."""
    ag = market.terms.agricultural
    village = market.households.village if rows is None else market.households.village[rows]
    price_effect = (max(ag.farmer_share, 1e-9) / REFERENCE_FARMER_SHARE) ** (-ag.price_elasticity)
    chance = ag.base_uptake * price_effect + ag.payout_boost * market.village_paid_share[village]
    return np.clip(chance, 0.0, 1.0)


def sell_agricultural_cover(market: InsuranceMarket, month_of_year: int, uptake_draw: np.ndarray) -> None:
    """At planting: insure the planted land's expected revenue; farmer and government share the premium."""
    hh, ag = market.households, market.terms.agricultural
    crops = market.params.farming.crops.in_order()
    plants_now = np.array([c.plant_month == month_of_year for c in crops])
    if not plants_now.any():
        return
    # only this month's planters are priced (a crop plants once a year)
    planting = np.flatnonzero(plants_now[hh.crop] & hh.farms_own_land)
    revenue_per_mu = np.array([c.revenue_per_mu for c in crops])[hh.crop[planting]] * hh.levels.farm_prices
    insured_value = (
        ag.coverage_level * hh.land[planting] * hh.planted[planting] * revenue_per_mu * hh.productivity[planting]
    )
    farmer_premium = ag.premium_rate * insured_value * ag.farmer_share
    buys = (
        (hh.planted[planting] > 0)
        & (uptake_draw[planting] < uptake_chance(market, planting))
        & (hh.cash[planting] >= farmer_premium)
    )
    hh.ag_insured[planting] = buys
    hh.insured_value[planting] = np.where(buys, insured_value, 0.0)
    rows = planting[buys]
    if rows.size == 0:
        return
    premium = ag.premium_rate * insured_value[buys]
    market.ledger.pay("insurance_premiums", HOUSEHOLDS, INSURER, farmer_premium[buys], payer_rows=rows)
    subsidy = float(premium.sum() - farmer_premium[buys].sum())
    market.government.pay_to("premium_subsidy", INSURER, subsidy)
    market.insurer.book_premiums(float(premium.sum()))
    market.month_stats["premium_subsidy"] += subsidy
    market.month_stats["ag_premiums"] += float(premium.sum())


def settle_harvest_claims(market: InsuranceMarket, region_loss: np.ndarray) -> None:
    """At harvest: a yield policy pays on the household's shortfall, an index policy on the region's loss."""
    hh, ag = market.households, market.terms.agricultural
    claimants = np.flatnonzero(hh.harvested_now & hh.ag_insured)
    loss = hh.yield_shortfall[claimants] if ag.kind == "yield" else region_loss[hh.region[claimants]]
    payout = np.zeros(hh.n)
    payout[claimants] = hh.insured_value[claimants] * np.maximum(loss - ag.deductible, 0.0)
    paid = claimants[payout[claimants] > 0]
    share_paid = np.bincount(hh.village[paid], minlength=market.n_villages) / np.maximum(market.village_size, 1)
    market.village_paid_share = market.village_paid_share * (11.0 / 12.0) + share_paid
    market.pay_claims(payout, "ag_claims", claimants)
    hh.ag_insured &= ~hh.harvested_now


INSURANCE_PRODUCTS.register(
    InsuranceProduct(
        "agricultural",
        "insurance.agricultural",
        month=insure_crops,
        states=AGRICULTURAL_STATES,
        budget_lines=(BudgetLine("premium_subsidy", "premium subsidy", "保费补贴"),),
    )
)
