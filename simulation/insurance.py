"""The insurance market: agricultural cover at planting, claims at harvest, anti-poverty cover.

Agricultural insurance is offered when a household plants. Uptake falls with the farmer's
share of the premium and rises with the share of the village's insured farmers paid in
the last year. A yield policy pays on the household's own shortfall beyond the
deductible; an index policy pays on the region's disaster loss (basis risk). Anti-poverty
insurance is bought by government for the lowest-income households at each assessment
and pays a share of hardship costs above a warning line when income is near the line.
Under credit-linked cover, claims repay a borrower's arrears before reaching the household.
"""

from __future__ import annotations

import numpy as np

from agents.government import Government
from agents.households import HOUSEHOLDS, Households
from agents.insurer import INSURER, Insurer
from simulation.credit import CreditMarket
from simulation.ledger import Ledger
from simulation.scenario import Scenario

REFERENCE_FARMER_SHARE = 0.25  # the farmer's share of the premium under the ~75% subsidy rule


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
        self.insurer = insurer
        self.government = government
        self.credit = credit
        self.ledger = ledger
        self.n_villages = int(households.village.max()) + 1
        self.village_size = np.bincount(households.village, minlength=self.n_villages)
        self.village_paid_share = np.zeros(self.n_villages)  # decaying share of the village paid a claim
        self.month_stats: dict[str, float] = {}

    # ------------------------------------------------------------------ the month
    def insure(self, month_of_year: int, region_loss: np.ndarray, uptake_draw: np.ndarray) -> None:
        """Settle this month's harvest claims, sell cover to this month's planters, pay anti-poverty claims."""
        self.insurer.new_month(january=month_of_year == 1)
        self.record_hardship()
        self.month_stats = dict.fromkeys(("ag_claims", "ap_claims", "premium_subsidy", "ag_premiums"), 0.0)
        if self.terms.agricultural.enabled:
            self.settle_harvest_claims(region_loss)
            self.sell_agricultural_cover(month_of_year, uptake_draw)
        if self.terms.anti_poverty.enabled:
            self.settle_anti_poverty_claims()

    # ------------------------------------------------------------------ agricultural insurance
    def uptake_chance(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Chance each household (or each of ``rows``) insures: price-sensitive, higher after payouts in the village."""
        ag = self.terms.agricultural
        village = self.households.village if rows is None else self.households.village[rows]
        price_effect = (max(ag.farmer_share, 1e-9) / REFERENCE_FARMER_SHARE) ** (-ag.price_elasticity)
        chance = ag.base_uptake * price_effect + ag.payout_boost * self.village_paid_share[village]
        return np.clip(chance, 0.0, 1.0)

    def sell_agricultural_cover(self, month_of_year: int, uptake_draw: np.ndarray) -> None:
        """At planting: insure the planted land's expected revenue; farmer and government share the premium."""
        hh, ag = self.households, self.terms.agricultural
        crops = self.params.farming.crops.in_order()
        plants_now = np.array([c.plant_month == month_of_year for c in crops])
        if not plants_now.any():
            return
        # only this month's planters are priced (a crop plants once a year)
        planting = np.flatnonzero(plants_now[hh.crop] & hh.farms_own_land)
        revenue_per_mu = np.array([c.revenue_per_mu for c in crops])[hh.crop[planting]] * hh.levels.farm_prices
        insured_value = (
            ag.coverage_level * hh.land[planting] * hh.planted[planting] * revenue_per_mu * hh.productivity[planting]
        )
        farmer_premium = ag.premium_rate * insured_value * ag.farmer_share
        buys = (
            (hh.planted[planting] > 0)
            & (uptake_draw[planting] < self.uptake_chance(planting))
            & (hh.cash[planting] >= farmer_premium)
        )
        hh.ag_insured[planting] = buys
        hh.insured_value[planting] = np.where(buys, insured_value, 0.0)
        rows = planting[buys]
        if rows.size == 0:
            return
        premium = ag.premium_rate * insured_value[buys]
        self.ledger.pay("insurance_premiums", HOUSEHOLDS, INSURER, farmer_premium[buys], payer_rows=rows)
        subsidy = float(premium.sum() - farmer_premium[buys].sum())
        self.government.pay_to("premium_subsidy", INSURER, subsidy)
        self.insurer.book_premiums(float(premium.sum()))
        self.month_stats["premium_subsidy"] += subsidy
        self.month_stats["ag_premiums"] += float(premium.sum())

    def settle_harvest_claims(self, region_loss: np.ndarray) -> None:
        """At harvest: a yield policy pays on the household's shortfall, an index policy on the region's loss."""
        hh, ag = self.households, self.terms.agricultural
        claimants = np.flatnonzero(hh.harvested_now & hh.ag_insured)
        loss = hh.yield_shortfall[claimants] if ag.kind == "yield" else region_loss[hh.region[claimants]]
        payout = np.zeros(hh.n)
        payout[claimants] = hh.insured_value[claimants] * np.maximum(loss - ag.deductible, 0.0)
        paid = claimants[payout[claimants] > 0]
        share_paid = np.bincount(hh.village[paid], minlength=self.n_villages) / np.maximum(self.village_size, 1)
        self.village_paid_share = self.village_paid_share * (11.0 / 12.0) + share_paid
        self.pay_claims(payout, "ag_claims", claimants)
        hh.ag_insured &= ~hh.harvested_now

    # ------------------------------------------------------------------ anti-poverty insurance
    def enrol_anti_poverty(self) -> None:
        """At the assessment: government buys a year's cover for the lowest-income households."""
        hh, ap = self.households, self.terms.anti_poverty
        hh.hardship_year[:] = 0.0
        hh.ap_paid_year[:] = 0.0
        if not ap.enabled:
            return
        cutoff = np.quantile(hh.income_pc, ap.coverage_share) if ap.coverage_share > 0 else -np.inf
        hh.ap_insured = hh.income_pc <= cutoff if ap.coverage_share > 0 else np.zeros(hh.n, bool)
        premium = float(ap.premium_per_person * hh.size[hh.ap_insured].sum())
        self.government.pay_to("anti_poverty_premiums", INSURER, premium)
        self.insurer.book_premiums(premium)

    def enrol_households(self, rows: np.ndarray) -> None:
        """Enrol households flagged by monitoring; government pays a year's premium for each new one."""
        if not self.terms.anti_poverty.enabled:
            return
        hh = self.households
        new = rows[~hh.ap_insured[rows]]
        if new.size == 0:
            return
        hh.ap_insured[new] = True
        premium = float(self.terms.anti_poverty.premium_per_person * hh.size[new].sum())
        self.government.pay_to("anti_poverty_premiums", INSURER, premium)
        self.insurer.book_premiums(premium)

    def settle_anti_poverty_claims(self) -> None:
        """Pay a share of hardship costs above the warning line, when income is at or below the multiple."""
        hh, ap, line = self.households, self.terms.anti_poverty, self.households.levels.poverty_line
        warning_line = ap.warning_line * hh.levels.cpi
        # only insured households with hardship above the warning line can be owed anything
        # (what was paid this year is never negative, so the others' payout is 0)
        owed = np.flatnonzero(hh.ap_insured & (hh.hardship_year > warning_line))
        due_total = np.minimum(ap.payout_share * np.maximum(hh.hardship_year[owed] - warning_line, 0.0), ap.cap)
        triggered = hh.income_pc_of(owed) <= ap.income_multiple * line
        payout = np.zeros(hh.n)
        payout[owed] = np.where(triggered, np.maximum(due_total - hh.ap_paid_year[owed], 0.0), 0.0)
        hh.ap_paid_year[owed] += payout[owed]
        self.pay_claims(payout, "ap_claims", owed)

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
        self.households.insurance_month[claimants] += payout[claimants]
        total = float(payout.sum())  # over every household, as the books have always summed it
        self.insurer.book_claims(total)
        self.month_stats[kind] += total

    # ------------------------------------------------------------------ outcomes
    def measure(self) -> dict[str, float]:
        """Insurance outcomes of the month."""
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
