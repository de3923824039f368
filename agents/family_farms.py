"""Family farms (家庭农场) as arrays: one row per farm, each run by an operator household.

A family farm is a registered larger farm formed at population synthesis from a household
with at least two working members growing grain or a cash crop. It farms its operator's land
and the land it rents in on the village land market (``simulation/instruments/land_market.py``), buys
inputs more cheaply per mu the larger it is, is more productive per mu than a smallholder,
mechanises with machinery, hires local labour in the season, and keeps its own balance sheet
(cash in the ``family_farms`` ledger sector, machinery, loans in the loan book). After each
harvest it pays its operator household what it holds above its reserve. No Python loop runs
over farms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.households import HOUSEHOLDS, REST_OF_WORLD, Households

if TYPE_CHECKING:
    from agents.households import Payments
    from simulation.scenario.family_farms import FamilyFarmTerms

FAMILY_FARMS = "family_farms"
FARM_CROPS = (0, 1)  # grain and cash crops (CROPS order): livestock is not farmed on rented land


class FamilyFarms:
    """State of every family farm, one array element per farm.

    Static: ``operator`` (household row), ``village``, ``region``, ``crop``, ``productivity``,
    ``target`` (mu it aims to operate), ``own_mu`` (its operator's land).
    Dynamic: ``rented_mu`` (land rented in), ``machinery`` (yuan), ``cash`` (yuan), ``active``
    (False once failed), ``planted`` and ``season_inputs`` of the current season,
    ``income_ring`` (net income of each of the last 12 months) and ``failed_month``.
    """

    def __init__(self, households: Households, terms: FamilyFarmTerms, draw: np.ndarray) -> None:
        """Form the farms: in each region a share of all households, among those able to run one.

        Args:
            households: the synthesised county (its operators stop farming their land alone).
            terms: the ``family_farms`` section.
            draw: one uniform number per household (stream ``family_farm_setup``).
        """
        hh = households
        self.terms = terms
        share = np.array(terms.share.as_array()) * terms.enabled
        able = (hh.labour >= 2) & np.isin(hh.crop, FARM_CROPS) & (hh.land > 0)
        able &= hh.productivity >= terms.min_productivity
        able_share = np.bincount(hh.region, weights=able, minlength=3) / np.maximum(
            np.bincount(hh.region, minlength=3), 1
        )
        chance = np.divide(share, able_share, out=np.zeros(3), where=able_share > 0)
        self.operator = np.flatnonzero(able & (draw < chance[hh.region]))
        m = self.m = self.operator.size
        self.village = hh.village[self.operator]
        self.region = hh.region[self.operator]
        self.crop = hh.crop[self.operator]
        self.productivity = hh.productivity[self.operator] * (1.0 + terms.productivity_gain)
        self.own_mu = hh.land[self.operator].copy()
        self.target = np.maximum(np.array(terms.target_mu.as_array())[self.region], self.own_mu)
        self.rented_mu = np.zeros(m)
        self.machinery = terms.start_machinery_share * terms.machinery_per_mu * self.own_mu
        self.cash = terms.start_cash_per_mu * self.target
        self.active = np.ones(m, bool)
        self.failed_month = np.zeros(m, np.int32)
        self.planted = np.zeros(m)
        self.season_inputs = np.zeros(m)
        self.income_month = np.zeros(m)
        self.income_ring = np.zeros((12, m))
        self.hired_month = np.zeros(m)  # labour months hired this month
        # the operator's land is the farm's now: the household neither farms it alone nor leases it out
        hh.give_land_to_farm(self.operator)
        self.is_operator = np.zeros(hh.n, bool)
        self.is_operator[self.operator] = True

    # ------------------------------------------------------------------ derived
    @property
    def operated(self) -> np.ndarray:
        """Land each farm operates (own plus rented in; 0 once failed), mu."""
        return (self.own_mu + self.rented_mu) * self.active

    def input_cost_per_mu(self, crop_cost: np.ndarray, input_prices: float) -> np.ndarray:
        """Input cost per mu of each farm: economies of scale up to the target size (yuan)."""
        scale = np.minimum(np.divide(self.operated, self.target, out=np.zeros(self.m), where=self.target > 0), 1.0)
        return crop_cost[self.crop] * input_prices * (1.0 - self.terms.input_cost_saving * scale)

    def mechanisation(self) -> np.ndarray:
        """Share of the operated land the farm's machinery covers (0-1)."""
        needed = self.terms.machinery_per_mu * self.operated
        return np.minimum(np.divide(self.machinery, needed, out=np.ones(self.m), where=needed > 0), 1.0)

    def labour_months_per_mu(self) -> np.ndarray:
        """Hired labour months per mu per season, fewer the more the farm is mechanised."""
        t = self.terms
        return t.labour_months_per_mu * (1.0 - t.mechanised_labour_saving * self.mechanisation())

    def margin_per_mu(self, crop_revenue: np.ndarray, crop_cost: np.ndarray, prices: float, inputs: float, wage: float):
        """Expected net return of a mu before rent, at an ordinary price and yield (yuan per year)."""
        revenue = crop_revenue[self.crop] * prices * self.productivity
        labour = self.labour_months_per_mu() * wage
        wear = self.terms.machinery_per_mu * self.terms.machinery_depreciation
        return revenue - self.input_cost_per_mu(crop_cost, inputs) - labour - wear

    # ------------------------------------------------------------------ the season
    def buy_inputs(self, plants_now: np.ndarray, cost_per_mu: np.ndarray, ledger: Payments) -> None:
        """At planting, inputs for the operated land, as far as the farm's cash goes."""
        rows = np.flatnonzero(plants_now & self.active)
        need = self.operated[rows] * cost_per_mu[rows]
        spend = np.minimum(need, np.maximum(self.cash[rows], 0.0))
        self.planted[rows] = np.divide(spend, need, out=np.zeros(rows.size), where=need > 0)
        self.season_inputs[rows] = spend
        ledger.pay("farm_inputs", FAMILY_FARMS, REST_OF_WORLD, spend, payer_rows=rows)

    def harvest(self, rows: np.ndarray, revenue_per_mu: np.ndarray, factor: np.ndarray, ledger: Payments) -> np.ndarray:
        """Sell the planted share of ``rows``' land at the spot price; book the season's net income.

        ``revenue_per_mu`` is each row's at price index 1 and productivity 1; ``factor`` the
        price index times weather and luck. Returns the sales (yuan).
        """
        sales = self.operated[rows] * self.planted[rows] * revenue_per_mu * self.productivity[rows] * factor
        ledger.pay("produce_sales", REST_OF_WORLD, FAMILY_FARMS, sales, payee_rows=rows)
        self.income_month[rows] += sales - self.season_inputs[rows]
        self.planted[rows] = 0.0
        self.season_inputs[rows] = 0.0
        return sales

    def wear_machinery(self) -> None:
        """Machinery wears out month by month (its depreciation is a cost of the farm)."""
        wear = self.machinery * self.terms.machinery_depreciation / 12.0
        self.machinery -= wear
        self.income_month -= wear

    def buy_machinery(self, rows: np.ndarray, ledger: Payments, keep: np.ndarray) -> None:
        """Mechanise ``rows``' operated land with cash beyond ``keep`` (yuan each)."""
        gap = np.maximum(self.terms.machinery_per_mu * self.operated[rows] - self.machinery[rows], 0.0)
        spend = np.minimum(gap, np.maximum(self.cash[rows] - keep, 0.0))
        self.machinery[rows] += spend
        ledger.pay("farm_machinery", FAMILY_FARMS, REST_OF_WORLD, spend, payer_rows=rows)

    def pay_operators(self, rows: np.ndarray, reserve: np.ndarray, households: Households, ledger: Payments) -> None:
        """After the harvest, the farm pays its operator household a share of the cash above its reserve."""
        draw = self.terms.payout_share * np.maximum(self.cash[rows] - reserve, 0.0)
        ledger.pay(
            "family_farm_payout", FAMILY_FARMS, HOUSEHOLDS, draw, payer_rows=rows, payee_rows=self.operator[rows]
        )
        households.book_income("farm", draw, self.operator[rows])

    def close_month(self, month: int) -> None:
        """Roll this month's net income into the farms' 12-month window."""
        self.income_ring[month % 12] = self.income_month
        self.income_month = np.zeros(self.m)
