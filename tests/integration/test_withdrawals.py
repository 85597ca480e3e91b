"""Withdrawals on a real database (SQLite and PostgreSQL): acceptance by the rules, maker-checker
with a second approver above the threshold, payment through the bank port (paid on success, back
to the counter on failure), closing with interest, frozen accounts, idempotent replay, and the
concurrent double withdrawal of reliability.md C1."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date

import pytest

from anju.batch.runner import run_job
from anju.batch.withdrawal_agreements import JOB as AGREEMENT_JOB
from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.domain.withdrawals import WithdrawalRuleViolation, required_materials
from anju.errors import AnjuError, Conflict, PermissionDenied
from anju.ledger import posting_rules
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import GL
from anju.money import Money
from anju.reports.withdrawals import render_withdrawal_receipt
from anju.services import bank, data_sharing
from anju.services import withdrawal_agreements as agreements
from anju.services import withdrawals as svc
from anju.services.ledger import check_ledger
from anju.services.members import freeze_member, get_member_account
from anju.services.policy import policy_in_force
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run
from anju.services.withdrawal_ports import WithdrawalState
from tests.integration.collection_helpers import DAY, Centre, open_member, register, seed

CARD = "6222020200001234567"
FINANCE = Actor(username="finance1", roles=frozenset({Role.FINANCE}), operator_id=300, all_branches=True)


@dataclass
class World:
    centre: Centre
    clerk: Actor
    reviewer: Actor
    approver: Actor
    approver2: Actor
    account_no: str
    ledger_no: str
    unit_no: str

    @property
    def container(self) -> Container:
        return self.centre.container

    def go(self, fn):  # type: ignore[no-untyped-def]
        return run(self.container.uow, fn)

    def look(self, fn):  # type: ignore[no-untyped-def]
        return read(self.container.uow, fn)

    def balance(self) -> Money:
        return self.look(lambda uow: uow.ledger.balance(self.ledger_no))


def collection_ledger(uow: UnitOfWork) -> str:
    account = next(
        a for a in uow.org.list_centre_bank_accounts() if a.purpose == "collection" and a.bank_code == "102"
    )
    assert account.ledger_account_no is not None
    return account.ledger_account_no


def fund(
    world: World, amount: Money, ref: str = "F1", value_date: date = DAY, ledger_no: str | None = None
) -> None:
    def body(uow: UnitOfWork) -> None:
        draft = posting_rules.remittance_credit(
            source="test",
            source_ref=ref,
            bank=AccountRef.ledger(collection_ledger(uow)),
            credits=[(ledger_no or world.ledger_no, amount)],
            business_date=DAY,
            value_date=value_date,
            memo="单位汇缴",
        )
        uow.ledger.post(draft, created_by="test", branch_id=None)

    world.go(body)


@pytest.fixture
def world(container: Container) -> World:
    centre = seed(container)
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 1)
    opened = open_member(centre, clerk, unit.unit_account_no, 1, bank_card=CARD, bank_code="102")
    w = World(
        centre,
        clerk,
        centre.staff(Role.REVIEWER, "reviewer1"),
        centre.staff(Role.APPROVER, "approver1"),
        centre.staff(Role.APPROVER, "approver2"),
        opened.account.account_no,
        opened.account.ledger_account_no,
        unit.unit_account_no,
    )
    fund(w, Money.of("50000.00"))
    return w


def materials(world: World, code: str) -> frozenset[str]:
    def body(uow: UnitOfWork) -> frozenset[str]:
        policy = policy_in_force(uow, DAY).withdrawal
        return frozenset(required_materials(policy, policy.reason(code)))

    return world.look(body)


def purchase(world: World, amount: str | None = "20000.00", **kw: object) -> svc.WithdrawalRequest:
    values: dict[str, object] = {
        "account_no": world.account_no,
        "reason_code": "01",
        "amount": Money.of(amount) if amount else None,
        "materials": materials(world, "01"),
        "event_date": date(2026, 10, 1),
        "cost": Money.of("300000.00"),
        "property_ref": "豫(2026)安居市不动产权第0001号",
    }
    values.update(kw)
    return svc.WithdrawalRequest(**values)  # type: ignore[arg-type]


def submit(world: World, req: svc.WithdrawalRequest, key: str = "K1") -> svc.WithdrawalView:
    return world.go(lambda uow: svc.submit_withdrawal(uow, world.clerk, req, source_ref=key))


def decide(world: World, actor: Actor, no: str, action: str, reason: str | None = None) -> svc.WithdrawalView:
    return world.go(lambda uow: svc.decide_withdrawal(uow, actor, no, action, reason))


def approve(world: World, no: str) -> svc.WithdrawalView:
    decide(world, world.reviewer, no, "review")
    return decide(world, world.approver, no, "approve")


def settle(world: World, e2e_id: str, *, ok: bool = True) -> None:
    def body(uow: UnitOfWork) -> None:
        record = uow.bank.instruction(e2e_id)
        assert record is not None
        if ok:
            bank.settle_success(uow, FINANCE, record, host_serial="H" + e2e_id[-8:], code="0", message="成功")
        else:
            bank.settle_failure(uow, FINANCE, record, code="1", message="户名不符")

    world.go(body)


def in_transit(world: World) -> Money:
    return world.look(
        lambda uow: uow.ledger.balance(uow.ledger.single_account(GL.PAYMENTS_IN_TRANSIT).account_no)
    )


def assert_books_balance(world: World) -> None:
    report = world.look(check_ledger)
    assert report.ok, report.problems


def test_a_purchase_withdrawal_goes_through_maker_checker_and_is_paid(world: World) -> None:
    accepted = submit(world, purchase(world))
    assert accepted.state == WithdrawalState.ACCEPTED
    assert accepted.amount == Money.of("20000.00")
    assert all(o.passed for o in accepted.outcomes)
    assert {o.code for o in accepted.outcomes} >= {"account_not_frozen", "materials_complete", "amount_limit"}
    # Nothing has moved yet; the maker cannot check their own work.
    assert world.balance() == Money.of("50000.00")
    with pytest.raises(PermissionDenied):
        decide(
            world,
            replace(world.clerk, roles=frozenset({Role.COUNTER_CLERK, Role.REVIEWER})),
            accepted.withdrawal_no,
            "review",
        )
    reviewed = decide(world, world.reviewer, accepted.withdrawal_no, "review")
    assert reviewed.state == WithdrawalState.REVIEWED
    with pytest.raises(PermissionDenied):  # the checker cannot approve too
        decide(
            world,
            replace(world.reviewer, roles=frozenset({Role.APPROVER})),
            accepted.withdrawal_no,
            "approve",
        )
    paying = decide(world, world.approver, accepted.withdrawal_no, "approve")
    assert paying.state == WithdrawalState.PAYING
    assert paying.e2e_id
    # Out of the member's account into payments in transit (ADR 0010).
    assert world.balance() == Money.of("30000.00")
    assert in_transit(world) == Money.of("20000.00")
    settle(world, paying.e2e_id)
    done = world.look(lambda uow: svc.get_withdrawal(uow, world.clerk, accepted.withdrawal_no))
    assert done.state == WithdrawalState.PAID
    assert done.paid_on == DAY
    assert done.case is not None and done.case.state == "done"
    assert in_transit(world) == Money.ZERO
    statement = world.look(lambda uow: uow.ledger.statement(world.ledger_no))
    assert [line.business_type for line in statement][-1] == "11"
    assert_books_balance(world)


def test_a_refusal_names_every_failed_rule_in_chinese(world: World) -> None:
    req = purchase(
        world, amount="400000.00", materials=frozenset({"申请人身份证件"}), event_date=date(2020, 1, 1)
    )
    with pytest.raises(WithdrawalRuleViolation) as caught:
        submit(world, req)
    assert caught.value.code == "withdrawal_refused"
    text = caught.value.details["rules"]
    assert "缺少申请材料" in text and "个月内申请" in text and "超过该事项限额" in text
    codes = set(caught.value.details["codes"].split(","))
    assert codes == {"materials_complete", "event_window", "amount_limit", "balance_available"}
    assert world.look(lambda uow: svc.list_withdrawals(uow, world.clerk)).total == 0


def test_above_the_threshold_a_second_approver_is_needed(world: World) -> None:
    fund(world, Money.of("300000.00"), "F2")
    accepted = submit(world, purchase(world, amount="250000.00"))
    approved = approve(world, accepted.withdrawal_no)
    assert approved.state == WithdrawalState.APPROVED  # waits for the second approver; nothing paid
    assert world.balance() == Money.of("350000.00")
    with pytest.raises(PermissionDenied):
        decide(world, world.approver, accepted.withdrawal_no, "second_approve")
    paying = decide(world, world.approver2, accepted.withdrawal_no, "second_approve")
    assert paying.state == WithdrawalState.PAYING
    assert world.balance() == Money.of("100000.00")


def test_a_failed_payment_returns_the_money_and_the_case_to_the_counter(world: World) -> None:
    accepted = submit(world, purchase(world))
    paying = approve(world, accepted.withdrawal_no)
    settle(world, paying.e2e_id or "", ok=False)
    failed = world.look(lambda uow: svc.get_withdrawal(uow, world.clerk, accepted.withdrawal_no))
    assert failed.state == WithdrawalState.PAYMENT_FAILED
    assert "户名不符" in (failed.note or "")
    assert world.balance() == Money.of("50000.00")  # the submission voucher was reversed
    assert in_transit(world) == Money.ZERO
    again = world.go(
        lambda uow: svc.pay_again(uow, world.clerk, accepted.withdrawal_no, payee_card="6217000010001234561")
    )
    assert again.state == WithdrawalState.PAYING
    assert again.e2e_id != paying.e2e_id
    assert again.payee_card_masked.endswith("4561")
    settle(world, again.e2e_id or "")
    assert (
        world.look(lambda uow: svc.get_withdrawal(uow, world.clerk, accepted.withdrawal_no)).state == "paid"
    )
    assert world.balance() == Money.of("30000.00")
    assert_books_balance(world)


def test_retirement_closes_the_account_and_pays_the_interest(world: World) -> None:
    # 10,000.00 back-valued 30 days: 10,000.00 × 30 × 1.50 % / 360 = 12.50 of closing interest
    # (the 50,000.00 credited today has not earned a day yet).
    fund(world, Money.of("10000.00"), "F2", value_date=date(2026, 10, 24))
    colleague = open_member(world.centre, world.clerk, world.unit_no, 2, name="李四")
    fund(world, Money.of("1000.00"), "F3", ledger_no=colleague.account.ledger_account_no)
    req = svc.WithdrawalRequest(
        account_no=world.account_no, reason_code="03", materials=materials(world, "03")
    )
    accepted = submit(world, req)
    assert accepted.closes_account and accepted.amount == Money.of("60000.00")
    paying = approve(world, accepted.withdrawal_no)
    assert paying.state == WithdrawalState.PAYING
    assert paying.amount == Money.of("60000.00")
    assert paying.interest == Money.of("12.50")
    assert paying.total == Money.of("60012.50")
    assert in_transit(world) == Money.of("60012.50")
    assert world.balance() == Money.ZERO
    account = world.look(lambda uow: get_member_account(uow, world.clerk, world.account_no))
    assert account.status == "05"
    settle(world, paying.e2e_id or "")
    assert (
        world.look(lambda uow: svc.get_withdrawal(uow, world.clerk, accepted.withdrawal_no)).state == "paid"
    )
    statement = world.look(lambda uow: uow.ledger.statement(world.ledger_no))
    assert statement[-1].business_type == "12"
    assert_books_balance(world)


def test_a_frozen_account_cannot_withdraw(world: World) -> None:
    world.go(lambda uow: freeze_member(uow, world.clerk, world.account_no, "（2026）豫0102执123号"))
    with pytest.raises(WithdrawalRuleViolation) as caught:
        submit(world, purchase(world))
    assert "account_not_frozen" in caught.value.details["codes"]
    assert "冻结" in caught.value.details["rules"]


def test_a_replayed_submission_returns_the_first_and_a_changed_one_conflicts(world: World) -> None:
    first = submit(world, purchase(world), key="same")
    again = submit(world, purchase(world), key="same")
    assert again.withdrawal_no == first.withdrawal_no
    assert world.look(lambda uow: svc.list_withdrawals(uow, world.clerk)).total == 1
    with pytest.raises(Conflict):
        submit(world, purchase(world, amount="100.00"), key="same")


def test_open_withdrawals_earmark_the_balance(world: World) -> None:
    submit(world, purchase(world, amount="30000.00"), key="a")
    with pytest.raises(WithdrawalRuleViolation) as caught:
        submit(world, purchase(world, amount="30000.00", property_ref="另一套房"), key="b")
    assert "balance_available" in caught.value.details["codes"]


def c1_round(world: World, round_no: int, threads_n: int, amount: Money) -> list[object]:
    """N submissions of `amount` released together by a barrier, each with its own key."""
    barrier = threading.Barrier(threads_n)
    results: list[object] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        req = svc.WithdrawalRequest(
            account_no=world.account_no, reason_code="99", amount=amount, materials=materials(world, "99")
        )
        barrier.wait()
        try:
            outcome: object = submit(world, req, key=f"c1-{round_no}-{i}")
        except AnjuError as exc:
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_c1_concurrent_full_withdrawals_exactly_one_succeeds(world: World) -> None:
    """reliability.md C1: N requests behind a barrier each ask for the whole balance (all a partial
    withdrawal may take), with distinct idempotency keys; several rounds."""
    threads_n, rounds = 10, 3
    keep = Money.of("10.00")
    for round_no in range(rounds):
        results = c1_round(world, round_no, threads_n, world.balance() - keep)
        accepted = [r for r in results if isinstance(r, svc.WithdrawalView)]
        refused = [r for r in results if isinstance(r, AnjuError)]
        assert len(accepted) == 1, results
        assert len(refused) == threads_n - 1
        assert all(
            isinstance(r, Conflict) or "balance_available" in str(getattr(r, "details", {}).get("codes", ""))
            for r in refused
        )
        paying = approve(world, accepted[0].withdrawal_no)
        settle(world, paying.e2e_id or "")
        assert world.balance() == keep  # never below the floor, never negative
        assert_books_balance(world)
        fund(world, Money.of("20000.00"), f"C1-{round_no}")


def test_reason_configuration_lists_every_reason_with_its_source(world: World) -> None:
    items = world.look(lambda uow: svc.reasons(uow, world.clerk))
    codes = [r.code for r in items]
    assert {"01", "02", "03", "04", "05", "06", "07", "08", "09", "99", "L1", "L3", "L5", "L7"} <= set(codes)
    retirement = next(r for r in items if r.code == "03")
    assert retirement.closes_account and "条例" in retirement.source
    assert "单位出具的提取证明" in retirement.materials


# --- data sharing and automatic approval (秒批) ----------------------------------------------------


def fixture_member(world: World, n: int, birth: str, amount: str = "50000.00") -> tuple[str, str]:
    """A member who is one of the data-sharing simulator's fixture persons."""
    opened = open_member(
        world.centre, world.clerk, world.unit_no, n, birth=birth, bank_card=CARD, bank_code="102"
    )
    fund(world, Money.of(amount), f"F-{birth}-{n}", ledger_no=opened.account.ledger_account_no)
    return opened.account.account_no, opened.account.ledger_account_no


