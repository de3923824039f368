"""The value chain: where harvests are sold, chain-embedded repayment, cooperatives and enterprises.

At harvest a contracted farmer sells to the leading enterprise at the contract price
(directly, or through its cooperative) unless side-selling pays; a cooperative member sells
through the cooperative at a marketing margin; everyone else sells at the spot price. The
buyer deducts order-financing loans from the payment before the farmer is paid, and the
cooperative recovers its input credit, with joint liability among members for what a
member cannot repay. Enterprises pay local wages, sell processed produce, borrow working
capital each January, and fail when their cash runs out: contracts and wages stop the
next month and chain loans lose their repayment source.
"""

from __future__ import annotations

import numpy as np

from agents.cooperatives import COOPERATIVES, Cooperatives
from agents.enterprise import LeadingEnterprise
from agents.government import Government
from agents.households import ENTERPRISE_LOSS, HOUSEHOLDS, REST_OF_WORLD, Households
from simulation.engine.ledger import Ledger
from simulation.engine.month import MonthContext
from simulation.engine.registry import LOAN_PRODUCTS, Metric
from simulation.engine.rng import RandomStreams
from simulation.instruments.credit.book import (
    ACTIVE,
    BULLET,
    COOPERATIVE,
    ENTERPRISE,
    NONPERFORMING,
    PENDING,
    WORKING_CAPITAL,
    LoanBook,
)
from simulation.instruments.credit.market import PRODUCTS, CreditMarket
from simulation.scenario.loading import CROPS, REGIONS, Scenario

COOP_PRODUCT = PRODUCTS.index("cooperative")
ENTERPRISE_PRODUCT = PRODUCTS.index("enterprise_working_capital")


# what the value chain reports each month
VALUE_CHAIN_METRICS: tuple[Metric, ...] = (
    Metric("enterprise_defaults", "enterprises", "Leading enterprises defaulting this month", "sum", better="lower"),
    Metric("enterprises_active", "enterprises", "Leading enterprises still operating", "last_year"),
    Metric("enterprise_cash", "yuan", "Cash of the leading enterprises", "last_year"),
    Metric("contract_share", "share", "Farming households selling under an active contract", "last_year"),
    Metric(
        "contracted_income_pc",
        "yuan per person per year",
        "Mean per-capita income of households under an active contract",
        "last_year",
        better="higher",
    ),
    Metric("coop_loans_outstanding", "yuan", "Cooperatives' loans outstanding (on-lent as input credit)", "last_year"),
    Metric(
        "side_selling", "households", "Contracted farmers who side-sold (and lost the contract)", "sum", better="lower"
    ),
    Metric("joint_liability_paid", "yuan", "Paid by cooperative members for other members' unpaid credit", "sum"),
    Metric("contract_purchases", "yuan", "Produce bought by enterprises under contract", "sum"),
)


