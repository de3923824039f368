"""Shocks of the month: region disasters, village yield luck and produce prices.

Disasters are decided once a year per region from correlated normal draws (a county-wide
factor plus a regional one), so a bad year tends to hit several regions together. They
cut the yields of harvests in that year. Prices follow a mean-reverting log index per crop.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv, ndtri

from simulation.scenario.loading import CROPS, REGIONS, Scenario


class Weather:
    """Region disaster seasons and village yield luck."""

    def __init__(self, scenario: Scenario, n_villages: int) -> None:
        self.params = scenario.weather
        self.n_villages = n_villages
        self.loss = np.zeros(len(REGIONS))  # share of harvest lost this year, by region
        self.disaster = np.zeros(len(REGIONS), bool)
        self.village_luck = np.ones(n_villages)
        self._village_region: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None

    def new_year(self, year: int, rng: np.random.Generator) -> None:
        """Decide this year's disasters (a fixed number of draws every year), then add scheduled ones."""
        w = self.params
        common, regional, severity = rng.standard_normal(), rng.standard_normal(len(REGIONS)), rng.random(len(REGIONS))
        rho = w.regional_correlation
        latent = np.sqrt(rho) * common + np.sqrt(1.0 - rho) * regional
        threshold = ndtri(np.clip(np.array(w.disaster_probability.as_array()), 1e-12, 1 - 1e-12))
        self.disaster = latent < threshold
        # loss fraction: a Beta with the configured mean and sd, from a uniform by inversion
        self.loss = np.where(self.disaster, _beta_quantile(severity, w.loss_fraction_mean, w.loss_fraction_sd), 0.0)
        for event in w.scheduled_disasters:
            if event.year == year:
                hit = np.isin(REGIONS, event.regions)
                self.loss = np.where(hit, np.maximum(self.loss, event.loss_fraction), self.loss)
                self.disaster |= hit

    def new_month(self, rng: np.random.Generator) -> None:
        """Village-level luck for harvests this month (one draw per village every month)."""
        sd = self.params.village_noise_sd
        self.village_luck = np.exp(sd * rng.standard_normal(self.n_villages) - 0.5 * sd**2)

    def yield_factor(
        self, region: np.ndarray, village: np.ndarray, household_luck: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Yield multiplier for a harvest this month (1 = an ordinary season), per household or of ``rows``.

        ``household_luck`` has one value per household, or per row when ``rows`` is given.

        Villages lie in one region, so the region's loss and the village's luck are combined
        once per village and gathered once per household (the same products, fewer passes).
        """
        village_region = self.village_region(region, village)
        if rows is not None:
            region, village = region[rows], village[rows]
        if village_region is None:
            return (1.0 - self.loss[region]) * self.village_luck[village] * household_luck
        return ((1.0 - self.loss[village_region]) * self.village_luck)[village] * household_luck

    def village_region(self, region: np.ndarray, village: np.ndarray) -> np.ndarray | None:
        """The region of each village (None if a village spans regions); worked out once for these arrays."""
        known = self._village_region
        if known is None or known[0] is not region or known[1] is not village:
            of_village = np.zeros(self.n_villages, region.dtype)
            of_village[village] = region
            consistent = village.size == 0 or bool(np.array_equal(of_village[village], region))
            known = self._village_region = (region, village, of_village if consistent else None)
        return known[2]


def _beta_quantile(u: np.ndarray, mean: float, sd: float) -> np.ndarray:
    mean = min(max(mean, 1e-6), 1 - 1e-6)
    var = min(sd**2, mean * (1 - mean) * 0.999)
    if var <= 0:
        return np.full_like(u, mean)
    k = mean * (1 - mean) / var - 1
    return betaincinv(mean * k, (1 - mean) * k, u)


class Prices:
    """Produce price index per crop: log p' = phi log p + sigma e."""

    def __init__(self, scenario: Scenario) -> None:
        farming = scenario.farming
        self.phi = farming.price_mean_reversion
        self.sigma = np.array([c.price_volatility for c in farming.crops.in_order()])
        self.log_index = np.zeros(len(CROPS))
        self.shocks = farming.price_shocks

    def new_month(self, month: int, rng: np.random.Generator) -> None:
        """Move the index one month (three draws every month), adding any scheduled shock."""
        self.log_index = self.phi * self.log_index + self.sigma * rng.standard_normal(len(CROPS))
        for shock in self.shocks:
            if shock.month == month:
                self.log_index = self.log_index + shock.log_change * np.isin(CROPS, shock.crops)

    @property
    def index(self) -> np.ndarray:
        """Price index per crop (1 = the long-run median)."""
        return np.exp(self.log_index)
