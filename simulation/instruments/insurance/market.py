"""The insurance market: where households, the insurer, government and banks meet in phase 4.

The products are registered in ``simulation.engine.registry.INSURANCE_PRODUCTS`` (agricultural
cover in ``insurance_agricultural.py``, anti-poverty cover in ``insurance_anti_poverty.py``)
and run in that order each month when their section is enabled. The market keeps what
they share: hardship costs since the assessment, the village's memory of payouts, and
claims payment, where under credit-linked cover claims repay a borrower's arrears before
reaching the household.
"""

from __future__ import annotations

import numpy as np

from agents.government import Government
from agents.households import HOUSEHOLDS, Households
from agents.insurer import INSURER, Insurer
from agents.state import State
from simulation.engine.ledger import Ledger
from simulation.engine.month import MonthContext
from simulation.engine.registry import INSURANCE_PRODUCTS, Metric, section_of
from simulation.instruments.credit.market import CreditMarket
from simulation.scenario.loading import Scenario

INSURANCE_STATES = (
    State("hardship_year", np.float64, 0, "medical bills and crop losses since the last assessment (yuan)"),
)


# what the insurance market reports each month
INSURANCE_METRICS: tuple[Metric, ...] = (
    Metric("insurance_premiums", "yuan", "Premiums written this month (agricultural, all payers; anti-poverty)", "sum"),
    Metric("insurance_claims", "yuan", "Claims paid this month (including those repaying arrears)", "sum"),
    Metric("insurance_loss_ratio", "share", "Claims over premiums (summary: over the whole run)", "last_year"),
    Metric(
        "insured_share", "share", "Farming households holding agricultural cover for the current season", "last_year"
    ),
    Metric("premium_subsidy_paid", "yuan", "Agricultural premium subsidy paid by government", "sum"),
    Metric("agricultural_claims", "yuan", "Agricultural insurance claims paid", "sum"),
    Metric("anti_poverty_claims", "yuan", "Anti-poverty insurance payouts", "sum"),
    Metric("anti_poverty_insured", "share of households", "Households covered by anti-poverty insurance", "last_year"),
    Metric("insurer_equity", "yuan", "Insurer's capital plus underwriting result", "last_year", better="higher"),
)


class InsuranceMarket:
    """Households, the insurer, government and banks meet here each month (phase 4)."""

    def __init__(
        self,
        scenario: Scenario,
        households: Households,
        insurer: Insurer,
        government: Government,
        credit: CreditMarket,
        ledger: Ledger,
    ) -> None:
        self.params = scenario
        self.terms = scenario.insurance
        self.households = households
        households.declare(*INSURANCE_STATES, *(state for product in INSURANCE_PRODUCTS for state in product.states))
        self.insurer = insurer
        self.government = government
        self.credit = credit
        self.ledger = ledger
        self.n_villages = int(households.village.max()) + 1
        self.village_size = np.bincount(households.village, minlength=self.n_villages)
        self.village_paid_share = np.zeros(self.n_villages)  # decaying share of the village paid a claim
        self.month_stats: dict[str, float] = {}

    # ------------------------------------------------------------------ the month
    def insure(self, context: MonthContext) -> None:
        """Each enabled product in turn: claims on this month's triggers, cover sold to this month's buyers."""
        uptake_draw = context.streams.insurance.random(self.households.n)  # full length every month
        self.insurer.new_month(january=context.month_of_year == 1)
        self.record_hardship()
        self.month_stats = dict.fromkeys(("ag_claims", "ap_claims", "premium_subsidy", "ag_premiums"), 0.0)
        for product in INSURANCE_PRODUCTS:
            if section_of(self.params, product.terms).enabled:
                product.month(self, context, uptake_draw)

    def new_insurance_year(self) -> None:
        """At the assessment: hardship counts restart, and each enabled product's annual work (a year's cover)."""
        self.households.hardship_year[:] = 0.0
        self.households.ap_paid_year[:] = 0.0
        for product in INSURANCE_PRODUCTS:
            if product.at_assessment is not None and section_of(self.params, product.terms).enabled:
                product.at_assessment(self)

    def record_hardship(self) -> None:
        """Hardship costs of the month: out-of-pocket medical bills and produce lost at harvest."""
        hh = self.households
        hh.hardship_year += hh.medical_due + hh.crop_loss_month

    # ------------------------------------------------------------------ claims
    def pay_claims(self, payout: np.ndarray, kind: str, claimants: np.ndarray | None = None) -> None:
        """Pay claims: under credit-linked cover, arrears first (to the bank), the rest to the household.

        Args:
            payout: the claim of every household (0 for most).
            kind: the month's statistic it counts in.
            claimants: the households whose claim may be positive, in order (None: any).
        """
        if claimants is None:
            claimants = np.flatnonzero(payout)
        if not payout[claimants].any():
            return
        to_household = payout
        if self.terms.credit_linked.enabled:
            to_household = self.credit.repay_arrears_from(INSURER, payout)
        rows = claimants[to_household[claimants] > 0]  # arrears repaid from a claim never exceed it
        self.ledger.pay("insurance_claims", INSURER, HOUSEHOLDS, to_household[rows], payee_rows=rows)
        self.households.book_income("insurance", payout[claimants], claimants)
        total = float(payout.sum())  # over every household, as the books have always summed it
        self.insurer.book_claims(total)
        self.month_stats[kind] += total

    # ------------------------------------------------------------------ outcomes
    def measure(self) -> dict[str, float]:
        """Insurance outcomes of the month (the market's, then each product's own)."""
        products = {k: v for product in INSURANCE_PRODUCTS if product.measure for k, v in product.measure(self).items()}
        return {**self.market_measure(), **products}

    def market_measure(self) -> dict[str, float]:
        """The market's outcomes of the month: premiums, claims, cover."""
        hh, insurer = self.households, self.insurer
        premiums, claims = insurer.premiums_month, insurer.claims_month
        farming = max(int(hh.farms_own_land.sum()), 1)
        return {
            "insurance_premiums": premiums,
            "insurance_claims": claims,
            "insurance_loss_ratio": claims / premiums if premiums > 0 else 0.0,
            "insured_share": float(hh.ag_insured.sum() / farming),
            "premium_subsidy_paid": self.month_stats.get("premium_subsidy", 0.0),
            "agricultural_claims": self.month_stats.get("ag_claims", 0.0),
            "anti_poverty_claims": self.month_stats.get("ap_claims", 0.0),
            "anti_poverty_insured": float(hh.ap_insured.mean()),
            "insurer_equity": insurer.equity,
        }
