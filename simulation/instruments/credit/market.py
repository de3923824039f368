"""The credit market: households' demand, banks' screening, disbursement and servicing.

Demand: a household applies for poverty-relief microcredit when it sees a productive
opportunity whose return (drawn from its own stream) beats the cost of the loan, knows
the product, and can reach a channel; a farming household short of input cash applies
for a farm loan the month before planting. Supply: the bank's noisy estimate of the
return, an affordability cap and its capital. Servicing: what falls due is paid from
cash beyond a month of subsistence; arrears age 30 days a month; a loan defaults at the
configured days past due and is written off later through the loss waterfall.
"""

from __future__ import annotations

import numpy as np

from agents.bank import Bank
from agents.government import BudgetLine, Government
from agents.households import HOUSEHOLDS, REST_OF_WORLD, Households
from agents.state import State
from simulation.engine.ledger import Ledger
from simulation.engine.month import MonthContext
from simulation.engine.registry import LOAN_PRODUCTS, section_of
from simulation.engine.rng import RandomStreams
from simulation.instruments.credit.book import (
    ACTIVE,
    HOUSEHOLD,
    INVESTMENT,
    NONPERFORMING,
    PENDING,
    WORKING_CAPITAL,
    LoanBook,
    debtors_of,
)
from simulation.instruments.credit.demand import CreditDemand
from simulation.instruments.credit.guarantee import GuaranteeHooks
from simulation.instruments.credit.outcomes import credit_outcomes
from simulation.instruments.credit.products import LendingRound
from simulation.instruments.credit.repayment import repayment_capacity
from simulation.instruments.risk_sharing import LossWaterfall
from simulation.scenario.differentiation import Differentiation
from simulation.scenario.loading import Scenario

CREDIT_LINES = (BudgetLine("interest_subsidy", "interest subsidy", "贴息"),)
CREDIT_STATES = (State("blacklisted", bool, False, "excluded from credit after a written-off loan"),)
PRODUCTS = LOAN_PRODUCTS.names()  # codes in the loan book, in lending order
BRANCH, ONLINE = 0, 1


