"""Household columns are declared once, by the mechanism that keeps them; income is booked by source."""

from __future__ import annotations

import numpy as np
import pytest

from agents.household_states import HOUSEHOLD_STATES, INCOME_SOURCES
from agents.state import State
from simulation.engine.model import ValueChainModel
from tests.small_county import small_scenario


def test_mechanism_columns_are_declared_by_their_owner_not_by_households():
    own = {state.name for state in HOUSEHOLD_STATES}
    model = ValueChainModel(small_scenario(households=200), seed=1)
    declared = model.households.states
    for column in ("ag_insured", "ap_insured", "hardship_year", "blacklisted", "dibao"):
        assert column in declared and column not in own


def test_a_column_declared_again_differently_is_refused():
    model = ValueChainModel(small_scenario(households=200), seed=1)
    hh = model.households
    hh.declare(State("blacklisted", bool, False, "same declaration"))  # the same column again: no change
    with pytest.raises(ValueError, match="declared twice"):
        hh.declare(State("blacklisted", np.float64, 0.0, "a different one"))


def test_income_booked_by_source_adds_up_to_the_months_income():
    model = ValueChainModel(small_scenario(households=200), seed=1)
    hh = model.households
    hh.reset_month()
    for i, source in enumerate(INCOME_SOURCES):
        hh.book_income(source, float(i + 1), np.array([0, 1]))
    hh.close_month(model.month + 1)
    assert hh.income_month[:2].tolist() == [15.0, 15.0]
    assert (hh.income_month[2:] == 0).all()
    assert hh.income_ring[(model.month + 1) % 12, 0] == 15.0