class ValueChain:
    """Cooperatives, leading enterprises and the produce market of the county."""

    def __init__(
        self,
        model,
        scenario: Scenario,
        households: Households,
        government: Government,
        credit: CreditMarket,
        book: LoanBook,
        ledger: Ledger,
        streams: RandomStreams,
    ) -> None:
        self.params = scenario
        self.terms = scenario.value_chain
        self.households = households
        self.government = government
        self.credit = credit
        self.book = book
        self.ledger = ledger
        setup = streams.stream("value_chain_setup")
        membership_draw, contract_draw, job_draw = (setup.random(households.n) for _ in range(3))
        self.enabled = self.terms.enabled
        self.coops = Cooperatives(
            households, self.terms.cooperatives, membership_draw if self.enabled else np.ones(households.n)
        )
        ledger.open_array_sector(COOPERATIVES, self.coops.cash)
        self.contract = np.full(households.n, -1, np.int8)  # enterprise index, -1 for none
        self.employer = np.full(households.n, -1, np.int8)
        self.enterprises: list[LeadingEnterprise] = []
        if self.enabled:
            for index, terms in enumerate(self.terms.enterprises):
                self.enterprises.append(self.open_enterprise(model, index, terms, contract_draw, job_draw))
        self.month_stats: dict[str, float] = {}

    # ------------------------------------------------------------------ set-up
    def open_enterprise(self, model, index: int, terms, contract_draw: np.ndarray, job_draw: np.ndarray):
        """Contract farmers and hire local workers; size the enterprise to its expected purchases."""
        hh = self.households
        grows = np.isin(hh.crop, [CROPS.index(c) for c in terms.crops])
        where = np.isin(hh.region, [REGIONS.index(r) for r in terms.regions])
        contracted = grows & where & hh.farms_own_land & (self.contract < 0) & (contract_draw < terms.contract_share)
        self.contract[contracted] = index
        revenue = (
            np.array([c.revenue_per_mu for c in self.params.farming.crops.in_order()])[hh.crop] * hh.levels.farm_prices
        )
        scale = float((hh.land * revenue * hh.productivity)[contracted].sum())
        enterprise = LeadingEnterprise(model, index, terms, scale, self.ledger)
        self.ledger.open_scalar_sector(enterprise.sector, enterprise)
        local_workers = where & (hh.labour - hh.migrants >= 1) & (self.employer < 0)
        jobs = round(terms.employees_per_million * scale / 1e6)
        candidates = np.flatnonzero(local_workers)
        hired = candidates[np.argsort(job_draw[candidates], kind="stable")[:jobs]]
        self.employer[hired] = index
        hh.enterprise_job[hired] = True
        return enterprise

    # ------------------------------------------------------------------ contracts
    def active_contracts(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Households (or those of ``rows``) whose enterprise still honours their contract."""
        contract = self.contract if rows is None else self.contract[rows]
        if all(e.active for e in self.enterprises):  # the usual case: a contract is live if it exists
            return contract >= 0
        alive = np.array([e.active for e in self.enterprises] + [False])
        return alive[contract]  # index -1 picks the trailing False

    def publish_contracts(self, context: MonthContext) -> None:
        """Publish in the month's context who can borrow against a contract this month (the credit market reads it)."""
        context.order_financed = self.active_contracts() & self.terms.order_financing

    # ------------------------------------------------------------------ harvest sales
    def sell_harvest(self, context: MonthContext, rows: np.ndarray, spot_value: np.ndarray) -> None:
        """Route each harvest to the enterprise, the cooperative or the spot market, and pay the farmers."""
        hh = self.households
        trust_draw = context.streams.side_selling.random(hh.n)  # full length every month
        price, month = context.prices.index, context.month
        self.month_stats = dict.fromkeys(("side_selling", "joint_liability", "purchases"), 0.0)
        rows, spot_value = self.offer_storage(context, rows, spot_value)
        if rows.size == 0:
            return
        spot = price[hh.crop[rows]]
        contracted = self.active_contracts(rows)
        # the technical services the enterprise pays for raise contracted farmers' yields
        gain = np.array([e.terms.yield_gain for e in self.enterprises] + [0.0])[self.contract[rows]]
        spot_value = spot_value * (1.0 + gain * contracted)
        # a contract whose enterprise failed: the services' gain is income lost to the enterprise's failure
        lapsed = (self.contract[rows] >= 0) & ~contracted
        hh.record_loss(ENTERPRISE_LOSS, spot_value[lapsed] * gain[lapsed], rows[lapsed])
        proceeds = spot_value.copy()
        if contracted.any():
            contracted = self.side_sell(rows, contracted, spot, trust_draw)
            proceeds = self.buy_under_contract(rows, contracted, spot, spot_value, month)
        member = self.coops.is_member[rows]
        via_coop = member & ~contracted
        # members' produce fetches a better price through joint marketing
        proceeds = np.where(via_coop, spot_value * (1.0 + self.terms.cooperatives.marketing_margin), proceeds)
        market = ~contracted
        self.ledger.pay(
            "produce_sales", REST_OF_WORLD, HOUSEHOLDS, proceeds[market & ~member], payee_rows=rows[market & ~member]
        )
        self.ledger.pay(
            "produce_sales",
            REST_OF_WORLD,
            COOPERATIVES,
            proceeds[via_coop],
            payee_rows=self.coops.of_household[rows[via_coop]],
        )
        self.pay_members(rows[via_coop], proceeds[via_coop])
        hh.receive_sales(rows, proceeds)

    def offer_storage(
        self, context: MonthContext, rows: np.ndarray, spot_value: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The storage choice at harvest: a product lending against stored produce may keep harvests back.

        Each loan product with an ``at_harvest`` rule (a warehouse receipt) is offered this
        month's harvests that no live contract claims, every month (it also sells what was
        stored earlier). A stored harvest counts as the household's income at its harvest value
        now (the value of what it produced; its later sale adds only the price change, less the
        storage cost), though no money changes hands yet. Returns the harvests left to sell and
        their value.
        """
        stored = np.zeros(rows.size, bool)
        free = ~self.active_contracts(rows)
        for product in LOAN_PRODUCTS:
            if product.at_harvest is not None:
                stored |= product.at_harvest(self.credit, context, rows, spot_value, free & ~stored)
        if not stored.any():
            return rows, spot_value
        self.households.receive_sales(rows[stored], spot_value[stored])
        return rows[~stored], spot_value[~stored]

    def side_sell(self, rows: np.ndarray, contracted: np.ndarray, spot: np.ndarray, trust_draw: np.ndarray):
        """When spot beats the contract price by the threshold, some contracted farmers side-sell.

        They sell on the spot market and lose their contract (the enterprise's penalty);
        the others keep it with chance ``side_selling_trust``.
        """
        contract_price = np.ones(rows.size)
        for enterprise in self.enterprises:
            mine = self.contract[rows] == enterprise.index
            contract_price[mine] = enterprise.contract_price(spot[mine])
        tempted = contracted & (spot > contract_price * (1.0 + self.terms.side_selling_threshold))
        defects = tempted & (trust_draw[rows] >= self.terms.side_selling_trust)
        self.contract[rows[defects]] = -1
        self.month_stats["side_selling"] = float(defects.sum())
        return contracted & ~defects

    def buy_under_contract(self, rows, contracted, spot, spot_value, month) -> np.ndarray:
        """Enterprises buy contracted produce at the contract price, deducting order-financing loans first.

        Returns what each harvesting household is paid (gross of deductions).
        """
        proceeds = spot_value.copy()
        for enterprise in self.enterprises:
            mine = contracted & (self.contract[rows] == enterprise.index)
            if not mine.any():
                continue
            volume = spot_value[mine] / spot[mine]  # produce valued at price index 1
            payment = volume * enterprise.contract_price(spot[mine])
            weighted_index = float(np.sum(volume * spot[mine]) / max(volume.sum(), 1e-9))
            if enterprise.cash + enterprise.output_value(float(volume.sum()), weighted_index) < payment.sum():
                # it cannot pay its contracts: it defaults and these farmers sell at spot instead
                self.fail(enterprise, month)
                contracted[mine] = False
                continue
            enterprise.sell_output(float(volume.sum()), weighted_index)
            proceeds[mine] = payment
            net = self.credit.deduct_chain_repayments(rows[mine], payment, enterprise.sector)
            members = self.coops.is_member[rows[mine]]
            self.ledger.pay(
                "contract_purchases", enterprise.sector, HOUSEHOLDS, net[~members], payee_rows=rows[mine][~members]
            )
            self.ledger.pay(
                "contract_purchases",
                enterprise.sector,
                COOPERATIVES,
                net[members],
                payee_rows=self.coops.of_household[rows[mine][members]],
            )
            self.pay_members(rows[mine][members], net[members])
            enterprise.purchases_month += float(payment.sum())
            self.month_stats["purchases"] += float(payment.sum())
        return proceeds

    def pay_members(self, members: np.ndarray, proceeds: np.ndarray) -> None:
        """The cooperative passes members' sales on, less its fee and their input credit.

        Joint liability covers what a member cannot repay.
        """
        if members.size == 0:
            return
        coops, terms = self.coops, self.terms.cooperatives
        fee = proceeds * terms.service_fee
        owed = coops.owed_by_member[members]
        recovered = np.minimum(owed, np.maximum(proceeds - fee, 0.0))
        coops.owed_by_member[members] -= recovered
        self.ledger.pay(
            "cooperative_payouts",
            COOPERATIVES,
            HOUSEHOLDS,
            proceeds - fee - recovered,
            payer_rows=coops.of_household[members],
            payee_rows=members,
        )
        short = owed - recovered
        behind = short > 1e-6
        self.month_stats["joint_liability"] += coops.share_shortfall(
            members[behind], short[behind], self.households, self.ledger
        )

    # ------------------------------------------------------------------ the rest of the month
    def pay_wages(self, context: MonthContext) -> None:
        """Enterprises pay their local workers (a failed enterprise pays nobody)."""
        hh = self.households
        for enterprise in self.enterprises:
            workers = np.flatnonzero(self.employer == enterprise.index)
            if workers.size == 0:
                continue
            wage = np.full(workers.size, enterprise.terms.wage * hh.levels.wages)
            if not enterprise.active:  # its former workers lose the wage
                hh.record_loss(ENTERPRISE_LOSS, wage, workers)
                continue
            self.ledger.pay("enterprise_wages", enterprise.sector, HOUSEHOLDS, wage, payee_rows=workers)
            hh.book_income("wage", wage, workers)

    def fail(self, enterprise: LeadingEnterprise, month: int) -> None:
        """Default: contracts and jobs lapse from next month; its loans become non-performing now."""
        if not enterprise.active:
            return
        enterprise.fail(month)
        self.households.enterprise_job[self.employer == enterprise.index] = False
        book = self.book
        loans = book.rows_with(ACTIVE)
        loans = loans[(book.borrower_kind[loans] == ENTERPRISE) & (book.borrower[loans] == enterprise.index)]
        book.status[loans] = NONPERFORMING
        book.default_month[loans] = month
        self.credit.count_defaults(loans)
        self.month_stats["enterprise_defaults"] = self.month_stats.get("enterprise_defaults", 0.0) + 1.0

    def cash_of(self, kind: int) -> np.ndarray:
        """Cash each cooperative, or each enterprise, can pay its loans with (a failed enterprise pays nothing)."""
        if kind == COOPERATIVE:
            return self.coops.cash
        return np.array([e.cash if e.active else 0.0 for e in self.enterprises])

    def service_institutions(self, context: MonthContext) -> None:
        """Cooperatives and enterprises pay their loans from their cash; overheads; failures."""
        book, month, year = self.book, context.month, context.year
        for kind in (COOPERATIVE, ENTERPRISE):
            due = book.due_this_month(month, kind=kind)
            if due.rows.size == 0:
                continue
            borrower = book.borrower[due.rows]
            cash = np.maximum(self.cash_of(kind), 0.0)
            owed = np.bincount(borrower, weights=due.total, minlength=cash.size)
            share = np.divide(np.minimum(cash, owed), owed, out=np.zeros(cash.size), where=owed > 0)
            paid = due.total * share[borrower]
            for bank in self.credit.banks:
                mine = book.bank[due.rows] == bank.index
                self.pay_loans(kind, borrower[mine], paid[mine], bank.sector)
                interest = np.minimum(paid[mine], due.interest[mine])
                self.credit.interest_received_early[bank.index] += float(interest.sum())
            defaults = book.apply_payments(due, paid, self.params.credit.default_days, month)
            self.credit.count_defaults(defaults)
        for enterprise in self.enterprises:
            if not enterprise.active:
                continue
            enterprise.pay_overheads()
            enterprise.pay_technical_services()
            forced = enterprise.terms.fail_year > 0 and year == enterprise.terms.fail_year
            if enterprise.cash < 0 or forced:
                self.fail(enterprise, month)

    # ------------------------------------------------------------------ institutional credit
    def lend(self, context: MonthContext) -> None:
        """Enterprises borrow working capital each January; cooperatives borrow to supply members' inputs."""
        if not self.enabled:
            return
        month, month_of_year = context.month, context.month_of_year
        if month_of_year == 1:
            self.coops.liability_paid_year[:] = 0.0  # the joint-liability cap is per year
            for enterprise in self.enterprises:
                amount = enterprise.terms.working_capital_share * enterprise.scale
                if enterprise.active and amount > 0:
                    self.open_loan(
                        ENTERPRISE, np.array([enterprise.index]), np.array([amount]), 13, month, enterprise.sector
                    )
        if self.terms.cooperatives.input_credit:
            self.lend_inputs(month, month_of_year)

    def lend_inputs(self, month: int, month_of_year: int) -> None:
        """Members short of cash for next month's planting get inputs on credit from their cooperative.

        The cooperative borrows the total from the bank until harvest and recovers each
        member's credit from the member's sales.
        """
        hh, coops = self.households, self.coops
        crops = self.params.farming.crops.in_order()
        plant_of = np.array([c.plant_month for c in crops])
        harvest_of = np.array([c.harvest_month for c in crops])
        soon = (plant_of - month_of_year) % 12 == 1
        if not soon.any():  # no crop is planted next month
            return
        rows = np.flatnonzero(soon[hh.crop] & coops.is_member & hh.farms_own_land)
        gap = np.maximum(hh.input_bill(rows) - np.maximum(hh.cash[rows] - hh.subsistence(rows), 0.0), 0.0)
        short = gap > 0
        members, gap = rows[short], gap[short]
        if members.size == 0:
            return
        need = np.bincount(coops.of_household[members], weights=gap, minlength=coops.n)
        product = self.credit.terms[COOP_PRODUCT]
        borrowing = np.flatnonzero(need >= product.min_amount)
        if borrowing.size == 0:
            return
        # until the harvest that follows the coming planting
        plant, harvest = plant_of[hh.crop[members]], harvest_of[hh.crop[members]]
        term = ((plant - month_of_year) % 12 + (harvest - plant) % 12).max() + 1
        self.open_loan(COOPERATIVE, borrowing, np.minimum(need[borrowing], product.ceiling), term, month, COOPERATIVES)
        served = np.isin(coops.of_household[members], borrowing)
        self.ledger.pay(
            "cooperative_input_credit",
            COOPERATIVES,
            HOUSEHOLDS,
            gap[served],
            payer_rows=coops.of_household[members[served]],
            payee_rows=members[served],
        )
        coops.owed_by_member[members[served]] += gap[served]

    def open_loan(
        self, kind: int, borrowers: np.ndarray, amounts: np.ndarray, term: int, month: int, payee: str
    ) -> None:
        """Book and pay out loans to cooperatives or enterprises (from the first bank)."""
        book, bank = self.book, self.credit.banks[0]
        product = COOP_PRODUCT if kind == COOPERATIVE else ENTERPRISE_PRODUCT
        terms = self.credit.terms[product]
        guarantor = self.credit.waterfall.guarantor
        covered = guarantor is not None and PRODUCTS[product] in self.params.guarantee.products
        count = borrowers.size
        rows = book.add(
            borrower_kind=np.full(count, kind),
            borrower=borrowers,
            bank=np.zeros(count, np.int8),
            product=np.full(count, product),
            principal=amounts,
            rate=np.full(count, terms.rate),
            subsidy_share=np.full(count, terms.interest_subsidy_share),
            term=np.full(count, term),
            repayment=np.full(count, BULLET),
            purpose=np.full(count, WORKING_CAPITAL),
            start=np.full(count, month),
            status=np.full(count, PENDING),
            guaranteed=np.full(count, covered and guarantor.room() > amounts.sum()),
        )
        book.disburse(rows, month)
        self.credit.count_guaranteed(rows)
        if kind == COOPERATIVE:
            self.ledger.pay("loan_disbursement", bank.sector, COOPERATIVES, amounts, payee_rows=borrowers)
        else:
            self.ledger.pay("loan_disbursement", bank.sector, payee, float(amounts.sum()))

    # ------------------------------------------------------------------ outcomes
    def measure(self) -> dict[str, float]:
        """Value-chain outcomes of the month."""
        hh, book = self.households, self.book
        farming = max(int(hh.farms_own_land.sum()), 1)
        contracts = np.flatnonzero(self.active_contracts())
        live = book.rows_with(ACTIVE, NONPERFORMING)
        coop_loans = live[book.borrower_kind[live] == COOPERATIVE]
        income = hh.income_pc_of(contracts)
        return {
            "contract_share": float(contracts.size / farming),
            "contracted_income_pc": float(income.mean()) if contracts.size else 0.0,
            "enterprise_defaults": self.month_stats.get("enterprise_defaults", 0.0),
            "enterprises_active": float(sum(e.active for e in self.enterprises)),
            "enterprise_cash": float(sum(e.cash for e in self.enterprises)),
            "coop_loans_outstanding": float(book.balance[coop_loans].sum()),
            "side_selling": self.month_stats.get("side_selling", 0.0),
            "joint_liability_paid": self.month_stats.get("joint_liability", 0.0),
            "contract_purchases": self.month_stats.get("purchases", 0.0),
        }

    def pay_loans(self, kind: int, borrowers: np.ndarray, amounts: np.ndarray, bank_sector: str) -> None:
        """Loan payments of cooperatives or enterprises to a bank."""
        if kind == COOPERATIVE:
            self.ledger.pay("loan_payments", COOPERATIVES, bank_sector, amounts, payer_rows=borrowers)
        else:
            for index, amount in zip(borrowers, amounts, strict=True):
                self.ledger.pay("loan_payments", self.enterprises[index].sector, bank_sector, float(amount))