class CreditMarket(CreditDemand, GuaranteeHooks):
    """Households, banks, the loan book and the government meet here each month."""

    def __init__(
        self,
        scenario: Scenario,
        households: Households,
        banks: list[Bank],
        government: Government,
        book: LoanBook,
        ledger: Ledger,
        streams: RandomStreams,
        waterfall: LossWaterfall,
        differentiation: Differentiation,
    ) -> None:
        self.params = scenario
        self.waterfall = waterfall
        self.differentiation = differentiation
        self.credit = scenario.credit
        self.households = households
        households.declare(*CREDIT_STATES, *(state for product in LOAN_PRODUCTS for state in product.states))
        self.banks = banks
        self.government = government
        self.book = book
        self.ledger = ledger
        self.streams = streams
        n_villages = int(households.village.max()) + 1
        setup = streams.stream("credit_setup")
        # which bank serves each village, which villages have a liaison officer, who knows the products
        shares = np.cumsum([b.terms.village_share for b in banks])
        self.bank_of_household = np.minimum(np.searchsorted(shares, setup.random(n_villages)), len(banks) - 1)[
            households.village
        ].astype(np.int8)
        liaison = self.credit.channels.liaison
        self.liaison_village = (setup.random(n_villages) < liaison.village_coverage) & liaison.enabled
        self.in_liaison = self.liaison_village[households.village]
        # products are known to some; to all in liaison villages; to digital households when an
        # online channel advertises in the apps they use
        online_reach = households.digital & self.credit.channels.online.enabled
        self.aware = (setup.random(households.n) < self.credit.demand.awareness) | self.in_liaison | online_reach
        self.terms = [section_of(scenario, product.terms) for product in LOAN_PRODUCTS]
        self.month_stats: dict[str, float] = {}
        self.interest_received_early = np.zeros(len(banks))  # interest paid outside servicing this month

    # ------------------------------------------------------------------ servicing
    def service(self, context: MonthContext) -> None:
        """Collect what falls due, age arrears, default, write off, and close the banks' books."""
        month = context.month
        hh, book = self.households, self.book
        due = book.due_this_month(month)
        borrower = book.borrower[due.rows]
        debtors, of_loan = debtors_of(borrower, hh.n)  # the households owing, and each loan's place among them
        owed = np.bincount(of_loan, weights=due.total, minlength=debtors.size)
        # what falls due is paid from cash beyond a reserve for subsistence, after any distress
        # sale of productive assets (simulation/instruments/credit/repayment.py)
        capacity = repayment_capacity(hh, debtors, owed, self.credit, self.ledger)
        share = np.divide(np.minimum(capacity, owed), owed, out=np.zeros(debtors.size), where=owed > 0)[of_loan]
        paid = due.total * share
        interest_paid = np.minimum(paid, due.interest)
        subsidy = due.subsidy * (share >= 1.0 - 1e-12)  # paid on loans serviced in full
        bank_of_loan = book.bank[due.rows]
        income = self.interest_received_early.copy()
        self.interest_received_early[:] = 0.0
        for bank in self.banks:
            mine = bank_of_loan == bank.index
            self.ledger.pay("loan_interest", HOUSEHOLDS, bank.sector, interest_paid[mine], payer_rows=borrower[mine])
            self.ledger.pay(
                "loan_principal", HOUSEHOLDS, bank.sector, (paid - interest_paid)[mine], payer_rows=borrower[mine]
            )
            income[bank.index] += interest_paid[mine].sum()
            income[bank.index] += self.government.pay_to("interest_subsidy", bank.sector, subsidy[mine].sum())
        defaults = book.apply_payments(due, paid, self.credit.default_days, month)
        losses = self.write_off_due(month)
        self.close_bank_books(income, losses)
        self.households.loan_due = np.bincount(
            book.borrower[(nxt := book.due_this_month(month + 1)).rows], weights=nxt.total, minlength=hh.n
        )
        self.month_stats = {
            "interest_subsidy_paid": float(subsidy.sum()),
            "repaid": float(paid.sum()),
            "due": float(due.total.sum()),
        }
        self.count_defaults(defaults)

    def write_off_due(self, month: int) -> np.ndarray:
        """Write off loans that have been non-performing long enough; return the bank's loss by bank.

        Recovery from the borrower's productive assets (sold at the distress discount) comes
        first; the rest goes down the loss waterfall (``simulation/instruments/risk_sharing.py``).
        """
        book, hh = self.book, self.households
        rows = book.rows_with(NONPERFORMING)
        rows = rows[month - book.default_month[rows] >= self.credit.writeoff_months]
        losses = np.zeros(len(self.banks))
        if rows.size == 0:
            return losses
        exposure = book.exposure(rows)
        # recovery from households' assets (cooperatives and enterprises have none left to sell)
        household = book.borrower_kind[rows] == HOUSEHOLD
        borrower = np.where(household, book.borrower[rows], 0)
        # a borrower with several written-off loans sells assets once for all of them
        sought = self.credit.recovery_share * exposure * household
        wanted = np.bincount(borrower, weights=sought, minlength=hh.n)
        proceeds = hh.surrender_assets(wanted, self.ledger)
        recovered = sought * np.divide(proceeds, wanted, out=np.zeros(hh.n), where=wanted > 0)[borrower]
        residual = exposure - recovered
        guaranteed = book.guaranteed[rows]
        backed = book.backed[rows] & ~guaranteed
        for bank in self.banks:
            mine = book.bank[rows] == bank.index
            self.ledger.pay("loan_recovery", HOUSEHOLDS, bank.sector, recovered[mine], payer_rows=borrower[mine])
            losses[bank.index] = self.waterfall.allocate(
                bank.sector,
                guaranteed_loss=float(residual[mine & guaranteed].sum()),
                backed_loss=float(residual[mine & backed].sum()),
                other_loss=float(residual[mine & ~guaranteed & ~backed].sum()),
            )
        hh.blacklisted[borrower[household]] = True
        book.write_off(rows, residual)
        return losses

    def close_bank_books(self, income: np.ndarray, losses: np.ndarray) -> None:
        """Running costs, provisions by risk class and profit for each bank."""
        book = self.book
        live = book.rows_with(ACTIVE, NONPERFORMING)
        bank_of = book.bank[live]
        exposure = book.exposure(live)
        risk_class = book.risk_class(live)
        for bank in self.banks:
            mine = bank_of == bank.index
            outstanding = float(book.balance[live][mine].sum())
            costs = bank.pay_running_costs(outstanding, int(mine.sum()))
            bank.close_month(
                float(income[bank.index]),
                costs,
                float(losses[bank.index]),
                bank.required_provisions(exposure[mine], risk_class[mine]),
            )

    def households_in_arrears(self) -> np.ndarray:
        """The households with a live loan in arrears (what the bank can report to the monitoring system)."""
        book = self.book
        rows = book.rows_with(ACTIVE, NONPERFORMING)
        rows = rows[(book.borrower_kind[rows] == HOUSEHOLD) & (book.arrears[rows] > 1e-6)]
        return np.unique(book.borrower[rows])

    def restructure_arrears(self, households: np.ndarray, extra_months: int, month: int) -> int:
        """Restructure the loans in arrears of the given households (a monitoring response); return how many."""
        book = self.book
        mine = np.zeros(self.households.n, bool)
        mine[households] = True
        rows = book.rows_with(ACTIVE, NONPERFORMING)
        rows = rows[book.borrower_kind[rows] == HOUSEHOLD]
        rows = rows[mine[book.borrower[rows]] & (book.arrears[rows] > 1e-6)]
        book.extend(rows, extra_months, month)
        return int(rows.size)

    def deduct_chain_repayments(self, rows: np.ndarray, proceeds: np.ndarray, payer: str) -> np.ndarray:
        """The buyer pays contracted farmers' order-financing loans out of their sale proceeds first.

        A deduction never exceeds the proceeds. Returns what is left for each farmer.
        """
        book, n = self.book, self.households.n
        live = book.rows_with(ACTIVE, NONPERFORMING)
        live = live[book.chain[live] & (book.borrower_kind[live] == HOUSEHOLD)]
        available = np.zeros(n)
        available[rows] = proceeds
        borrower = book.borrower[live]
        owed = book.balance[live] + book.overdue_interest[live]
        owed_by_household = np.bincount(borrower, weights=owed, minlength=n)
        share = np.divide(
            np.minimum(available, owed_by_household), owed_by_household, out=np.zeros(n), where=owed_by_household > 0
        )
        paid = owed * share[borrower]
        interest = book.prepay(live, paid)
        for bank in self.banks:
            mine = book.bank[live] == bank.index
            self.ledger.pay("chain_deductions", payer, bank.sector, float(paid[mine].sum()))
            self.interest_received_early[bank.index] += float(interest[mine].sum())
        return (available - np.bincount(borrower, weights=paid, minlength=n))[rows]

    def repay_arrears_from(self, payer: str, available: np.ndarray) -> np.ndarray:
        """Money due to households from ``payer`` (an insurance claim) repays their arrears first.

        Returns:
            What is left for each household after its arrears are paid (yuan).
        """
        rows, paid, interest = self.book.pay_arrears(available)
        borrower, bank_of = self.book.borrower[rows], self.book.bank[rows]
        for bank in self.banks:
            mine = bank_of == bank.index
            self.ledger.pay("claims_repay_arrears", payer, bank.sector, float(paid[mine].sum()))
            self.interest_received_early[bank.index] += float(interest[mine].sum())
        return available - np.bincount(borrower, weights=paid, minlength=available.size)

    # ------------------------------------------------------------------ outcomes
    def measure(self) -> dict[str, float]:
        """Credit and risk-sharing outcomes of the month (after servicing and lending), then each product's own."""
        products = {k: v for product in LOAN_PRODUCTS if product.measure for k, v in product.measure(self).items()}
        return {**self.market_measure(), **products}

    def market_measure(self) -> dict[str, float]:
        """The market's outcomes of the month (``outcomes.credit_outcomes``)."""
        return credit_outcomes(self)

    # ------------------------------------------------------------------ lending
    def lend(self, context: MonthContext) -> None:
        """Applications, screening and approval, then disbursement of loans whose lag has passed."""
        hh, s, month = self.households, context.streams, context.month
        # full-length draws every month, whoever applies (common random numbers)
        lending = LendingRound(
            opportunity=s.application.random(hh.n),
            project_return=np.maximum(
                self.credit.demand.project_return_mean
                + self.credit.demand.project_return_sd * s.investment.standard_normal(hh.n),
                0.0,
            ),
            screening_noise=s.screening.standard_normal(hh.n),
            month=month,
            month_of_year=context.month_of_year,
            order_financed=context.order_financed,
        )
        self.diversion_draws = (s.diversion.random(hh.n), s.diversion.random(hh.n))
        live = self.book.live_rows()
        live = live[self.book.borrower_kind[live] == HOUSEHOLD]
        has_loan = np.zeros((len(PRODUCTS), hh.n), bool)
        has_loan[self.book.product[live], self.book.borrower[live]] = True
        # products in their lending order; each product's demand rules in theirs
        for code, product in enumerate(LOAN_PRODUCTS):
            for demand in product.demands:
                applications = demand(self, lending, has_loan[code])
                if applications is None:
                    continue
                self.apply(code, *applications, lending)
                # one loan of a product at a time: the loans just approved count
                pending = self.book.rows_with(PENDING)
                has_loan[code, self.book.borrower[pending[self.book.product[pending] == code]]] = True
        self.disburse(month)

    def apply(
        self,
        product: int,
        applies: np.ndarray,
        amount: np.ndarray,
        true_return: np.ndarray,
        term: np.ndarray,
        repayment_and_purpose: tuple[int, int],
        lending: LendingRound,
    ) -> None:
        """Route applications through a channel, screen them, and book approved loans as pending."""
        hh, terms, channels = self.households, self.terms[product], self.credit.channels
        screening_noise, month = lending.screening_noise, lending.month
        rows = np.flatnonzero(applies)  # few: the channel and its cost are worked out for them only
        online = channels.online.enabled & hh.digital[rows]
        branch = channels.branch.enabled & ~online
        cost = np.where(online, channels.online.transaction_cost, channels.branch.transaction_cost)
        reach = (online | branch) & (hh.cash[rows] >= cost)
        rows, online, cost = rows[reach], online[reach], cost[reach]
        if rows.size == 0:
            return
        channel = np.where(online, ONLINE, BRANCH)
        self.ledger.pay("loan_transaction_cost", HOUSEHOLDS, REST_OF_WORLD, cost, payer_rows=rows)
        noise_factor = np.where(self.in_liaison[rows], channels.liaison.screening_noise_factor, 1.0)
        # a contract is information: order-financing applications are screened more accurately
        chain = lending.order_financed[rows] & (repayment_and_purpose[1] == WORKING_CAPITAL)
        noise_factor = noise_factor * np.where(chain, self.params.value_chain.chain_screening_factor, 1.0)
        # credit-linked insurance: an insured borrower gets a better score and a lower rate
        linked = self.params.insurance.credit_linked
        insured = hh.ag_insured[rows] & linked.enabled
        base_rate, subsidy = (np.broadcast_to(v, hh.n)[rows] for v in self.pricing(product))
        rate = base_rate - linked.rate_discount * insured
        monthly_payment = amount[rows] * (1.0 / term[rows] + rate * (1 - subsidy) / 12.0)
        cap = terms.max_debt_service_share * np.maximum(hh.income_12m[rows], 0.0) / 12.0
        affordable = monthly_payment <= cap
        stretched = monthly_payment <= cap * self.affordability_stretch()  # a guaranteed loan's looser check
        collateral = hh.assets[rows] >= terms.collateral_ratio * amount[rows]
        approved, guaranteed, backed = (np.zeros(rows.size, bool) for _ in range(3))
        outstanding = self.book.outstanding_by("bank", len(self.banks), (PENDING, ACTIVE, NONPERFORMING))
        self.refresh_risk_exposure()
        for bank in self.banks:
            mine = self.bank_of_household[rows] == bank.index
            estimate = bank.estimate_return(true_return[rows][mine], screening_noise[rows][mine], noise_factor[mine])
            estimate = estimate + linked.score_bonus * insured[mine]
            asked = amount[rows][mine]
            threshold = np.full(estimate.size, bank.terms.approval_threshold)
            # a guaranteed application is screened with the effort the bank's retained share buys
            lax = bank.estimate_return(
                true_return[rows][mine], screening_noise[rows][mine], noise_factor[mine] * self.guaranteed_noise()
            )
            offered, estimate, threshold = self.offer_guarantees(
                PRODUCTS[product],
                estimate,
                lax + linked.score_bonus * insured[mine],
                asked,
                stretched[mine],
                threshold,
            )
            # a guarantee stands in for collateral
            acceptable = np.where(offered, stretched[mine], affordable[mine]) & (collateral[mine] | offered)
            approved[mine] = bank.approve(
                estimate, asked, acceptable, bank.lending_room(float(outstanding[bank.index])), threshold
            )
            guaranteed[mine] = offered & approved[mine]
            backed[mine] = self.back_by_fund(PRODUCTS[product], estimate, asked, approved[mine] & ~offered)
        chosen = rows[approved]
        lag = np.where(
            channel[approved] == ONLINE, channels.online.approval_lag_months, channels.branch.approval_lag_months
        )
        self.book.add(
            borrower_kind=np.full(chosen.size, HOUSEHOLD),
            borrower=chosen,
            bank=self.bank_of_household[chosen],
            product=np.full(chosen.size, product),
            channel=channel[approved],
            principal=amount[chosen],
            rate=rate[approved],
            insured=insured[approved],
            subsidy_share=subsidy[approved],
            term=term[chosen],
            repayment=np.full(chosen.size, repayment_and_purpose[0]),
            purpose=np.full(chosen.size, repayment_and_purpose[1]),
            start=month + lag,
            status=np.full(chosen.size, PENDING),
            guaranteed=guaranteed[approved],
            backed=backed[approved],
            chain=chain[approved],
        )
        if repayment_and_purpose[1] == INVESTMENT:
            hh.pending_return[chosen] = true_return[chosen]

    def disburse(self, month: int) -> None:
        """Pay out pending loans whose approval lag has passed; investment loans are spent on the project at once."""
        book, hh = self.book, self.households
        rows = book.rows_with(PENDING)
        rows = rows[book.start[rows] <= month]
        if rows.size == 0:
            return
        book.disburse(rows, month)
        self.month_stats["disbursed"] = float(rows.size)
        self.count_guaranteed(rows)
        borrower = book.borrower[rows]
        for bank in self.banks:
            mine = book.bank[rows] == bank.index
            self.ledger.pay(
                "loan_disbursement", bank.sector, HOUSEHOLDS, book.principal[rows][mine], payee_rows=borrower[mine]
            )
        self.charge_guarantee_fees(rows)
        projects = rows[book.purpose[rows] == INVESTMENT]
        invested = self.divert_or_recall(projects, month)
        # what reaches the project is the loan less any fee already paid out of it
        borrower = book.borrower[invested]
        hh.invest(borrower, np.minimum(book.principal[invested], np.maximum(hh.cash[borrower], 0.0)), self.ledger)

    def divert_or_recall(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Some borrowers spend an investment loan on consumption; loan-use monitoring may catch them.

        Caught diversions are either counselled (the money is invested after all) or the
        loan is recalled (it falls due at once). Returns the loans whose money is invested.
        """
        book, use = self.book, self.params.monitoring.loan_use
        diversion_draw, detection_draw = self.diversion_draws
        borrower = book.borrower[rows]
        diverted = diversion_draw[borrower] < self.credit.demand.diversion_probability
        caught = (
            diverted & use.monitored & self.params.monitoring.enabled & (detection_draw[borrower] < use.detection_rate)
        )
        self.month_stats["diverted"] = float(diverted.sum())
        self.month_stats["diversions_caught"] = float(caught.sum())
        if use.response == "recall":
            book.call_due(rows[caught], month)
            keep_cash = caught
        else:
            keep_cash = np.zeros(rows.size, bool)
        spent = diverted & ~caught
        self.ledger.pay(
            "diverted_consumption", HOUSEHOLDS, REST_OF_WORLD, book.principal[rows[spent]], payer_rows=borrower[spent]
        )
        return rows[~spent & ~keep_cash]
