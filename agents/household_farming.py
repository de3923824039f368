"""Households' farming and productive assets: land use, inputs, harvest, sales, assets and financed projects.

A part of :class:`agents.households.Households` (its farming rules, over the columns it declares).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.household_states import (
    DEBT_DISTRESS,
    DISASTER,
    HOUSEHOLDS,
    ILLNESS,
    PRICE_FALL,
    REST_OF_WORLD,
    Payments,
)

if TYPE_CHECKING:
    from agents.levels import PriceLevels
    from simulation.scenario.loading import Scenario


class Farming:
    """Land use, planting, harvest, sales, asset income and damage, financed investment (rules of ``Households``)."""

    n: int
    params: Scenario
    levels: PriceLevels
    _input_bill: np.ndarray | None

    def input_bill(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Cost of a full season's inputs on the land the household (or each of ``rows``) farms itself (yuan)."""
        if self._input_bill is None:  # land, crop and land use are fixed after synthesis (decide_land_use resets it)
            cost_per_mu = np.array([c.input_cost_per_mu for c in self.params.farming.crops.in_order()])
            self._input_bill = self.land * cost_per_mu[self.crop] * self.farms_own_land
        bill = self._input_bill if rows is None else self._input_bill[rows]
        return bill * self.levels.input_prices

    def decide_land_use(self, rows: np.ndarray | None = None) -> None:
        """Farm own land (all households', or ``rows``') if revenue covers inputs and rent; else lease it out."""
        crops = self.params.farming.crops.in_order()
        picked = slice(None) if rows is None else rows
        crop = self.crop[picked]
        revenue = np.array([c.revenue_per_mu for c in crops])[crop] * self.productivity[picked]
        farms = revenue > np.array([c.input_cost_per_mu for c in crops])[crop] + self.params.farming.land_rent_per_mu
        if rows is None:
            self.farms_own_land = farms
        else:
            self.land_with_farm[rows] = False
            self.farms_own_land[rows] = farms
        self._input_bill = None

    def give_land_to_farm(self, rows: np.ndarray) -> None:
        """``rows``' land is worked by a family farm: the household neither farms it nor leases it to outsiders."""
        self.farms_own_land[rows] = False
        self.land_with_farm[rows] = True
        self._input_bill = None

    def buy_inputs(self, month_of_year: int, ledger: Payments) -> None:
        """At planting, buy inputs for as much land as cash allows (credit relaxes this)."""
        crops = self.params.farming.crops.in_order()
        plants_now = np.array([c.plant_month == month_of_year for c in crops])[self.crop] & self.farms_own_land
        if not plants_now.any():
            return
        rows = np.flatnonzero(plants_now)
        need = self.input_bill(rows)
        # inputs are paid from cash beyond one month of subsistence
        affordable = np.maximum(self.cash[rows] - self.subsistence(rows), 0.0)
        spend = np.minimum(need, affordable)
        self.planted[rows] = np.divide(spend, need, out=np.zeros_like(spend), where=need > 0)
        ledger.pay("farm_inputs", HOUSEHOLDS, REST_OF_WORLD, spend, payer_rows=rows)
        self.season_inputs[rows] = spend

    def harvesting(self, month_of_year: int) -> np.ndarray:
        """Households whose crop is harvested in this month of the year (1..12)."""
        crops = self.params.farming.crops.in_order()
        return np.flatnonzero(np.array([c.harvest_month == month_of_year for c in crops])[self.crop])

    def harvest(
        self, rows: np.ndarray, yield_factor: np.ndarray, price: np.ndarray, weather_loss: np.ndarray | None = None
    ) -> np.ndarray:
        """Bring in the planted share of ``rows``' land, valued at the crop's spot price.

        Farm net income is recognised at the sale (:meth:`receive_sales`): revenue less the
        season's input cost (accrual over the production cycle), so the rolling 12-month
        income does not swing with the calendar gap between planting and harvest.

        Args:
            rows: the harvesting households (:meth:`harvesting`).
            yield_factor: for each of ``rows``, weather and luck (1 = an ordinary season).
            price: price index per crop (order of CROPS).
            weather_loss: for each of ``rows``, the share of the harvest its region lost to a
                disaster this year (counted as income lost to disaster; 0 when not given).

        Returns:
            The value of each row's produce at the spot price.
        """
        if rows.size == 0:
            return np.zeros(0)
        crops = self.params.farming.crops.in_order()
        revenue_per_mu = np.array([c.revenue_per_mu for c in crops])[self.crop[rows]] * self.levels.farm_prices
        # a member sick in the harvest month: part of the harvest is not brought in
        sick = self.sick_months[rows] > 0
        health_factor = 1.0 - self.params.health.farm_output_loss * sick
        crop_price = price[self.crop[rows]]
        normal_value = self.land[rows] * self.planted[rows] * revenue_per_mu * self.productivity[rows]
        sales = normal_value * yield_factor * crop_price * health_factor
        at_ordinary_price = normal_value * yield_factor * health_factor
        self.shock_loss[ILLNESS, rows] += normal_value * yield_factor * crop_price * (1.0 - health_factor)
        self.shock_loss[PRICE_FALL, rows] += at_ordinary_price * np.maximum(1.0 - crop_price, 0.0)
        if weather_loss is not None:
            lost_share = np.divide(weather_loss, 1.0 - weather_loss, out=np.zeros(rows.size), where=weather_loss < 1)
            self.shock_loss[DISASTER, rows] += sales * lost_share
        self.harvested_now[rows] = True
        self.yield_shortfall[rows] = np.maximum(1.0 - yield_factor, 0.0)
        self.crop_loss_month[rows] = np.divide(
            sales * self.yield_shortfall[rows],
            yield_factor,
            out=np.zeros(rows.size),
            where=yield_factor > 0,
        )
        return sales

    def receive_sales(self, rows: np.ndarray, proceeds: np.ndarray) -> None:
        """Book the season's farm net income (proceeds less the season's inputs); the season ends.

        The money itself was paid by the buyer through the ledger (spot market, cooperative
        or enterprise), possibly net of a deducted loan repayment, which still counts as the
        household's income.
        """
        self.book_income("farm", proceeds - self.season_inputs[rows], rows)
        self.planted[rows] = 0.0
        self.season_inputs[rows] = 0.0

    def earn_asset_income(self, ledger: Payments) -> None:
        """Productive assets yield a monthly net income and wear out; land leased to outside tenants earns its rent.

        The rent is property income; land with a family farm earns its rent from the farm
        (``simulation/instruments/land_market.py``).
        """
        rent = self.params.farming.land_rent_per_mu * self.levels.farm_prices / 12.0
        income = self.assets * self.params.assets.monthly_return
        lessors = np.flatnonzero(~(self.farms_own_land | self.land_with_farm))  # a minority
        rent_income = rent * self.land[lessors]
        self.assets *= 1.0 - self.params.assets.depreciation / 12.0
        ledger.pay("asset_income", REST_OF_WORLD, HOUSEHOLDS, income)
        ledger.pay("land_rent", REST_OF_WORLD, HOUSEHOLDS, rent_income, payee_rows=lessors)
        self.book_income("farm", income)
        self.book_income("property", rent_income, lessors)

    def invest(self, rows: np.ndarray, amount: np.ndarray, ledger: Payments) -> None:
        """Spend loan money on the project (livestock, greenhouse, tools); its return blends in."""
        if rows.size == 0:
            return
        ledger.pay("financed_investment", HOUSEHOLDS, REST_OF_WORLD, amount, payer_rows=rows)
        total = self.invested[rows] + amount
        self.invest_return[rows] = (
            self.invested[rows] * self.invest_return[rows] + amount * self.pending_return[rows]
        ) / total
        self.invested[rows] = total

    def fail_projects(self, failure_draw: np.ndarray) -> None:
        """Financed projects fail at the scenario's rate: the asset and its return are gone, the loan stays.

        The income the project would have earned in a year is counted as lost to debt distress.
        """
        monthly = 1.0 - (1.0 - self.params.credit.demand.project_failure_rate) ** (1.0 / 12.0)
        rows = np.flatnonzero(self.invested > 0)
        failed = rows[failure_draw[rows] < monthly]
        self.shock_loss[DEBT_DISTRESS, failed] += self.invested[failed] * self.invest_return[failed]
        self.invested[failed] = 0.0
        self.invest_return[failed] = 0.0

    def suffer_asset_damage(self, rows: np.ndarray, damage: np.ndarray) -> None:
        """A disaster destroys the share ``damage`` of ``rows``' productive assets (own and financed)."""
        hit = rows[damage > 0]
        if hit.size == 0:
            return
        share = damage[damage > 0]
        lost_income = (self.assets[hit] * 12.0 * self.params.assets.monthly_return + self.invested[hit]
                       * self.invest_return[hit]) * share  # fmt: skip
        self.shock_loss[DISASTER, hit] += lost_income
        self.assets[hit] *= 1.0 - share
        self.invested[hit] *= 1.0 - share

    def earn_investment_income(self, loss_by_region: np.ndarray, depreciation: float, ledger: Payments) -> None:
        """Financed assets yield their project's return, cut by this year's disaster; they wear out."""
        rows = np.flatnonzero(self.invested > 0)
        if rows.size == 0:
            return
        income = self.invested[rows] * self.invest_return[rows] / 12.0 * (1.0 - loss_by_region[self.region[rows]])
        ledger.pay("financed_investment_income", REST_OF_WORLD, HOUSEHOLDS, income, payee_rows=rows)
        self.book_income("farm", income, rows)
        self.invested[rows] *= 1.0 - depreciation / 12.0
