"""Population synthesis: the county's households at the start of a run.

Villages are blocks of households in one region. Each household gets a size, working
members, land, a main crop, a productivity and productive assets. Its expected annual
income follows from those; the registered-poor households that have exited poverty
(ex-poor) and the fringe households are the lowest by expected income, with
registration noise (targeting was imperfect). The rolling income window starts at
expected income, so the first assessment is the county as it stood in 2020.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.households import Households

if TYPE_CHECKING:
    from simulation.scenario.loading import Scenario

GROUP_EX_POOR, GROUP_FRINGE, GROUP_GENERAL = 0, 1, 2
MAX_HOUSEHOLD_SIZE = 8


def assign_villages(n: int, per_village: int, region_shares: np.ndarray, rng: np.random.Generator):
    """Villages of ``per_village`` households; each village lies in one region."""
    n_villages = max(1, -(-n // per_village))
    village = np.arange(n, dtype=np.int32) // per_village
    # regions in their stated proportions over villages (largest remainders), in random order
    exact = region_shares * n_villages
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact)[: n_villages - counts.sum()]] += 1
    village_region = rng.permutation(np.repeat(np.arange(len(region_shares)), counts)).astype(np.int8)
    return village, village_region[village], n_villages


def expected_annual_income(h: Households) -> np.ndarray:
    """Household income in an ordinary year (no shocks), from its traits (yuan per year)."""
    sc = h.params
    crops = sc.farming.crops.in_order()
    revenue = np.array([c.revenue_per_mu for c in crops])[h.crop] * h.productivity
    cost = np.array([c.input_cost_per_mu for c in crops])[h.crop]
    margin = np.where(h.farms_own_land, revenue - cost, sc.farming.land_rent_per_mu)
    farm = h.land * margin + 12.0 * sc.assets.monthly_return * h.assets
    employed = 1.0 - sc.labour.job_loss_probability * sc.labour.job_search_months
    locals_ = h.labour - h.migrants
    wages = h.productivity * (
        12.0 * employed * h.migrants * sc.labour.migrant_wage
        + locals_ * sc.labour.local_wage * sc.labour.local_work_months
    )
    transfers = 12.0 * h.basic_per_capita() * h.size
    return farm + wages + transfers


def synthesize_households(scenario: Scenario, rng: np.random.Generator) -> Households:
    """Build the county's households from the population section and its stream."""
    pop = scenario.population
    n = pop.households
    h = Households(n, scenario)
    h.village, h.region, _ = assign_villages(n, pop.households_per_village, np.array(pop.region_shares.as_array()), rng)
    elderly = rng.random(n) < pop.elderly_household_share
    # households with no one able to work are elderly singles or couples (mean 1.5 persons);
    # the others are sized so that the county's mean household size is as stated
    share = pop.elderly_household_share
    working_mean = (pop.mean_household_size - 1.5 * share) / max(1.0 - share, 1e-9)
    h.size = np.minimum(1 + rng.poisson(max(working_mean - 1, 0.0), n), MAX_HOUSEHOLD_SIZE).astype(np.float64)
    h.size[elderly] = 1.0 + (rng.random(int(elderly.sum())) < 0.5)
    h.labour = np.where(elderly, 0.0, np.maximum(rng.binomial(h.size.astype(np.int64), pop.labour_share), 1))
    h.migrants = rng.binomial(h.labour.astype(np.int64), scenario.labour.migrant_participation).astype(np.float64)
    h.land = np.array(pop.land_mu.as_array())[h.region] * rng.gamma(4.0, 0.25, n)
    crop_cdf = np.cumsum(np.array(pop.crop_shares.as_matrix()), axis=1)[h.region]
    h.crop = np.minimum((rng.random(n)[:, None] > crop_cdf).sum(axis=1), 2).astype(np.int8)
    sd = pop.productivity_sd
    h.productivity = np.array(pop.region_productivity.as_array())[h.region] * np.exp(
        sd * rng.standard_normal(n) - 0.5 * sd**2
    )
    h.productivity[elderly] *= 0.7
    sd_a = scenario.assets.value_sd_log
    h.assets = (
        scenario.assets.value_at_productivity_1 * h.productivity * np.exp(sd_a * rng.standard_normal(n) - 0.5 * sd_a**2)
    )
    h.decide_land_use()
    h.digital = rng.random(n) < np.array(pop.digital_access.as_array())[h.region]
    h.digital &= ~elderly | (rng.random(n) < 0.3)
    h.cash = scenario.assets.initial_cash_months * h.subsistence() * rng.gamma(2.0, 0.5, n) * h.productivity
    expected = expected_annual_income(h)
    h.group = assign_groups(expected / h.size, pop.ex_poor_share, pop.fringe_share, pop.registration_noise, rng)
    if pop.ex_poor_low_capacity_share > 0:
        give_low_capacity(h, pop.ex_poor_low_capacity_share, rng)
        expected = expected_annual_income(h)
    h.income_ring[:] = expected / 12.0
    h.income_12m = expected.copy()
    h.assessed_income_pc = expected / h.size
    return h


def give_low_capacity(h: Households, share: float, rng: np.random.Generator) -> None:
    """A ``share`` of the ex-poor households have little or no labour capacity (elderly, disabled, chronically ill).

    Nobody in them works: they are one or two persons, farm (or lease out) their land at
    the no-labour productivity (x0.7, as for elderly households) and receive pensions and
    subsidies at ``transfers.low_capacity_basic_per_capita``. Their own income sits near the
    poverty line; the dibao (enrolment at the annual review, with the take-up chance) tops
    it up to the standard. Chosen among the ex-poor at random (stream ``population``).
    """
    ex_poor = np.flatnonzero(h.group == GROUP_EX_POOR)
    rows = ex_poor[rng.random(ex_poor.size) < share]
    working = rows[h.labour[rows] > 0]
    h.productivity[working] *= 0.7
    h.size[rows] = 1.0 + (rng.random(rows.size) < 0.5)
    h.labour[rows] = 0.0
    h.migrants[rows] = 0.0
    h.low_capacity[rows] = True
    h.decide_land_use(rows)


def assign_groups(
    income_pc: np.ndarray, ex_poor_share: float, fringe_share: float, noise: float, rng: np.random.Generator
) -> np.ndarray:
    """The lowest by (noisily observed) income were registered poor; the next are fringe."""
    observed = np.log(np.maximum(income_pc, 1.0)) + noise * rng.standard_normal(income_pc.size)
    rank = np.empty(income_pc.size, np.int64)
    rank[np.argsort(observed, kind="stable")] = np.arange(income_pc.size)
    share = rank / income_pc.size
    group = np.full(income_pc.size, GROUP_GENERAL, np.int8)
    group[share < ex_poor_share + fringe_share] = GROUP_FRINGE
    group[share < ex_poor_share] = GROUP_EX_POOR
    return group
