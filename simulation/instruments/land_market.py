"""The land-transfer market (土地流转): households rent land out to family farms, village by village.

Once a year (``land_market.month``) leases that have run their term end, then each village's
market clears. Supply: every household not running a farm and not already leasing to one
asks a rent per mu that reflects what farming the land itself is worth to it — the return
per mu of its crop at its productivity, cut to ``no_labour_return`` when nobody works at home
(an elderly household, or all workers away), plus an ``attachment_premium``; a household
already leasing its land to outside tenants asks that outside rent. Demand: each family farm
wants the land between what it operates and its target size, as far as its cash pays a
year's rent and inputs on it, and bids its expected margin per mu. Asks are sorted per
village (one stable ``argsort``); households rent out, cheapest ask first, until the village's
demand is met; the village rent is the last accepted ask, within ``[rent_min, rent_max]``
and never above the best bid. Leases run ``contract_years`` at that rent; rent is paid
annually through the ledger, in advance or after the farm's harvest, and is property income
of the lessor. No Python loop runs over households, farms or villages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.family_farms import FAMILY_FARMS, FamilyFarms
from agents.households import COHORT_EX_POOR, ENTERPRISE_LOSS, HOUSEHOLDS, Households

if TYPE_CHECKING:
    from simulation.engine.ledger import Ledger
    from simulation.scenario.loading import Scenario

LAND_GROUPS = ("rents_out", "runs_farm", "other")  # the by-group table's land dimension
RENTS_OUT, RUNS_FARM, OTHER_LAND = range(len(LAND_GROUPS))


class LandMarket:
    """Leases between households and family farms, and each village's clearing rent.

    Household columns it owns: ``lease_farm`` (the farm renting the household's land, -1 for
    none), ``lease_rent`` (yuan per mu per year, fixed for the lease) and ``lease_end`` (the
    year of the run the lease ends). ``rent`` is each village's last clearing rent.
    """

    def __init__(self, scenario: Scenario, households: Households, farms: FamilyFarms, ledger: Ledger) -> None:
        self.terms = scenario.land_market
        self.params = scenario
        self.households = households
        self.farms = farms
        self.ledger = ledger
        n, n_villages = households.n, int(households.village.max()) + 1
        self.n_villages = n_villages
        self.lease_farm = np.full(n, -1, np.int32)
        self.lease_rent = np.zeros(n)
        self.lease_end = np.zeros(n, np.int32)
        self.rent = np.full(n_villages, scenario.farming.land_rent_per_mu)
        self.total_land = max(float(households.land.sum()), 1e-9)  # land is fixed after synthesis
        self.leased = np.zeros(0, np.int64)  # the households leasing to a farm, ascending
        self.stats: dict[str, float] = {}
        crops = scenario.farming.crops.in_order()
        self.crop_revenue = np.array([c.revenue_per_mu for c in crops])  # yuan per mu at 2020 prices, by crop code
        self.crop_cost = np.array([c.input_cost_per_mu for c in crops])

    # ------------------------------------------------------------------ asks and bids
    def asks(self, rows: np.ndarray) -> np.ndarray:
        """Rent per mu a year below which each of ``rows`` keeps its land (yuan, this year's prices)."""
        hh, t = self.households, self.terms
        revenue = self.crop_revenue[hh.crop[rows]] * hh.levels.farm_prices
        cost = self.crop_cost[hh.crop[rows]] * hh.levels.input_prices
        own = revenue * hh.productivity[rows] - cost
        at_home = hh.labour[rows] - hh.migrants[rows] >= 1
        worth = np.where(at_home, own, own * t.no_labour_return) * (1.0 + t.attachment_premium)
        outside = self.params.farming.land_rent_per_mu * hh.levels.farm_prices
        return np.where(hh.farms_own_land[rows], np.maximum(worth, outside), outside)

    # ------------------------------------------------------------------ the yearly market
    def end_leases(self, year: int) -> None:
        """Leases whose term is over end: the land goes back to its owner."""
        ended = np.flatnonzero((self.lease_farm >= 0) & (self.lease_end <= year))
        self.release(ended)

    def release(self, rows: np.ndarray) -> None:
        """Give ``rows``' land back: each farms it or leases it to outside tenants, by the usual rule."""
        self.lease_farm[rows] = -1
        self.lease_rent[rows] = 0.0
        self.households.decide_land_use(rows)
        self.update_rented()

    def update_rented(self) -> None:
        """Each farm's rented-in land, from the leases."""
        leased = self.leased = np.flatnonzero(self.lease_farm >= 0)  # kept: the leases change only here
        self.farms.rented_mu[:] = np.bincount(
            self.lease_farm[leased], weights=self.households.land[leased], minlength=self.farms.m
        )

    def clear(self, year: int, want: np.ndarray, bid: np.ndarray) -> np.ndarray:
        """Clear every village's market and sign the new leases.

        Args:
            year: year of the run (leases end ``contract_years`` later).
            want: mu each farm wants to rent in (0 for none).
            bid: each farm's most it pays per mu a year (yuan).

        Returns:
            The households that signed a lease this year.
        """
        hh, farms, t = self.households, self.farms, self.terms
        level = hh.levels.farm_prices
        floor, ceiling = t.rent_min * level, t.rent_max * level
        demanders = np.flatnonzero((want > 0) & (bid >= floor) & farms.active)
        if demanders.size == 0:
            return np.zeros(0, np.int64)
        village = farms.village[demanders]
        demand = np.bincount(village, weights=want[demanders], minlength=self.n_villages)
        best_bid = np.zeros(self.n_villages)
        np.maximum.at(best_bid, village, bid[demanders])
        cap = np.minimum(best_bid, ceiling)
        rows = np.flatnonzero((demand[hh.village] > 0) & (self.lease_farm < 0) & ~hh.land_with_farm & (hh.land > 0))
        ask = self.asks(rows)
        ok = ask <= cap[hh.village[rows]]
        rows, ask = rows[ok], ask[ok]
        # cheapest ask first in each village, then by row: asks lie in [0, ceiling], so the village leads the key
        order = np.argsort(hh.village[rows] * (ceiling + 1.0) + ask, kind="stable")
        rows, ask = rows[order], ask[order]
        v, land = hh.village[rows], hh.land[rows]
        start = np.cumsum(land) - land
        first = np.ones(rows.size, bool)
        first[1:] = v[1:] != v[:-1]
        before = start - np.maximum.accumulate(np.where(first, start, 0.0))  # land offered before it in its village
        accepted = before < demand[v]
        rows, ask, v, before = rows[accepted], ask[accepted], v[accepted], before[accepted]
        last = np.ones(rows.size, bool)  # the last accepted in each village asks the most
        last[:-1] = v[1:] != v[:-1]
        marginal = np.zeros(self.n_villages)
        marginal[v[last]] = ask[last]
        traded = np.zeros(self.n_villages, bool)
        traded[v] = True
        self.rent = np.where(traded, np.clip(marginal, floor, np.maximum(cap, floor)), self.rent)
        # each lessor's land goes to the farm whose share of the village's demand it falls in
        by_village = demanders[np.argsort(village, kind="stable")]
        wants = np.cumsum(want[by_village])
        ends_before = np.concatenate([[0.0], wants[:-1]])
        farm_village = farms.village[by_village]
        head = np.ones(by_village.size, bool)
        head[1:] = farm_village[1:] != farm_village[:-1]
        offset, last = np.zeros(self.n_villages), np.zeros(self.n_villages, np.int64)
        offset[farm_village[head]] = ends_before[head]
        np.maximum.at(last, farm_village, np.arange(by_village.size))  # the last farm of each village
        place = np.minimum(np.searchsorted(wants, offset[v] + before, side="right"), last[v])
        self.lease_farm[rows] = by_village[place]
        self.lease_rent[rows] = self.rent[v]
        self.lease_end[rows] = year + t.contract_years
        hh.give_land_to_farm(rows)
        self.update_rented()
        return rows

    # ------------------------------------------------------------------ rent
    def collect_rent(self, paying: np.ndarray) -> np.ndarray:
        """The farms flagged in ``paying`` pay a year's rent to their lessors, as far as their cash goes.

        Returns:
            The farms that could not pay in full (they default on their rent).
        """
        hh, farms = self.households, self.farms
        rows = self.leased[paying[self.lease_farm[self.leased]]]
        if rows.size == 0:
            return np.zeros(0, np.int64)
        farm = self.lease_farm[rows]
        owed = self.lease_rent[rows] * hh.land[rows]
        due = np.bincount(farm, weights=owed, minlength=farms.m)
        share = np.divide(np.minimum(np.maximum(farms.cash, 0.0), due), due, out=np.ones(farms.m), where=due > 0)
        paid = owed * share[farm]
        self.ledger.pay("land_rent", FAMILY_FARMS, HOUSEHOLDS, paid, payer_rows=farm, payee_rows=rows)
        hh.book_income("property", paid, rows)
        farms.income_month -= np.bincount(farm, weights=paid, minlength=farms.m)
        self.stats["rent_paid"] = self.stats.get("rent_paid", 0.0) + float(paid.sum())
        self.stats["rent_ex_poor"] = self.stats.get("rent_ex_poor", 0.0) + float(
            paid[hh.cohort[rows] == COHORT_EX_POOR].sum()
        )
        # the unpaid rent is income the lessors lose to the farm's failure
        hh.record_loss(ENTERPRISE_LOSS, owed - paid, rows)
        return np.flatnonzero(share < 1.0 - 1e-9)

    def annual_rent(self) -> np.ndarray:
        """Rent each farm owes its lessors in a year (yuan)."""
        rows = self.leased
        return np.bincount(
            self.lease_farm[rows], weights=self.lease_rent[rows] * self.households.land[rows], minlength=self.farms.m
        )

    def end_leases_of(self, failed: np.ndarray) -> None:
        """The leases of failed farms end now; each lessor loses the rent of the coming year."""
        hh = self.households
        gone = np.zeros(self.farms.m, bool)
        gone[failed] = True
        rows = self.leased[gone[self.lease_farm[self.leased]]]
        hh.record_loss(ENTERPRISE_LOSS, self.lease_rent[rows] * hh.land[rows], rows)
        self.release(rows)

    def measure(self) -> dict[str, float]:
        """The land market's outcomes this month."""
        hh = self.households
        leased = self.leased
        mu = hh.land[leased]
        stats, self.stats = self.stats, {}
        return {
            "households_renting_out": float(leased.size),
            "land_transferred_share": float(mu.sum() / self.total_land),
            "rent_per_mu": float((self.lease_rent[leased] * mu).sum() / mu.sum()) if leased.size else 0.0,
            "rent_from_farms": stats.get("rent_paid", 0.0),
            "ex_poor_rent_income": stats.get("rent_ex_poor", 0.0),
        }