def consent(world: World, account_no: str, scopes: set[str], expires: date = date(2027, 11, 23)) -> int:
    view = world.go(
        lambda uow: data_sharing.record_consent(
            uow,
            world.clerk,
            account_no,
            scopes=frozenset(scopes),
            expires_on=expires,
            document_ref="授权书-001",
        )
    )
    return view.id


def lookups(world: World, account_no: str) -> list[tuple[str, str]]:
    def body(uow: UnitOfWork) -> list[tuple[str, str]]:
        account = uow.members.account(account_no)
        assert account is not None
        return [(x.registry, x.outcome) for x in uow.withdrawals.lookups(account.member_id)]

    return world.look(body)


def auto_purchase(world: World, account_no: str, **kw: object) -> svc.WithdrawalRequest:
    values: dict[str, object] = {
        "account_no": account_no,
        "reason_code": "01",
        "amount": Money.of("20000.00"),
        "materials": materials(world, "01"),
    }
    values.update(kw)
    return svc.WithdrawalRequest(**values)  # type: ignore[arg-type]


def test_registries_prove_a_purchase_and_it_is_approved_at_once(world: World) -> None:
    account_no, ledger_no = fixture_member(world, 1, "19850101")
    consent(world, account_no, {"property", "marriage"})
    view = world.go(
        lambda uow: svc.submit_with_data_sharing(
            uow, world.clerk, auto_purchase(world, account_no), source_ref="A1"
        )
    )
    assert view.auto_approved is True
    assert view.state == WithdrawalState.PAYING
    assert view.limit == Money.of("400000.00")  # price 1,200,000 − loan 800,000, from the registry
    assert view.case is not None
    assert (view.case.maker, view.case.checker, view.case.approver) == (
        world.clerk.username,
        "system:auto_review",
        "system:auto_approve",
    )
    assert world.look(lambda uow: uow.ledger.balance(ledger_no)) == Money.of("30000.00")
    assert lookups(world, account_no) == [("property", "found")]  # only what the reason needs


