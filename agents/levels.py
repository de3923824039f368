"""Price and wage levels of the current calendar year, and the year's poverty, monitoring and dibao lines.

The scenario's yuan figures are 2020 levels. Each January from 2021 the levels are set
for the new calendar year by the scenario's growth rates (``growth``): a level is
``(1 + rate) ** years since 2020``; a line follows its uprating rule (with consumer prices,
with wages, or fixed). Every rule that pays or compares yuan reads the level it needs from
here, so nominal growth moves through the same cash flows as everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulation.scenario.loading import Scenario


@dataclass(frozen=True)
class PriceLevels:
    """Levels relative to 2020 (1 = 2020) and the lines in yuan per person per year, for one calendar year."""

    calendar_year: int = 2020
    cpi: float = 1.0
    wages: float = 1.0
    farm_prices: float = 1.0
    input_prices: float = 1.0
    transfers: float = 1.0
    low_capacity_transfers: float = 1.0  # level of the pensions of low-capacity households
    poverty_line: float = 4_000.0
    monitoring_line: float = 6_000.0
    dibao_standard: float = 5_000.0

    @classmethod
    def of_year(cls, scenario: Scenario, year: int) -> PriceLevels:
        """The levels of run year ``year`` (1 = the first recorded year; 0 and below: 2020 levels)."""
        growth, t = scenario.growth, max(year, 0)
        cpi, wages = (1.0 + growth.cpi) ** t, (1.0 + growth.wages) ** t
        by_rule = {"cpi": cpi, "wages": wages, "fixed": 1.0}
        line = scenario.poverty.line
        return cls(
            calendar_year=growth.start_year - 1 + max(year, 0),
            cpi=cpi,
            wages=wages,
            farm_prices=(1.0 + growth.farm_prices) ** t,
            input_prices=(1.0 + growth.input_prices) ** t,
            transfers=(1.0 + growth.transfers) ** t,
            low_capacity_transfers=by_rule[growth.low_capacity_transfers],
            poverty_line=line * by_rule[growth.poverty_line],
            monitoring_line=line * scenario.poverty.monitoring_multiple * by_rule[growth.monitoring_line],
            dibao_standard=scenario.transfers.dibao_standard * by_rule[growth.dibao_standard],
        )
