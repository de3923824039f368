"""Family farms in the month: leases, the season, hired labour, loans and failure.

:class:`FamilyFarmSector` joins the farms (``agents/family_farms.py``), the village land
market (``simulation/instruments/land_market.py``) and the family-farm loan
(``simulation/instruments/credit/family_farm.py``), and gives ``ValueChainModel.step`` one short call
per phase: ``produce`` (the land market in its month, inputs, harvest, rent after harvest,
the operator's payout, machinery wear), ``work`` (hired local labour), ``service`` (loan
payments, default), ``lend`` (the month before the land market) and ``close_month``.

A farm fails when it cannot pay its rent in full or a loan of its defaults. Then its
machinery is sold at the distress discount and the cash goes to its bank; its leases end and
the lessors lose the rent; its workers lose their farm wages and its operator the farm's
income — all counted as income lost to "contract or enterprise loss", the cause a relapse is
attributed to. Hired labour is matched per village: the farms' demand for labour months
against the local workers' months not in casual work, the farms paying in proportion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.family_farms import FAMILY_FARMS, FamilyFarms
from agents.households import COHORT_EX_POOR, ENTERPRISE_LOSS, HOUSEHOLDS, REST_OF_WORLD, Households
from simulation.engine.registry import Metric
from simulation.instruments.credit.family_farm import FamilyFarmLending
from simulation.instruments.land_market import RENTS_OUT, RUNS_FARM, LandMarket

if TYPE_CHECKING:
    from simulation.engine.ledger import Ledger
    from simulation.engine.month import MonthContext
    from simulation.engine.rng import RandomStreams
    from simulation.engine.shocks import Weather
    from simulation.instruments.credit.market import CreditMarket
    from simulation.scenario.loading import Scenario


# what the family-farm sector reports each month
FAMILY_FARM_METRICS: tuple[Metric, ...] = (
    Metric("family_farms", "farms", "Family farms operating (not failed)", "last_year"),
    Metric("family_farm_land", "mu", "Land operated by family farms (own and rented in)", "last_year"),
    Metric(
        "family_farm_income",
        "yuan per farm per year",
        "Mean net income of an operating family farm over the last 12 months (after wages, rent, interest, wear)",
        "last_year",
        better="higher",
    ),
    Metric(
        "family_farm_failures",
        "farms",
        "Family farms failing this month (unpaid rent or a defaulted loan)",
        "sum",
        better="lower",
    ),
    Metric("farm_hired_months", "labour months", "Local labour months hired by family farms this month", "sum"),
    Metric("wages_from_farms", "yuan", "Wages family farms paid local workers this month", "sum"),
    Metric("ex_poor_farm_wage_income", "yuan", "Of which paid to ex-poor cohort households", "sum", better="higher"),
    Metric("households_renting_out", "households", "Households leasing their land to a family farm", "last_year"),
    Metric(
        "land_transferred_share", "share of land", "Land leased to family farms over all households' land", "last_year"
    ),
    Metric("rent_per_mu", "yuan per mu per year", "Mean rent of the leases to family farms, by area", "last_year"),
    Metric("rent_from_farms", "yuan", "Rent family farms paid their lessors this month", "sum"),
    Metric("ex_poor_rent_income", "yuan", "Of which paid to ex-poor cohort households", "sum", better="higher"),
    Metric("family_farm_loans_outstanding", "yuan", "Principal outstanding: family-farm loans", "last_year"),
    Metric("family_farm_credit_disbursed", "yuan", "Family-farm loans paid out this month", "sum"),
    Metric("family_farm_loans", "loans", "Family-farm loans paid out this month", "sum"),
)


class FamilyFarmSector:
    """The county's family farms and their land and labour markets."""

    def __init__(
        self, scenario: Scenario, households: Households, credit: CreditMarket, ledger: Ledger, streams: RandomStreams
    ) -> None:
        self.params = scenario
        self.terms = scenario.family_farms
        self.households = households
        self.ledger = ledger
        self.streams = streams
        draw = streams.stream("family_farm_setup").random(households.n)
        self.farms = FamilyFarms(households, self.terms, draw)
        ledger.open_array_sector(FAMILY_FARMS, self.farms.cash)
        self.market = LandMarket(scenario, households, self.farms, ledger)
        self.lending = FamilyFarmLending(scenario, self.farms, credit)
        crops = scenario.farming.crops.in_order()
        self.plant_of = np.array([c.plant_month for c in crops])
        self.harvest_of = np.array([c.harvest_month for c in crops])
        self.revenue = np.array([c.revenue_per_mu for c in crops])
        self.cost = np.array([c.input_cost_per_mu for c in crops])
        self.hired_year = np.zeros(self.farms.m)  # wages each farm paid since the land market
        self.hired_before = np.zeros(self.farms.m)  # ... in the year before
        self.workers = np.zeros(0, np.int64)  # households with members free for farm work (set each year)
        villages = int(households.village.max()) + 1
        self.village_wages = np.zeros(villages)  # farm wages paid in each village since the land market
        self.village_wages_before = np.zeros(villages)  # ... in the year before
        self.stats: dict[str, float] = {}
        self._land_rows: tuple[np.ndarray, np.ndarray] | None = None
        self.count_workers()

    # ------------------------------------------------------------------ plans
    def bids(self) -> np.ndarray:
        """Each farm's expected margin per mu before rent at this year's prices (its most it pays as rent)."""
        levels = self.households.levels
        wage = self.terms.wage * levels.wages
        return self.farms.margin_per_mu(self.revenue, self.cost, levels.farm_prices, levels.input_prices, wage)

    def input_cost(self) -> np.ndarray:
        """Each farm's input cost per mu this year (yuan)."""
        return self.farms.input_cost_per_mu(self.cost, self.households.levels.input_prices)

    def commitments(self) -> np.ndarray:
        """Cash each farm needs for a year on the land it operates: inputs, hired labour, rent, debt service."""
        farms = self.farms
        wage = self.terms.wage * self.households.levels.wages
        labour = farms.operated * farms.labour_months_per_mu() * wage
        return farms.operated * self.input_cost() + labour + self.market.annual_rent() + self.lending.annual_service()

    def gap(self) -> np.ndarray:
        """Land each active farm lacks to reach its target (mu)."""
        return np.maximum(self.farms.target - self.farms.operated, 0.0) * self.farms.active

    # ------------------------------------------------------------------ phase 2: production
    def produce(self, context: MonthContext, luck_draw: np.ndarray) -> None:
        """Land market in its month, inputs at planting, harvest, rent after harvest, payout, machinery wear."""
        farms = self.farms
        month, month_of_year, year = context.month, context.month_of_year, context.year
        price, weather = context.prices.index, context.weather
        self.stats, self.market.stats, self.lending.stats = {}, {}, {}
        if farms.m == 0:
            return
        if month_of_year == self.params.land_market.month:
            if self.params.land_market.enabled:
                self.lease(year, month)
            self.new_labour_year()
        plants_now = self.plant_of[farms.crop] == month_of_year
        if plants_now.any():
            farms.buy_inputs(plants_now, self.input_cost(), self.ledger)
        rows = np.flatnonzero((self.harvest_of[farms.crop] == month_of_year) & farms.active)
        if rows.size:
            self.harvest(rows, month, price, weather, luck_draw)
        farms.wear_machinery()

    def lease(self, year: int, month: int) -> None:
        """End leases that ran their term, clear the villages' markets, pay rent in advance, mechanise."""
        farms, market = self.farms, self.market
        market.end_leases(year)
        self._land_rows = None
        bid = self.bids()
        inputs = self.input_cost()
        ceiling = self.params.land_market.rent_max * self.households.levels.farm_prices
        per_mu = inputs + np.minimum(np.maximum(bid, 0.0), ceiling)
        spare = farms.cash - self.commitments()
        want = np.minimum(
            self.gap(), np.divide(np.maximum(spare, 0.0), per_mu, out=np.zeros(farms.m), where=per_mu > 0)
        )
        market.clear(year, want, bid)
        self._land_rows = None
        if self.params.land_market.rent_timing == "in_advance":
            self.fail(market.collect_rent(farms.active.copy()), month)
        active = np.flatnonzero(farms.active)
        farms.buy_machinery(active, self.ledger, self.commitments()[active])

    def new_labour_year(self) -> None:
        """Each year with the land market: last year's farm wages kept, this year's workers counted."""
        self.village_wages_before = self.village_wages
        self.village_wages = np.zeros(self.village_wages.size)
        self.hired_before, self.hired_year = self.hired_year, np.zeros(self.farms.m)
        self.count_workers()

    def harvest(self, rows: np.ndarray, month: int, price: np.ndarray, weather: Weather, luck_draw) -> None:
        """Sell ``rows``' harvest at spot, pay rent after harvest if so agreed, pay the operator."""
        farms, hh = self.farms, self.households
        sd = self.params.farming.yield_noise_sd
        operator = farms.operator[rows]
        luck = np.exp(sd * luck_draw[operator] - 0.5 * sd**2)
        factor = weather.yield_factor(hh.region, hh.village, luck, operator) * price[farms.crop[rows]]
        farms.harvest(rows, self.revenue[farms.crop[rows]] * hh.levels.farm_prices, factor, self.ledger)
        if self.params.land_market.rent_timing == "after_harvest":
            paying = np.zeros(farms.m, bool)
            paying[rows] = True
            self.fail(self.market.collect_rent(paying), month)
            rows = rows[farms.active[rows]]
        farms.pay_operators(rows, self.commitments()[rows], hh, self.ledger)

    # ------------------------------------------------------------------ phase 3: labour
    def count_workers(self) -> None:
        """The year's pool of farm workers in each village with a family farm (after the land market).

        Local members at home (not away, not employed by the enterprise, not running a farm)
        offer the months of the year not in casual work. Each village's farms take on workers
        until their months cover the farms' peak monthly demand of the season: households that
        rent their land out first (their labour is freed), then by row. Only these are paid.
        """
        hh, farms = self.households, self.farms
        villages = self.village_wages.size
        at_home = np.maximum(hh.labour - hh.migrants - hh.enterprise_job, 0.0) * ~farms.is_operator
        plant, harvest = self.plant_of[farms.crop], self.harvest_of[farms.crop]
        peak = np.bincount(
            farms.village,
            weights=farms.operated * farms.labour_months_per_mu() / (harvest - plant + 1),
            minlength=villages,
        )
        candidates = np.flatnonzero((peak[hh.village] > 0) & (at_home > 0))
        free = max(12.0 - self.params.labour.local_work_months, 0.0) / 12.0
        months = at_home[candidates] * free
        village = hh.village[candidates]
        order = np.argsort(2 * village + (self.market.lease_farm[candidates] < 0), kind="stable")
        taken = months[order]
        start = np.cumsum(taken) - taken
        first = np.ones(order.size, bool)
        first[1:] = village[order][1:] != village[order][:-1]
        before = start - np.maximum.accumulate(np.where(first, start, 0.0))  # months offered before it in its village
        pool = np.sort(order[before < peak[village[order]]])  # ascending rows, as the ledger likes them
        self.workers = candidates[pool]
        self.worker_village = village[pool]
        self.worker_months = months[pool]
        self.village_supply = np.bincount(self.worker_village, weights=self.worker_months, minlength=villages)
        ex_poor = hh.cohort[self.workers] == COHORT_EX_POOR
        self.ex_poor_supply = np.bincount(self.worker_village, weights=self.worker_months * ex_poor, minlength=villages)

    def work(self, context: MonthContext) -> None:
        """Farms in season hire local labour months, as far as the village's workers and their cash go."""
        month_of_year = context.month_of_year
        farms, hh = self.farms, self.households
        self.stats["hired_months"] = 0.0
        if farms.m == 0:
            return
        plant, harvest = self.plant_of[farms.crop], self.harvest_of[farms.crop]
        in_season = (plant <= month_of_year) & (month_of_year <= harvest) & farms.active
        if not in_season.any():
            return
        wage = self.terms.wage * hh.levels.wages
        months = farms.operated * farms.labour_months_per_mu() / (harvest - plant + 1) * in_season
        months = np.minimum(months, np.maximum(farms.cash, 0.0) / max(wage, 1e-9))
        demand = np.bincount(farms.village, weights=months, minlength=self.village_supply.size)
        filled = np.minimum(demand, self.village_supply)
        farm_share = np.divide(filled, demand, out=np.zeros(demand.size), where=demand > 0)[farms.village]
        worker_share = np.divide(filled, self.village_supply, out=np.zeros(demand.size), where=self.village_supply > 0)
        pay = months * farm_share * wage
        earned = self.worker_months * worker_share[self.worker_village]
        earned *= wage
        # the village's farms pool the wages and the first farm of the village pays the workers
        lead = np.full(demand.size, farms.m)
        np.minimum.at(lead, farms.village, np.arange(farms.m))
        self.ledger.pay("farm_wage_pool", FAMILY_FARMS, FAMILY_FARMS, pay, payer_rows=np.arange(farms.m),
                        payee_rows=lead[farms.village])  # fmt: skip
        self.ledger.pay(
            "farm_wages",
            FAMILY_FARMS,
            HOUSEHOLDS,
            earned,
            payer_rows=lead[self.worker_village],
            payee_rows=self.workers,
        )
        hh.book_income("wage", earned, self.workers)
        self.village_wages += filled * wage
        farms.income_month -= pay
        self.hired_year += pay
        self.stats["hired_months"] = float(filled.sum())
        self.stats["wages"] = float(earned.sum())
        self.stats["wages_ex_poor"] = float((worker_share * self.ex_poor_supply).sum() * wage)

    # ------------------------------------------------------------------ phases 7 and 8: credit
    def service(self, context: MonthContext) -> None:
        """Farms pay their loans; a farm whose loan defaults fails."""
        if self.farms.m:
            self.fail(self.lending.service(context.month), context.month)

    def lend(self, context: MonthContext) -> None:
        """The month before the land market, farms with an expansion plan apply for a family-farm loan."""
        farms, month, month_of_year = self.farms, context.month, context.month_of_year
        if farms.m == 0 or month_of_year != (self.params.land_market.month - 2) % 12 + 1:
            return
        draw = context.streams.stream("family_farm_screening").standard_normal(
            farms.m
        )  # every year, whatever the policy
        rent = self.market.rent[farms.village]
        inputs = self.input_cost()
        gap = self.gap()
        machinery = self.terms.machinery_per_mu * gap
        need = gap * (rent + inputs) + machinery + farms.operated * inputs + self.market.annual_rent() - farms.cash
        need = np.where(gap > 0, np.maximum(need, 0.0), 0.0)
        revenue = self.revenue[farms.crop] * self.households.levels.farm_prices * farms.productivity
        self.lending.village_rent = self.market.rent
        self.lending.lend(month, need, self.bids() - rent, revenue, draw, farms.operated + gap)

    # ------------------------------------------------------------------ failure
    def fail(self, failed: np.ndarray, month: int) -> None:
        """Failed farms: machinery sold, the bank paid first, leases ended, lessors, workers and operator hit."""
        farms, hh = self.farms, self.households
        failed = np.unique(failed)
        failed = failed[farms.active[failed]]
        if failed.size == 0:
            return
        keep = 1.0 - self.params.assets.distress_sale_discount
        self.ledger.pay(
            "forced_asset_sales", REST_OF_WORLD, FAMILY_FARMS, farms.machinery[failed] * keep, payee_rows=failed
        )
        farms.machinery[failed] = 0.0
        self.lending.recover(failed, month)
        operators = farms.operator[failed]
        hh.record_loss(ENTERPRISE_LOSS, np.maximum(farms.income_ring[:, failed].sum(axis=0), 0.0), operators)
        # workers lose the farm wages the failed farms paid in their village (this year's or last year's bill)
        villages = self.village_supply.size
        hired = self.hired_year + self.hired_before
        lost = np.bincount(farms.village[failed], weights=hired[failed], minlength=villages)
        share = np.divide(lost, np.bincount(farms.village, weights=hired, minlength=villages),
                          out=np.zeros(villages), where=lost > 0)  # fmt: skip
        # a worker earned its share of its village's farm wages (its months over the village's)
        per_month = np.divide(
            np.maximum(self.village_wages, self.village_wages_before) * share,
            self.village_supply,
            out=np.zeros(villages),
            where=self.village_supply > 0,
        )
        affected = np.flatnonzero(per_month[self.worker_village] > 0)
        lost_wages = self.worker_months[affected] * per_month[self.worker_village[affected]]
        hh.record_loss(ENTERPRISE_LOSS, lost_wages, self.workers[affected])
        farms.active[failed] = False
        farms.failed_month[failed] = month
        self.market.end_leases_of(failed)
        self._land_rows = None
        self.market.release(operators)
        self.ledger.pay(
            "family_farm_liquidation", FAMILY_FARMS, HOUSEHOLDS, np.maximum(farms.cash[failed], 0.0),
            payer_rows=failed, payee_rows=operators,
        )  # fmt: skip
        self.stats["failures"] = self.stats.get("failures", 0.0) + float(failed.size)

    # ------------------------------------------------------------------ accounting and outcomes
    def close_month(self, context: MonthContext) -> None:
        """Roll the farms' net income into their 12-month window."""
        if self.farms.m:
            self.farms.close_month(context.month)

    def land_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The households renting out to a family farm or running one (ascending) and their land group.

        Groups are codes of ``LAND_GROUPS``; every other household is ``other``. Worked out only
        when leases or farms change (yearly, and at a failure).
        """
        if self._land_rows is None:
            operators = self.farms.operator[self.farms.active]
            rows = np.union1d(self.market.leased, operators)
            group = np.full(rows.size, RENTS_OUT, np.int8)
            group[np.searchsorted(rows, operators)] = RUNS_FARM
            self._land_rows = rows, group
        return self._land_rows

    def measure(self) -> dict[str, float]:
        """Family farms, the land market and family-farm credit: this month's outcomes."""
        farms = self.farms
        stats, self.stats = self.stats, {}
        active = int(farms.active.sum())
        income = farms.income_ring.sum(axis=0)[farms.active]
        return {
            "family_farms": float(active),
            "family_farm_land": float(farms.operated.sum()),
            "family_farm_income": float(income.mean()) if active else 0.0,
            "family_farm_failures": stats.get("failures", 0.0),
            "farm_hired_months": stats.get("hired_months", 0.0),
            "wages_from_farms": stats.get("wages", 0.0),
            "ex_poor_farm_wage_income": stats.get("wages_ex_poor", 0.0),
            **self.market.measure(),
            **self.lending.measure(),
        }