def test_without_authorisation_nothing_is_looked_up_and_a_person_decides(world: World) -> None:
    account_no, _ = fixture_member(world, 1, "19850101")
    consent(world, account_no, {"marriage"})  # out of scope for a purchase
    typed = auto_purchase(
        world,
        account_no,
        event_date=date(2026, 10, 1),
        cost=Money.of("300000.00"),
        property_ref="豫(2026)安居市不动产权第0100001号",
    )
    view = world.go(lambda uow: svc.submit_with_data_sharing(uow, world.clerk, typed, source_ref="A2"))
    assert view.auto_approved is False
    assert view.state == WithdrawalState.ACCEPTED
    assert lookups(world, account_no) == [("property", "refused")]  # refused, and logged


def test_an_expired_or_revoked_authorisation_does_not_allow_a_look_up(world: World) -> None:
    account_no, _ = fixture_member(world, 1, "19850101")
    consent_id = consent(world, account_no, {"property"})
    world.go(lambda uow: data_sharing.revoke_consent(uow, world.clerk, account_no, consent_id))
    world.go(lambda uow: data_sharing.lookup(uow, world.clerk, account_no, ("property",), "测试"))
    with pytest.raises(AnjuError) as caught:
        consent(world, account_no, {"property"}, expires=date(2026, 11, 1))
    assert caught.value.code == "data_sharing_consent_invalid"
    assert lookups(world, account_no) == [("property", "refused")]


