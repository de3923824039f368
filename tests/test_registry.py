"""The instrument registries: products and responses declared once, looped over in their phases."""

from __future__ import annotations

import pytest

from simulation.engine.model import ValueChainModel
from simulation.engine.registry import INSURANCE_PRODUCTS, LOAN_PRODUCTS, RESPONSES, LoanProduct, Registry, section_of
from simulation.instruments.credit.market import PRODUCTS
from simulation.scenario.risk import GUARANTEED_PRODUCTS
from tests.small_county import small_scenario


def test_loan_product_codes_keep_todays_lending_order():
    assert PRODUCTS[:5] == ("microcredit", "farm_business", "cooperative", "enterprise_working_capital", "family_farm")
    assert [LOAN_PRODUCTS.index(name) for name in PRODUCTS] == list(range(len(PRODUCTS)))


def test_every_registered_instrument_names_a_section_of_the_scenario():
    scenario = small_scenario()
    for product in (*LOAN_PRODUCTS, *INSURANCE_PRODUCTS):
        assert section_of(scenario, product.terms) is not None, product.name


def test_the_guarantee_can_name_every_loan_product_and_nothing_else():
    assert set(GUARANTEED_PRODUCTS) == set(LOAN_PRODUCTS.names())


def test_a_name_registered_twice_is_refused():
    registry = Registry("loan product")
    registry.register(LoanProduct("microcredit", "credit.products.microcredit"))
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(LoanProduct("microcredit", "credit.products.microcredit"))


def test_insurance_products_and_responses_run_in_their_registered_order():
    assert INSURANCE_PRODUCTS.names()[:2] == ("agricultural", "anti_poverty")
    assert RESPONSES.names()[:4] == ("assistance", "loan_extension", "anti_poverty_enrolment", "job_placement")


def test_a_response_switched_off_in_the_scenario_is_not_given():
    scenario = small_scenario(
        monitoring__enabled=True,
        monitoring__responses__extend_loans=False,
        monitoring__responses__enrol_anti_poverty_insurance=False,
    )
    given = [response.name for response in RESPONSES if response.applies(scenario.monitoring)]
    assert given == ["assistance", "job_placement"]


def test_an_insurance_product_switched_off_pays_no_claims():
    scenario = small_scenario(insurance__agricultural__enabled=False, insurance__anti_poverty__enabled=False)
    records = ValueChainModel(scenario, seed=1).run_to_end()
    assert records["insurance_claims"].sum() == 0.0
