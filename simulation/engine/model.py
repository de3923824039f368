"""ValueChainModel: one county, month by month, in the ten phases of docs/ODD.md (process overview)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.experimental.scenarios import Scenario as MesaScenario

from agents.bank import Bank
from agents.government import DIBAO_STATES, GOVERNMENT, Government
from agents.guarantor import GUARANTOR, REGUARANTOR, RISK_FUND, Guarantor, Reguarantor, RiskFund
from agents.households import HOUSEHOLDS, Assessment
from agents.insurer import INSURER, Insurer
from agents.levels import PriceLevels
from agents.population import GROUP_EX_POOR, synthesize_households
from simulation.engine.breakdown import breakdown, income_sample
from simulation.engine.ledger import Ledger
from simulation.engine.metrics import BUDGET_LINE_NAMES, METRIC_NAMES, fgt, gini, rate_by_category
from simulation.engine.month import PHASES, MonthContext
from simulation.engine.outcomes import CohortOutcomes, county_cohorts, scaled_to_county
from simulation.engine.rng import RandomStreams
from simulation.engine.shocks import Prices, Weather
from simulation.instruments.credit.book import LoanBook
from simulation.instruments.credit.market import CreditMarket
from simulation.instruments.family_farms import FamilyFarmSector
from simulation.instruments.insurance.market import InsuranceMarket
from simulation.instruments.monitoring import MonitoringSystem
from simulation.instruments.risk_sharing import LossWaterfall
from simulation.instruments.value_chain import ValueChain
from simulation.scenario.differentiation import Differentiation
from simulation.scenario.loading import REGIONS, Scenario, apply_overrides, load_scenario, scenario_from_dict


class ValueChainModel(mesa.Model):
    """A county's agricultural value chain, stepped one month at a time.

    The spin-up years run inside the constructor, unrecorded and outside Mesa's clock: after
    it ``month``, ``model.steps`` and ``model.time`` are 0, and each :meth:`step` adds one to
    all three, so ``model.steps`` counts the recorded months. ``datacollector`` holds one row
    per recorded month (the metrics of ``METRIC_NAMES``, read from the monthly record), so
    ``mesa.batch_run`` and Mesa's tools read the model as they read any other.

    Args:
        scenario: the validated parameters (``load_scenario``), or a scenario file or a
            shipped scenario's name (``"baseline"``).
        seed: root seed of the experiment; None (what ``mesa.batch_run`` passes without
            ``rng``) draws a fresh one, kept in ``model.seed``.
        replicate: replicate index; with ``seed`` it fixes every random stream.
        **overrides: dotted-key parameters applied over the scenario
            (``**{"population.households": 2000}``; ``mesa.batch_run`` passes its parameters so).

    Attributes:
        params: the validated :class:`Scenario` the run uses (scaled to the county).
        scenario: Mesa's scenario record of this run: ``name``, ``seed``, ``replicate`` and
            ``parameters`` (the same object as ``params``).

    Example:
        >>> model = ValueChainModel("baseline", seed=1, **{"population.households": 2000})
        >>> while model.running:
        ...     model.step()
    """

    def __init__(self, scenario: Scenario | str | Path, seed: int | None = 0, replicate: int = 0, **overrides: Any):
        scenario = scaled_to_county(parameters_of(scenario, overrides))
        self.seed = int(np.random.SeedSequence().entropy) if seed is None else int(seed)
        self.streams = RandomStreams(self.seed, replicate)
        mesa_record = MesaScenario(rng=self.streams.stream("mesa"), parameters=scenario, name=scenario.name)
        mesa_record.seed, mesa_record.replicate = self.seed, replicate
        super().__init__(scenario=mesa_record)
        self.params = scenario
        self.month = -12 * scenario.horizon.spin_up_years
        self.spinning_up = True
        self.ledger = Ledger()
        self.households = synthesize_households(scenario, self.streams.population)
        self.n_villages = int(self.households.village.max()) + 1
        self.weather = Weather(scenario, self.n_villages)
        self.prices = Prices(scenario)
        self.government = Government(self, scenario.transfers, self.ledger)
        self.households.declare(*DIBAO_STATES)
        self.differentiation = Differentiation(scenario, self.households.region, self.households.group)
        self.ledger.open_array_sector(HOUSEHOLDS, self.households.cash)
        self.ledger.open_scalar_sector(GOVERNMENT, self.government)
        self.open_credit(scenario)
        self.open_insurance(scenario)
        self.assessment: Assessment | None = None
        self.enrol_dibao()
        self.records: list[dict[str, float]] = []
        self.group_records: list[dict[str, float]] = []
        self.income_snapshots: list[pd.DataFrame] = []
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(latest_record, metric=name) for name in ("month", *METRIC_NAMES)}
        )
        self.running = True
        self.spin_up()

    def open_credit(self, scenario: Scenario) -> None:
        """Banks, the loan book, risk-sharing institutions and the credit market."""
        self.banks = [
            Bank(self, i, terms, scenario.credit.provision_rates, self.ledger)
            for i, terms in enumerate(scenario.credit.banks)
        ]
        for bank in self.banks:
            self.ledger.open_scalar_sector(bank.sector, bank)
        self.loans = LoanBook()
        self.guarantor, self.reguarantor = self.open_guarantee(scenario)
        self.risk_fund = RiskFund(self, scenario.risk_fund, self.ledger) if scenario.risk_fund.enabled else None
        if self.risk_fund is not None:
            self.ledger.open_scalar_sector(RISK_FUND, self.risk_fund)
        self.waterfall = LossWaterfall(
            scenario.guarantee, self.guarantor, self.reguarantor, self.risk_fund, self.government
        )
        self.credit = CreditMarket(
            scenario,
            self.households,
            self.banks,
            self.government,
            self.loans,
            self.ledger,
            self.streams,
            self.waterfall,
            self.differentiation,
        )

    def open_insurance(self, scenario: Scenario) -> None:
        """The insurer and the insurance market."""
        self.insurer = Insurer(self, scenario.insurance.insurer, self.ledger, self.government)
        self.ledger.open_scalar_sector(INSURER, self.insurer)
        self.insurance = InsuranceMarket(
            scenario, self.households, self.insurer, self.government, self.credit, self.ledger
        )
        self.value_chain = ValueChain(
            self, scenario, self.households, self.government, self.credit, self.loans, self.ledger, self.streams
        )
        self.monitoring = MonitoringSystem(
            scenario, self.households, self.government, self.credit, self.insurance, self.differentiation
        )
        self.family_farms = FamilyFarmSector(scenario, self.households, self.credit, self.ledger, self.streams)

    def open_guarantee(self, scenario: Scenario) -> tuple[Guarantor | None, Reguarantor | None]:
        """The financing guarantor and the re-guarantee fund, when the scenario has them."""
        if not scenario.guarantee.enabled:
            return None, None
        guarantor = Guarantor(self, scenario.guarantee.guarantor, self.ledger)
        reguarantor = Reguarantor(self, scenario.guarantee.reguarantor, self.ledger)
        self.ledger.open_scalar_sector(GUARANTOR, guarantor)
        self.ledger.open_scalar_sector(REGUARANTOR, reguarantor)
        return guarantor, reguarantor

    def enrol_dibao(self) -> None:
        """The annual dibao review (take-up may differ by region and group)."""
        draw = self.streams.transfers.random(self.households.n)
        self.government.enrol_dibao(self.households, draw, self.differentiation.values("transfers.dibao_takeup"))

    def spin_up(self) -> None:
        """Run the spin-up years (not recorded, not counted by Mesa), then take the first poverty assessment as month 0.

        Each spin-up month is the same month as :meth:`step`'s, called past Mesa's clock, so
        ``model.steps`` and ``model.time`` stay at 0 until the first recorded month.
        """
        while self.month < 0:
            type(self).step(self)
        self.spinning_up = False
        hh = self.households
        hh.fix_cohorts(county_cohorts(hh, self.params, hh.group == GROUP_EX_POOR), self.levels.poverty_line)
        self.cohorts = CohortOutcomes(hh)
        if self.guarantor is not None:
            self.guarantor.refused_month = 0  # refusals of the spin-up are not month 1's
        self.income_snapshots.append(income_sample(self, "start"))
        self.assessment = None

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month, in the fixed order of docs/ODD.md (process overview)."""
        self.month += 1
        self.households.reset_month()
        month = self.open_month()
        for phase in PHASES:  # apply_shocks, produce, work, insure, support, consume, service_loans, lend, ...
            getattr(self, phase)(month)
        self.running = self.month < self.params.months

    def open_month(self) -> MonthContext:
        """The context every phase of this month receives."""
        return MonthContext(
            month=self.month,
            month_of_year=self.month_of_year,
            year=self.year,
            calendar_year=self.calendar_year,
            weather=self.weather,
            prices=self.prices,
            streams=self.streams,
            ledger=self.ledger,
            order_financed=np.zeros(self.households.n, bool),
        )

    @property
    def month_of_year(self) -> int:
        """Calendar month 1..12 of the current step."""
        return (self.month - 1) % 12 + 1

    @property
    def year(self) -> int:
        """Year of the run: 1 for months 1-12 (0 and below during the spin-up)."""
        return (self.month - 1) // 12 + 1

    @property
    def levels(self) -> PriceLevels:
        """This year's price and wage levels and lines (held by the households, who use them most)."""
        return self.households.levels

    @property
    def calendar_year(self) -> int:
        """Calendar year of the current step (``growth.start_year`` for months 1-12)."""
        return self.params.growth.start_year - 1 + max(self.year, 0)

    @property
    def is_assessment_month(self) -> bool:
        """December: the annual poverty assessment."""
        return self.month % 12 == 0

    # ------------------------------------------------------------------ phases
    def apply_shocks(self, month: MonthContext) -> None:
        """New year's price levels and weather (each January), village luck, prices, illness, job losses."""
        hh, s = self.households, month.streams
        if month.month_of_year == 1:
            hh.levels = PriceLevels.of_year(self.params, month.year)
            month.weather.new_year(month.year, s.weather)
        month.weather.new_month(s.village_yield)
        month.prices.new_month(month.month, s.price)
        hh.fall_ill(s.health.random(hh.n), s.health.standard_normal(hh.n))
        hh.update_jobs(s.jobs.random(hh.n))

    def produce(self, month: MonthContext) -> None:
        """Family farms (land market, season), inputs at planting, harvest sales, asset damage, asset income."""
        hh, sd, weather = self.households, self.params.farming.yield_noise_sd, month.weather
        luck_draw = month.streams.stream("yield").standard_normal(hh.n)  # full length every month
        hh.fail_projects(month.streams.project.random(hh.n, dtype=np.float32))
        self.family_farms.produce(month, luck_draw)
        hh.buy_inputs(month.month_of_year, month.ledger)
        rows = hh.harvesting(month.month_of_year)
        luck = np.exp(sd * luck_draw[rows] - 0.5 * sd**2)
        weather_loss = weather.loss[hh.region[rows]]
        yield_factor = weather.yield_factor(hh.region, hh.village, luck, rows)
        value = hh.harvest(rows, yield_factor, month.prices.index, weather_loss)
        hh.suffer_asset_damage(rows, self.params.weather.asset_damage * weather_loss)
        self.value_chain.sell_harvest(month, rows, value)
        hh.earn_asset_income(month.ledger)
        hh.earn_investment_income(weather.loss, self.params.credit.demand.depreciation, month.ledger)

    def work(self, month: MonthContext) -> None:
        """Migrant and casual local wages; wages of the leading enterprises and of family farms."""
        self.households.earn_wages(month.ledger)
        self.value_chain.pay_wages(month)
        self.family_farms.work(month)

    def insure(self, month: MonthContext) -> None:
        """Harvest claims, agricultural cover sold at planting, anti-poverty claims."""
        self.insurance.insure(month)

    def support(self, month: MonthContext) -> None:
        """Government transfers (pensions and subsidies, dibao top-ups), medical assistance; the risk fund's budget."""
        hh = self.households
        self.government.pay_transfers(hh)
        self.government.pay_medical_assistance(hh, self.params)
        if self.risk_fund is not None and month.month_of_year == 1:
            self.government.pay_to("risk_fund_replenishment", RISK_FUND, self.params.risk_fund.replenishment)

    def consume(self, month: MonthContext) -> None:
        """Subsistence, medical bills, discretionary spending, distress sales, investment."""
        self.households.consume(month.ledger)

    def service_loans(self, month: MonthContext) -> None:
        """Repayments (households, institutions, family farms), arrears, default, write-off through the waterfall."""
        self.waterfall.new_month()
        self.credit.service(month)
        self.value_chain.service_institutions(month)
        self.family_farms.service(month)
        if self.guarantor is not None:
            self.guarantor.set_aside_reserve()

    def lend(self, month: MonthContext) -> None:
        """Applications, screening, approval lag, disbursement; chain, cooperative and family-farm credit."""
        self.value_chain.publish_contracts(month)
        self.credit.lend(month)
        self.value_chain.lend(month)
        self.family_farms.lend(month)

    def monitor(self, month: MonthContext) -> None:
        """Early warning on households at risk, and assistance, restructuring, insurance and jobs for them."""
        self.monitoring.monitor(month)

    def account(self, month: MonthContext) -> None:
        """Close the books, roll income, assess poverty in December, record metrics; end snapshot last month."""
        hh = self.households
        hh.close_month(month.month)
        self.family_farms.close_month(month)
        if month.is_assessment_month:
            self.assessment = hh.assess_poverty(self.levels.poverty_line)
            if month.month >= 1:
                self.cohorts.record_causes(self.assessment, month.calendar_year)
                self.cohorts.new_year()
            hh.forget_shocks()
            self.enrol_dibao()
            self.monitoring.lead_time(self.assessment.relapses, month.month)
            self.insurance.new_insurance_year()
        else:
            self.assessment = None
        self.government.draw_central_funding()
        imbalance = self.ledger.close_month()
        if month.month >= 1:
            self.records.append(self.measure(imbalance))
            self.group_records.extend(breakdown(self))
            self.datacollector.collect(self)
        if month.month == self.params.months:  # the last month: the run's end, however it is stepped
            self.income_snapshots.append(income_sample(self, "end"))

    # ------------------------------------------------------------------ outcomes
    def relapse_by(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Relapse mask, the relapse base (ex-poor above the line at the last assessment) and the relapse count.

        Relapses happen only at the annual assessment; in other months the mask is empty and
        the base is the ex-poor cohort households above the line at the last assessment.
        """
        if self.assessment is not None:
            return self.assessment.relapses, self.assessment.relapse_base, int(self.assessment.relapses.sum())
        return self.cohorts.no_relapses, self.cohorts.relapse_base, 0

    def large_scale_relapse(self) -> float:
        """1.0 when, at an annual assessment, the ex-poor cohort's relapse rate passes the threshold.

        Judged on the whole cohort and on the cohort in each region; only regions with at
        least ``poverty.alarm_min_exited`` households in the relapse base count, so a handful
        of relapses in a tiny group does not sound the alarm.
        """
        if self.assessment is None:
            return 0.0
        hh, poverty = self.households, self.params.poverty
        relapses, base = self.assessment.relapses, self.assessment.relapse_base
        rates = rate_by_category(relapses, base, hh.region, len(REGIONS))
        enough = np.bincount(hh.region, weights=base, minlength=len(REGIONS)) >= poverty.alarm_min_exited
        county = relapses.sum() / max(base.sum(), 1)
        return float((rates[enough] > poverty.large_scale_relapse_threshold).any() or
                     county > poverty.large_scale_relapse_threshold)  # fmt: skip

    def measure(self, imbalance: float) -> dict[str, float]:
        """This month's outcomes: every name in ``METRIC_NAMES`` (the county's own, then each mechanism's)."""
        hh, line = self.households, self.levels.poverty_line
        y, w = hh.income_pc, hh.size
        persons = float(w.sum())
        flows = self.ledger.closed
        fiscal = {f"fiscal_{line_}": flows.paid(payer=GOVERNMENT, kind=line_) for line_ in BUDGET_LINE_NAMES}
        record = {"month": self.month, **dict.fromkeys(METRIC_NAMES, 0.0)}  # the key column first
        record.update(
            month=self.month,
            calendar_year=self.calendar_year,
            poverty_line=line,
            **self.cohorts.measure(self.assessment, line, y),
            poverty_headcount=fgt(y, w, line, 0),
            poverty_gap=fgt(y, w, line, 1),
            poverty_severity=fgt(y, w, line, 2),
            poverty_headcount_net_of_medical=self.cohorts.headcount_net_of_medical(line, y),
            at_risk_share=float(w[y < self.levels.monitoring_line].sum() / persons),
            dibao_share=float(w[hh.dibao].sum() / persons),
            mean_income_pc=float(hh.income_12m.sum() / persons),
            farm_income_pc=12.0 * float(hh.farm_month.sum() / persons),
            wage_income_pc=12.0 * float(hh.wage_month.sum() / persons),
            transfer_income_pc=12.0 * float(hh.transfer_month.sum() / persons),
            property_income_pc=12.0 * float(hh.property_month.sum() / persons),
            gini=gini(y, w),
            distress_sales=hh.distress_sold_month,
            unmet_need_share=float((hh.unmet_need > 0).mean()),
            disaster_regions=int(self.weather.disaster.sum()),
            fiscal_cost=flows.paid(payer=GOVERNMENT),
            large_scale_relapse=self.large_scale_relapse(),
            ledger_imbalance=imbalance,
            **fiscal,
            **self.credit.measure(),
            **self.insurance.measure(),
            **self.monitoring.measure(assessed=self.assessment is not None),
            **self.value_chain.measure(),
            **self.family_farms.measure(),
        )
        return record

    def timeseries(self) -> pd.DataFrame:
        """One row per month simulated so far, one column per metric."""
        return pd.DataFrame.from_records(self.records)

    def by_group(self) -> pd.DataFrame:
        """One row per month and category (region or household group): counts and rates."""
        return pd.DataFrame.from_records(self.group_records)

    def relapse_causes(self) -> pd.DataFrame:
        """Relapses and new poor at each assessment by calendar year, cohort and risk type."""
        return self.cohorts.causes_table()

    def income_distribution(self) -> pd.DataFrame:
        """Per-capita income of a sample of households at the start and (once the last month is stepped) the end."""
        return pd.concat(self.income_snapshots, ignore_index=True)

    def run_to_end(self) -> pd.DataFrame:
        """Step through the whole horizon and return the monthly outcomes."""
        while self.running:
            self.step()
        return self.timeseries()


def parameters_of(scenario: Scenario | str | Path, overrides: dict[str, Any]) -> Scenario:
    """The validated scenario a model runs: a :class:`Scenario`, or a file or shipped name, with dotted overrides."""
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, overrides or None)
    if not overrides:
        return scenario
    return scenario_from_dict(apply_overrides(scenario.model_dump(mode="json"), overrides), scenario.name)


def latest_record(model: ValueChainModel, metric: str) -> float:
    """A metric of the latest monthly record (the DataCollector's model reporters read the record, not the state)."""
    return model.records[-1][metric]