def test_a_retiree_proved_by_social_security_is_paid_and_closed_at_once(world: World) -> None:
    account_no, ledger_no = fixture_member(world, 3, "19600101")
    consent(world, account_no, {"social_security"})
    req = svc.WithdrawalRequest(account_no=account_no, reason_code="03", materials=materials(world, "03"))
    view = world.go(lambda uow: svc.submit_with_data_sharing(uow, world.clerk, req, source_ref="A3"))
    assert view.auto_approved and view.closes_account
    assert view.state == WithdrawalState.PAYING
    assert world.look(lambda uow: get_member_account(uow, world.clerk, account_no)).status == "05"
    assert world.look(lambda uow: uow.ledger.balance(ledger_no)) == Money.ZERO


# --- recurring withdrawals by agreement (约定提取) ---------------------------------------------------


def test_a_rent_agreement_withdraws_each_due_period_once(world: World) -> None:
    req = svc.WithdrawalRequest(
        account_no=world.account_no,
        reason_code="L2",  # public rental housing: the actual rent
        amount=Money.of("1500.00"),
        materials=materials(world, "L2"),
        monthly_rent=Money.of("1500.00"),
    )
    agreement = world.go(
        lambda uow: agreements.create_agreement(uow, world.clerk, req, period_months=1, first_due=DAY)
    )
    assert agreement.state == "pending"
    # Not due before an approver (other than its maker) approves it.
    early = run_job(world.container.uow, AGREEMENT_JOB, DAY, actor=Actor.system("test"), params={"try": "0"})
    assert early.run.done_items == 0
    with pytest.raises(PermissionDenied):
        world.go(
            lambda uow: agreements.approve_agreement(
                uow, replace(world.clerk, roles=frozenset({Role.APPROVER})), agreement.agreement_no
            )
        )
    world.go(lambda uow: agreements.approve_agreement(uow, world.approver, agreement.agreement_no))

    report = run_job(world.container.uow, AGREEMENT_JOB, DAY, actor=Actor.system("test"))
    assert (report.run.state, report.run.done_items, report.run.failed_items) == ("succeeded", 1, 0)
    page = world.look(lambda uow: svc.list_withdrawals(uow, world.clerk))
    assert page.total == 1
    paid = page.items[0]
    assert (paid.state, paid.amount, paid.reason_code) == (WithdrawalState.PAYING, Money.of("1500.00"), "L2")
    assert world.balance() == Money.of("48500.00")
    after = world.look(lambda uow: agreements.agreements_of(uow, world.clerk, world.account_no))[0]
    assert after.next_due == date(2026, 12, 23)
    # Run again the same day: nothing is due any more, nothing is withdrawn twice.
    again = run_job(
        world.container.uow, AGREEMENT_JOB, DAY, actor=Actor.system("test"), params={"rerun": "1"}
    )
    assert again.run.done_items == 0
    assert world.look(lambda uow: svc.list_withdrawals(uow, world.clerk)).total == 1


