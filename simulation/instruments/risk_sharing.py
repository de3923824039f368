"""The loss waterfall: who pays a written-off loan's loss, in order.

recovery from the borrower (done before, by the credit market) → guarantor → re-guarantor
→ county risk fund / local government → bank. A guaranteed loss is split by the scenario's
risk shares (4:3:2:1 by default); what an insolvent guarantor cannot pay falls to the
configured fallback (government or bank), and what the re-guarantor cannot pay to
government. The county risk fund pays its coverage share of the loss a bank keeps on a
backed loan while its balance lasts. Every payment goes through the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from agents.government import BudgetLine, Government
from agents.guarantor import Guarantor, Reguarantor, RiskFund
from simulation.engine.registry import Metric
from simulation.scenario.risk import Guarantee


@dataclass
class LossShares:
    """Losses borne by each party (yuan), accumulated over a month."""

    by_party: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, party: str, amount: float) -> None:
        """Count ``amount`` against ``party``."""
        self.by_party[party] += amount


# what government pays for risk sharing
RISK_SHARING_LINES = (
    BudgetLine("risk_fund_replenishment", "risk fund replenishment", "风险补偿金补充"),
    BudgetLine("risk_sharing", "risk sharing", "风险分担"),
    BudgetLine("guarantor_fallback", "guarantor fallback", "担保机构兜底"),
    BudgetLine("guarantee_fee_subsidy", "guarantee fee subsidy", "担保费补贴"),
)
# what risk sharing reports each month
RISK_SHARING_METRICS: tuple[Metric, ...] = (
    Metric(
        "guarantor_equity",
        "yuan",
        "Financing guarantor's net assets (cash less compensation reserve)",
        "last_year",
        better="higher",
    ),
    Metric("guarantor_leverage", "x net assets", "Guarantees outstanding over the guarantor's net assets", "last_year"),
    Metric("guarantor_insolvent", "0/1", "1 once the guarantor's net assets are gone", "max", better="lower"),
    Metric("guarantee_outstanding", "yuan", "Principal of live and pending loans the guarantor covers", "last_year"),
    Metric(
        "guarantees_refused",
        "applications",
        "Applications the bank would take with a guarantee that the guarantor turned away (margin asked under "
        "stress, leverage cap, equity floor)",
        "sum",
    ),
    Metric("guarantee_fee_rate", "per year of principal", "Fee the guarantor charges on new guarantees", "max"),
    Metric(
        "guarantor_stress",
        "0-1",
        "Guarantor's stress: leverage near the cap or equity towards its floor",
        "max",
        better="lower",
    ),
    Metric("guarantor_equity_min", "yuan", "Lowest net assets of the guarantor over the run", "min", better="higher"),
    Metric("credit_losses_guarantor", "yuan", "Written-off losses paid by the guarantor", "sum", better="lower"),
    Metric(
        "credit_losses_reguarantor", "yuan", "Written-off losses paid by the re-guarantee fund", "sum", better="lower"
    ),
    Metric(
        "credit_losses_government",
        "yuan",
        "Written-off losses paid by local government (its risk share and any fallback for an insolvent guarantor)",
        "sum",
        better="lower",
    ),
    Metric(
        "credit_losses_risk_fund",
        "yuan",
        "Written-off losses paid by the county risk compensation fund",
        "sum",
        better="lower",
    ),
    Metric("risk_fund_balance", "yuan", "County risk compensation fund balance", "last_year"),
)


class LossWaterfall:
    """Allocates written-off losses among guarantor, re-guarantor, risk fund, government and bank."""

    def __init__(
        self, terms: Guarantee, guarantor: Guarantor, reguarantor: Reguarantor, fund: RiskFund, government: Government
    ) -> None:
        self.terms = terms
        self.guarantor = guarantor
        self.reguarantor = reguarantor
        self.fund = fund
        self.government = government
        self.month = LossShares()

    def new_month(self) -> None:
        """Start counting a new month's losses."""
        self.month = LossShares()

    def allocate(self, bank_sector: str, guaranteed_loss: float, backed_loss: float, other_loss: float) -> float:
        """Pay the parties' shares of a bank's written-off losses; return the loss the bank keeps.

        Args:
            bank_sector: the bank's ledger sector (payments go to it).
            guaranteed_loss: loss on guaranteed loans, after recovery.
            backed_loss: loss on loans backed by the county risk fund (not guaranteed).
            other_loss: loss on loans with neither.
        """
        shares = self.terms.risk_shares
        bank_keeps = other_loss
        if guaranteed_loss > 0:
            unpaid = self.guarantor.pay_claim(bank_sector, shares.guarantor * guaranteed_loss)
            self.month.add("guarantor", shares.guarantor * guaranteed_loss - unpaid)
            if unpaid > 0 and self.terms.guarantor.insolvency_fallback == "government":
                self.government.pay_to("guarantor_fallback", bank_sector, unpaid)
                self.month.add("government", unpaid)
            else:
                bank_keeps += unpaid
            unpaid_re = self.reguarantor.pay_claim(bank_sector, shares.reguarantor * guaranteed_loss)
            self.month.add("reguarantor", shares.reguarantor * guaranteed_loss - unpaid_re)
            government_share = shares.government * guaranteed_loss + unpaid_re
            self.government.pay_to("risk_sharing", bank_sector, government_share)
            self.month.add("government", government_share)
            bank_keeps += shares.bank * guaranteed_loss
        if backed_loss > 0:
            paid = self.fund.compensate(bank_sector, backed_loss)
            self.month.add("risk_fund", paid)
            bank_keeps += backed_loss - paid
        self.month.add("bank", bank_keeps)
        return bank_keeps

    def measure(self) -> dict[str, float]:
        """Risk-sharing outcomes of the month (call after the credit market refreshed exposures)."""
        guarantor, fund = self.guarantor, self.fund
        losses = self.month.by_party
        record = {
            "guarantor_equity": guarantor.equity if guarantor else 0.0,
            "guarantor_equity_min": guarantor.equity if guarantor else 0.0,
            "guarantor_leverage": guarantor.leverage if guarantor and guarantor.equity > 0 else 0.0,
            "guarantor_insolvent": float(guarantor.insolvent) if guarantor else 0.0,
            "guarantee_outstanding": guarantor.outstanding if guarantor else 0.0,
            "guarantees_refused": float(guarantor.refused_month) if guarantor else 0.0,
            "guarantee_fee_rate": guarantor.fee_rate_now() if guarantor else 0.0,
            "guarantor_stress": guarantor.stress() if guarantor else 0.0,
            "risk_fund_balance": fund.cash if fund else 0.0,
            **{
                f"credit_losses_{party}": losses.get(party, 0.0)
                for party in ("guarantor", "reguarantor", "government", "risk_fund")
            },
        }
        if guarantor:
            guarantor.refused_month = 0
        return record
