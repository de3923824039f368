"""Insurance + futures (保险+期货): a price-index cover for a cash crop, hedged on the futures market.

Sold when the crop is planted: a farmer of the crop insures with the scenario's chance if
the cash covers his share of the premium; government pays the subsidised share. At the
crop's harvest the cover pays the insured value times the shortfall of the harvest-month
price index below the insured price (no loss adjustment: the price is the trigger, so a
farmer with a good yield is paid as much as one with a bad one). The insurer buys put
options for a share of the cover when it sells it and is paid that share of the claims
back by the futures market (the rest of the world): the price risk leaves the county.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.households import HOUSEHOLDS, REST_OF_WORLD
from agents.insurer import INSURER
from agents.state import State
from simulation.engine.registry import INSURANCE_PRODUCTS, BudgetLine, InsuranceProduct, Metric
from simulation.scenario.base import CROPS

if TYPE_CHECKING:
    from simulation.engine.month import MonthContext
    from simulation.instruments.insurance.market import InsuranceMarket

STATES = (
    State("price_insured", bool, False, "holds price insurance (insurance + futures) for the current crop"),
    State("price_insured_value", np.float64, 0, "value covered by price insurance at index 1 (yuan)"),
)
SUBSIDY = BudgetLine("price_insurance_subsidy", "price insurance subsidy", "价格保险保费补贴")
METRICS = (
    Metric("price_insured_share", "share", "Farmers of the insured crop holding price insurance", "last_year"),
    Metric("price_insurance_premiums", "yuan", "Price insurance premiums written (farmers and subsidy)", "sum"),
    Metric("price_insurance_claims", "yuan", "Price insurance claims paid (price below the insured price)", "sum"),
    Metric("futures_hedge_cost", "yuan", "Put options the insurer bought to hedge the price cover", "sum"),
    Metric("futures_hedge_payoff", "yuan", "Paid to the insurer by the futures market on its hedge", "sum"),
)


def insure_prices(market: InsuranceMarket, context: MonthContext, uptake_draw: np.ndarray) -> None:
    """At the crop's harvest, claims on the price; at its planting, cover sold and hedged."""
    terms = market.terms.price_futures
    crop = market.params.farming.crops.in_order()[CROPS.index(terms.crop)]
    stats = market.month_stats
    for name in ("price_premiums", "price_claims", "hedge_cost", "hedge_payoff"):
        stats[name] = 0.0
    if context.month_of_year == crop.harvest_month:
        settle_price_claims(market, context.prices.index[CROPS.index(terms.crop)])
    if context.month_of_year == crop.plant_month:
        sell_price_cover(market, uptake_draw, crop.revenue_per_mu)


def sell_price_cover(market: InsuranceMarket, uptake_draw: np.ndarray, revenue_per_mu: float) -> None:
    """Insure the planted crop's expected revenue; farmer and government share the premium; the insurer hedges."""
    hh, terms, stats = market.households, market.terms.price_futures, market.month_stats
    growers = np.flatnonzero((hh.crop == CROPS.index(terms.crop)) & hh.farms_own_land & (hh.planted > 0))
    value = terms.coverage_level * hh.land[growers] * hh.planted[growers] * revenue_per_mu * hh.productivity[growers]
    value = value * hh.levels.farm_prices
    farmer_premium = terms.premium_rate * value * (1.0 - terms.premium_subsidy)
    buys = (uptake_draw[growers] < terms.base_uptake) & (hh.cash[growers] >= farmer_premium)
    hh.price_insured[growers] = buys
    hh.price_insured_value[growers] = np.where(buys, value, 0.0)
    rows = growers[buys]
    if rows.size == 0:
        return
    premium = float(terms.premium_rate * value[buys].sum())
    market.ledger.pay("insurance_premiums", HOUSEHOLDS, INSURER, farmer_premium[buys], payer_rows=rows)
    market.government.pay_to(SUBSIDY.name, INSURER, premium - float(farmer_premium[buys].sum()))
    market.insurer.book_premiums(premium)
    hedge = terms.hedge_cost * terms.hedge_ratio * float(value[buys].sum())
    market.ledger.pay("futures_hedge_cost", INSURER, REST_OF_WORLD, hedge)
    stats["price_premiums"] += premium
    stats["hedge_cost"] += hedge


def settle_price_claims(market: InsuranceMarket, price: float) -> None:
    """Pay the insured value times the price's shortfall below the insured price; the hedge pays its share back."""
    hh, terms, stats = market.households, market.terms.price_futures, market.month_stats
    claimants = np.flatnonzero(hh.price_insured)
    shortfall = max(terms.insured_price - price, 0.0) / terms.insured_price
    payout = np.zeros(hh.n)
    payout[claimants] = hh.price_insured_value[claimants] * shortfall
    hh.price_insured[claimants] = False
    hh.price_insured_value[claimants] = 0.0
    if shortfall <= 0 or claimants.size == 0:
        return
    market.pay_claims(payout, "price_claims", claimants)
    payoff = terms.hedge_ratio * float(payout[claimants].sum())
    market.ledger.pay("futures_hedge_payoff", REST_OF_WORLD, INSURER, payoff)
    stats["hedge_payoff"] += payoff


def measure(market: InsuranceMarket) -> dict[str, float]:
    """Price insurance outcomes of the month."""
    hh, stats = market.households, market.month_stats
    growers = max(int(((hh.crop == CROPS.index(market.terms.price_futures.crop)) & hh.farms_own_land).sum()), 1)
    return {
        "price_insured_share": float(hh.price_insured.sum() / growers),
        "price_insurance_premiums": stats.get("price_premiums", 0.0),
        "price_insurance_claims": stats.get("price_claims", 0.0),
        "futures_hedge_cost": stats.get("hedge_cost", 0.0),
        "futures_hedge_payoff": stats.get("hedge_payoff", 0.0),
    }


INSURANCE_PRODUCTS.register(
    InsuranceProduct(
        "price_futures",
        "insurance.price_futures",
        month=insure_prices,
        states=STATES,
        budget_lines=(SUBSIDY,),
        metrics=METRICS,
        measure=measure,
    )
)