def test_an_agreement_for_another_reason_is_refused(world: World) -> None:
    req = svc.WithdrawalRequest(account_no=world.account_no, reason_code="01", amount=Money.of("100.00"))
    with pytest.raises(WithdrawalRuleViolation) as caught:
        world.go(
            lambda uow: agreements.create_agreement(uow, world.clerk, req, period_months=1, first_due=DAY)
        )
    assert caught.value.code == "withdrawal_agreement_invalid"


def test_a_closing_payment_that_fails_waits_in_pending_payments_and_is_paid_again(world: World) -> None:
    colleague = open_member(world.centre, world.clerk, world.unit_no, 2, name="李四")
    fund(world, Money.of("1000.00"), "F3", ledger_no=colleague.account.ledger_account_no)
    req = svc.WithdrawalRequest(
        account_no=world.account_no, reason_code="03", materials=materials(world, "03")
    )
    accepted = submit(world, req)
    paying = approve(world, accepted.withdrawal_no)
    settle(world, paying.e2e_id or "", ok=False)
    pending = world.look(
        lambda uow: uow.ledger.balance(uow.ledger.single_account(GL.PENDING_REFUNDS).account_no)
    )
    assert pending == Money.of("50000.00")  # the account stays closed; the money waits for the bank
    assert world.balance() == Money.ZERO
    again = world.go(lambda uow: svc.pay_again(uow, world.clerk, accepted.withdrawal_no))
    assert again.state == WithdrawalState.PAYING and again.amount == Money.of("50000.00")
    settle(world, again.e2e_id or "")
    pending = world.look(
        lambda uow: uow.ledger.balance(uow.ledger.single_account(GL.PENDING_REFUNDS).account_no)
    )
    assert pending == Money.ZERO
    assert (
        world.look(lambda uow: svc.get_withdrawal(uow, world.clerk, accepted.withdrawal_no)).state == "paid"
    )
    assert_books_balance(world)


