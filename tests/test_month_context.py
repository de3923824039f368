"""One month context, handed to every phase; mechanisms pass the month's facts through it."""

from __future__ import annotations

from simulation.engine.model import ValueChainModel
from simulation.engine.month import PHASES
from tests.small_county import small_scenario


def test_every_phase_receives_the_same_month_context():
    model = ValueChainModel(small_scenario(households=200), seed=1)
    seen = []
    for name in PHASES:
        phase = getattr(model, name)
        setattr(model, name, lambda month, phase=phase: (seen.append(month), phase(month)))
    model.step()
    assert len(seen) == len(PHASES) and all(month is seen[0] for month in seen)
    assert seen[0].month == model.month == 1 and seen[0].month_of_year == 1 and seen[0].calendar_year == 2021


def test_the_value_chain_publishes_financeable_contracts_in_the_month_context():
    model = ValueChainModel(small_scenario(households=300, value_chain__enabled=True), seed=1)
    model.month += 1
    month = model.open_month()
    assert not month.order_financed.any()  # nothing published before the lending phase
    model.value_chain.publish_contracts(month)
    assert month.order_financed.any()
    assert (month.order_financed == (model.value_chain.contract >= 0) & model.params.value_chain.order_financing).all()
