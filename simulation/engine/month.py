"""The month's context: what every phase method of every mechanism receives.

The model opens one :class:`MonthContext` at the start of each month and hands it to each
phase in :data:`PHASES` order; each mechanism's phase method takes it as its first
argument. Mechanisms read the calendar, weather, prices, random streams and the ledger
from it, and pass each other the month's facts through it (the value chain publishes who
holds a financeable contract; the credit market reads it), not through each other's
attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulation.engine.ledger import Ledger
    from simulation.engine.rng import RandomStreams
    from simulation.engine.shocks import Prices, Weather

# The month, in the fixed order of docs/ODD.md (process overview): the phase methods of
# ValueChainModel, each called with the month's context.
PHASES = (
    "apply_shocks",  # 1. new year's levels and weather, prices, illness, job losses
    "produce",  # 2. inputs at planting, harvests and their sale, asset income
    "work",  # 3. migrant, local, enterprise and family-farm wages
    "insure",  # 4. premiums at policy start, claims on triggers
    "support",  # 5. transfers, medical assistance, the risk fund's budget
    "consume",  # 6. subsistence, medical bills, distress sales, investment
    "service_loans",  # 7. repayments, arrears, default, write-off through the loss waterfall
    "lend",  # 8. applications, screening, disbursement; chain and family-farm credit
    "monitor",  # 9. early warning and responses
    "account",  # 10. books closed, poverty assessed in December, metrics recorded
)


@dataclass
class MonthContext:
    """One month as every mechanism sees it.

    Attributes:
        month: the month of the run (1 for the first recorded month; 0 and below in the spin-up).
        month_of_year: calendar month 1..12.
        year: year of the run (1 for months 1-12; 0 and below in the spin-up).
        calendar_year: the calendar year (``growth.start_year`` for months 1-12).
        weather: this year's and month's weather by region and village.
        prices: this month's produce price index by crop.
        streams: the run's named random streams.
        ledger: the books every payment goes through.
        order_financed: households whose contract can back an order-financing loan this
            month (published by the value chain in the lending phase; none before).
    """

    month: int
    month_of_year: int
    year: int
    calendar_year: int
    weather: Weather
    prices: Prices
    streams: RandomStreams
    ledger: Ledger
    order_financed: np.ndarray

    @property
    def is_assessment_month(self) -> bool:
        """December: the annual poverty assessment."""
        return self.month % 12 == 0