def test_a_refused_period_is_an_item_failure_and_stays_due(world: World) -> None:
    req = svc.WithdrawalRequest(
        account_no=world.account_no,
        reason_code="L2",
        amount=Money.of("1500.00"),
        materials=materials(world, "L2"),
        monthly_rent=Money.of("1500.00"),
    )
    agreement = world.go(
        lambda uow: agreements.create_agreement(uow, world.clerk, req, period_months=1, first_due=DAY)
    )
    world.go(lambda uow: agreements.approve_agreement(uow, world.approver, agreement.agreement_no))
    world.go(lambda uow: svc.add_to_blacklist(uow, world.approver, world.account_no, "骗提查实"))
    report = run_job(world.container.uow, AGREEMENT_JOB, DAY, actor=Actor.system("test"))
    assert (report.run.state, report.run.done_items, report.run.failed_items) == ("succeeded", 0, 1)
    assert world.look(lambda uow: svc.list_withdrawals(uow, world.clerk)).total == 0
    assert world.balance() == Money.of("50000.00")
    after = world.look(lambda uow: agreements.agreements_of(uow, world.clerk, world.account_no))[0]
    assert after.next_due == DAY  # still due: tried again at the next run


def test_no_closing_while_a_payment_is_at_the_bank(world: World) -> None:
    paying = approve(world, submit(world, purchase(world)).withdrawal_no)
    assert paying.state == WithdrawalState.PAYING
    closing = svc.WithdrawalRequest(
        account_no=world.account_no, reason_code="03", materials=materials(world, "03")
    )
    with pytest.raises(WithdrawalRuleViolation) as caught:
        submit(world, closing, key="K2")
    assert caught.value.details["codes"] == "no_open_withdrawal"
    settle(world, paying.e2e_id or "")
    assert submit(world, closing, key="K3").amount == Money.of("30000.00")


def test_money_goes_to_the_member_except_to_an_heir_on_death(world: World) -> None:
    with pytest.raises(WithdrawalRuleViolation) as caught:
        submit(world, purchase(world, payee_name="王五"))
    assert caught.value.code == "withdrawal_payee_not_member"
    death = svc.WithdrawalRequest(
        account_no=world.account_no,
        reason_code="08",
        materials=materials(world, "08"),
        payee_name="张小三",
        payee_card="6217000010001234561",
    )
    accepted = submit(world, death, key="heir")
    assert accepted.closes_account and accepted.payee_name_masked.startswith("张")
    assert accepted.payee_card_masked.endswith("4561")


def test_the_receipt_is_recorded_with_its_verification_code(world: World) -> None:
    accepted = submit(world, purchase(world))
    with pytest.raises(WithdrawalRuleViolation):  # nothing paid yet: no receipt
        world.go(lambda uow: svc.print_receipt(uow, world.clerk, accepted.withdrawal_no))
    paying = approve(world, accepted.withdrawal_no)
    settle(world, paying.e2e_id or "")
    printed = world.go(lambda uow: svc.print_receipt(uow, world.clerk, accepted.withdrawal_no))
    assert printed.content.total == Money.of("20000.00")
    assert "*" in printed.content.member_name_masked and printed.content.payee_card_masked.endswith("4567")
    issued = world.look(lambda uow: uow.documents.issued(printed.verification_code))
    assert issued is not None and issued.kind == "withdrawal_receipt"
    assert render_withdrawal_receipt(printed.content, world.container.crypto).startswith(b"%PDF")


def test_a_closed_account_is_reopened_when_the_person_joins_a_unit_again(world: World) -> None:
    """One account per person for life (issue 3): closed by a closing withdrawal, the same account
    comes back when the person is employed again, with a zero balance that takes contributions."""
    fund(world, Money.of("10000.00"), "F-reopen")
    req = svc.WithdrawalRequest(
        account_no=world.account_no, reason_code="03", materials=materials(world, "03")
    )
    paying = approve(world, submit(world, req).withdrawal_no)
    settle(world, paying.e2e_id or "")
    assert world.look(lambda uow: get_member_account(uow, world.clerk, world.account_no)).status == "05"

    other = register(world.centre, world.clerk, 7)
    again = open_member(world.centre, world.clerk, other.unit_account_no, 1, name="张三")
    assert again.reused
    assert again.account.account_no == world.account_no  # the same account, not a new one
    assert (again.account.status, again.account.closed_on, again.account.unit_account_no) == (
        "01",
        None,
        other.unit_account_no,
    )
    assert again.account.balance == Money.ZERO
    fund(world, Money.of("500.00"), "F-after-reopen")  # it takes money again
    assert world.balance() == Money.of("500.00")
    assert_books_balance(world)
