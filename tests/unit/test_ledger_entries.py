"""Vouchers balanced by construction, reversals, the chart as data, posting rules (pure code)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.ids import IdentifierError, LedgerAccountNo, VoucherNo
from anju.ledger import posting_rules
from anju.ledger.balances import Side, debit_credit_totals, net_change, side_of_balance, signed_fen
from anju.ledger.chart import (
    CHART,
    CHART_BY_CODE,
    AccountKind,
    Category,
    bank_deposit_account,
    bank_deposit_code,
    chart_problems,
)
from anju.ledger.entries import AccountRef, LedgerRuleViolation, Posting, VoucherDraft, reversal_of
from anju.ledger.posting_rules import GL, BusinessType
from anju.money import Money

DAY = date(2026, 11, 23)
BANK = AccountRef.gl("10101")
MEMBER_A = LedgerAccountNo.compose("410100", 1).value
MEMBER_B = LedgerAccountNo.compose("410100", 2).value
ORIGINAL_NO = VoucherNo.compose("410100", 7).value


def draft(*postings: Posting, kind: str = "test", reverses: str | None = None) -> VoucherDraft:
    return VoucherDraft("test", "ref-1", DAY, DAY, "测试", postings, kind, reverses)


def dr(amount_fen: int, account: AccountRef = BANK) -> Posting:
    return Posting(account, Side.DEBIT, Money(amount_fen))


def cr(amount_fen: int, account: AccountRef | None = None) -> Posting:
    return Posting(account or AccountRef.ledger(MEMBER_A), Side.CREDIT, Money(amount_fen))


# --- balanced by construction ------------------------------------------------------------------


def test_a_balanced_voucher_is_built_and_totals_its_debits() -> None:
    voucher = draft(dr(1500), cr(1000), cr(500, AccountRef.ledger(MEMBER_B)))
    assert voucher.total == Money(1500)
    assert len(voucher.postings) == 3


def test_an_unbalanced_voucher_cannot_be_built() -> None:
    with pytest.raises(LedgerRuleViolation) as caught:
        draft(dr(1000), cr(999))
    assert caught.value.code == "voucher_unbalanced"
    assert caught.value.details == {"debit": "10.00", "credit": "9.99"}
    assert "借方 10.00" in caught.value.message


def test_a_voucher_needs_two_postings() -> None:
    with pytest.raises(LedgerRuleViolation) as caught:
        draft(dr(1000))
    assert caught.value.code == "voucher_too_few_postings"
    with pytest.raises(LedgerRuleViolation):
        draft()


@pytest.mark.parametrize("amount_fen", [0, -1, -10000])
def test_a_posting_amount_must_be_positive(amount_fen: int) -> None:
    with pytest.raises(LedgerRuleViolation) as caught:
        Posting(BANK, Side.DEBIT, Money(amount_fen))
    assert caught.value.code == "posting_amount_not_positive"


def test_a_posting_refuses_a_bare_int_or_a_string_side() -> None:
    with pytest.raises(TypeError):
        Posting(BANK, Side.DEBIT, 100)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Posting(BANK, "D", Money(100))  # type: ignore[arg-type]


def test_postings_given_as_a_list_are_frozen_into_a_tuple() -> None:
    voucher = VoucherDraft("test", "r", DAY, DAY, "", [dr(5), cr(5)], "test")  # type: ignore[arg-type]
    assert isinstance(voucher.postings, tuple)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("source", "", "required_field"),
        ("source_ref", "   ", "required_field"),
        ("source_ref", "x" * 129, "text_too_long"),
        ("memo", "摘" * 256, "text_too_long"),
        ("kind", "", "required_field"),
    ],
)
def test_voucher_texts_are_checked(field: str, value: str, code: str) -> None:
    values = {"source": "test", "source_ref": "r", "memo": "", "kind": "test"} | {field: value}
    with pytest.raises(LedgerRuleViolation) as caught:
        VoucherDraft(
            values["source"], values["source_ref"], DAY, DAY, values["memo"], (dr(1), cr(1)), values["kind"]
        )
    assert caught.value.code == code


def test_account_ref_names_exactly_one_account() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        AccountRef()
    with pytest.raises(ValueError, match="exactly one"):
        AccountRef(gl_code="201", account_no=MEMBER_A)
    assert AccountRef.ledger(MEMBER_A).account_no == MEMBER_A
    assert str(AccountRef.gl("40101")) == "40101"


def test_account_ref_checks_the_ledger_account_number() -> None:
    wrong_check_digit = MEMBER_A[:-1] + str((int(MEMBER_A[-1]) + 1) % 10)
    with pytest.raises(IdentifierError) as caught:
        AccountRef.ledger(wrong_check_digit)
    assert caught.value.code == "invalid_business_number"


amounts = st.integers(min_value=1, max_value=10**12)


@given(
    debits=st.lists(amounts, min_size=1, max_size=30),
    credit_split=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=30),
)
def test_any_generated_balanced_voucher_sums_to_zero(debits: list[int], credit_split: list[int]) -> None:
    # Split the debit total into credits by weights; the last credit takes the rounding residue.
    total_fen = sum(debits)
    weights = sum(credit_split)
    credits = [total_fen * w // weights for w in credit_split[:-1]]
    credits.append(total_fen - sum(credits))
    credits = [c for c in credits if c > 0]
    voucher = draft(*(dr(d) for d in debits), *(cr(c) for c in credits))
    signed = sum(p.amount.fen if p.side is Side.DEBIT else -p.amount.fen for p in voucher.postings)
    assert signed == 0
    assert voucher.total == Money(total_fen)
    debit, credit = debit_credit_totals((p.side, p.amount) for p in voucher.postings)
    assert debit == credit == voucher.total


@given(lines=st.lists(st.tuples(st.sampled_from(Side), amounts), min_size=0, max_size=12))
def test_a_voucher_exists_only_if_it_balances(lines: list[tuple[Side, int]]) -> None:
    postings = [Posting(BANK, side, Money(fen)) for side, fen in lines]
    balanced = sum(fen if side is Side.DEBIT else -fen for side, fen in lines) == 0
    if balanced and len(lines) >= 2:
        assert draft(*postings).total.fen == sum(fen for side, fen in lines if side is Side.DEBIT)
    else:
        with pytest.raises(LedgerRuleViolation):
            draft(*postings)


# --- reversal ----------------------------------------------------------------------------------


def test_reversal_swaps_sides_and_links_the_original() -> None:
    original = draft(dr(1500), cr(1000), cr(500, AccountRef.ledger(MEMBER_B)))
    reversal = reversal_of(original, original_no=ORIGINAL_NO, business_date=date(2026, 11, 24), reason="错账")
    assert reversal.reverses == ORIGINAL_NO
    assert (reversal.source, reversal.source_ref, reversal.kind) == ("reversal", ORIGINAL_NO, "reversal")
    assert reversal.business_date == date(2026, 11, 24)
    assert reversal.value_date == original.value_date  # interest is corrected from the original day
    assert [(p.account, p.side, p.amount) for p in reversal.postings] == [
        (p.account, p.side.opposite, p.amount) for p in original.postings
    ]
    assert "错账" in reversal.memo and ORIGINAL_NO in reversal.memo


def test_a_reversal_cannot_be_reversed() -> None:
    reversal = reversal_of(draft(dr(100), cr(100)), original_no=ORIGINAL_NO, reason="错账")
    with pytest.raises(LedgerRuleViolation) as caught:
        reversal_of(reversal, original_no=VoucherNo.compose("410100", 8).value)
    assert caught.value.code == "voucher_is_reversal"


@given(lines=st.lists(st.tuples(st.sampled_from([MEMBER_A, MEMBER_B]), amounts), min_size=1, max_size=10))
def test_a_voucher_and_its_reversal_leave_every_account_unchanged(lines: list[tuple[str, int]]) -> None:
    original = draft(dr(sum(fen for _, fen in lines)), *(cr(fen, AccountRef.ledger(no)) for no, fen in lines))
    reversal = reversal_of(original, original_no=ORIGINAL_NO)
    net: dict[AccountRef, int] = {}
    for p in (*original.postings, *reversal.postings):
        net[p.account] = net.get(p.account, 0) + signed_fen(Side.CREDIT, p.side, p.amount.fen)
    assert set(net.values()) == {0}


# --- balances ----------------------------------------------------------------------------------


def test_balances_are_signed_by_the_normal_side() -> None:
    assert signed_fen(Side.CREDIT, Side.CREDIT, 100) == 100  # remittance raises a member balance
    assert signed_fen(Side.CREDIT, Side.DEBIT, 100) == -100  # withdrawal lowers it
    assert signed_fen(Side.DEBIT, Side.DEBIT, 100) == 100  # money in the bank
    movements = [(Side.CREDIT, Money(500)), (Side.DEBIT, Money(200))]
    assert net_change(Side.CREDIT, movements) == Money(300)
    assert side_of_balance(Side.DEBIT, Money(-500)) == (Side.CREDIT, Money(500))
    assert side_of_balance(Side.CREDIT, Money(700)) == (Side.CREDIT, Money(700))


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("debit", Side.DEBIT),
        ("D", Side.DEBIT),
        ("借", Side.DEBIT),
        ("credit", Side.CREDIT),
        ("贷", Side.CREDIT),
    ],
)
def test_side_parses_every_spelling(text: str, side: Side) -> None:
    assert Side.parse(text) is side


def test_side_refuses_anything_else() -> None:
    with pytest.raises(ValueError, match="not a side"):
        Side.parse("both")


# --- chart -------------------------------------------------------------------------------------


def test_the_chart_is_structurally_sound() -> None:
    assert chart_problems(CHART) == []


def test_the_chart_has_the_accounts_of_the_hpf_accounting_measures() -> None:
    expected = {
        "101", "102", "111", "119", "121", "122", "124", "201", "211", "214", "21402", "219",
        "21901", "301", "311", "321", "32101", "32102", "32103", "32104", "401", "40101", "40102",
        "40103", "40104", "40105", "411", "41101", "41102", "41103",
    }  # fmt: skip
    assert expected <= set(CHART_BY_CODE)
    members = CHART_BY_CODE["201"]
    assert (members.name_zh, members.category, members.normal_side) == (
        "住房公积金",
        Category.LIABILITY,
        Side.CREDIT,
    )
    assert members.subledger_kind is AccountKind.MEMBER_DEPOSIT and members.requires_account_no
    assert CHART_BY_CODE["21901"].subledger_kind is AccountKind.UNIT_SUSPENSE
    assert CHART_BY_CODE["121"].subledger_kind is AccountKind.LOAN
    assert CHART_BY_CODE["321"].normal_side is Side.DEBIT  # a contra net-asset account
    assert not CHART_BY_CODE["101"].postable  # bank deposits are posted per 专户
    assert CHART_BY_CODE["40103"].level == 2 and CHART_BY_CODE["401"].level == 1


def test_chart_problems_catches_a_broken_chart() -> None:
    orphan = bank_deposit_account(1, "建设银行")
    problems = chart_problems([orphan])
    assert problems == ["10101: parent 101 missing"]
    flipped = CHART_BY_CODE["40101"].__class__(
        "40199", "错", "wrong", Category.INCOME, Side.DEBIT, "401", True
    )
    assert any("side differs" in p for p in chart_problems([*CHART, flipped]))
    assert any("duplicate" in p for p in chart_problems([*CHART, CHART[0]]))


def test_bank_deposit_sub_accounts_are_named_by_sequence() -> None:
    assert bank_deposit_code(1) == "10101"
    assert bank_deposit_code(12) == "10112"
    with pytest.raises(ValueError, match=r"1\.\.99"):
        bank_deposit_code(100)
    bank = bank_deposit_account(3, "工商银行郑州分行 ****1234")
    assert bank.code == "10103" and bank.parent == "101" and bank.postable
    assert bank.subledger_kind is AccountKind.BANK and not bank.requires_account_no
    assert bank.name_zh.startswith("住房公积金存款—工商银行")
    assert chart_problems([*CHART, bank]) == []


# --- posting rules -----------------------------------------------------------------------------


def test_every_named_code_is_in_the_chart_and_postable() -> None:
    codes = {value for name, value in vars(GL).items() if name.isupper()}
    assert codes <= set(CHART_BY_CODE)
    not_postable = {code for code in codes if not CHART_BY_CODE[code].postable}
    assert not_postable == {GL.BANK_DEPOSITS}


def test_remittance_debits_the_bank_and_credits_each_member() -> None:
    voucher = posting_rules.remittance_credit(
        source="remittance",
        source_ref="U1:202611",
        bank=BANK,
        credits=[(MEMBER_A, Money(60000)), (MEMBER_B, Money(45050))],
        business_date=DAY,
        value_date=DAY,
        memo="单位汇缴 2026年11月",
    )
    first, *members = voucher.postings
    assert (first.account, first.side, first.amount) == (BANK, Side.DEBIT, Money(105050))
    assert [(p.account.account_no, p.side, p.business_type) for p in members] == [
        (MEMBER_A, Side.CREDIT, BusinessType.REMITTANCE),
        (MEMBER_B, Side.CREDIT, BusinessType.REMITTANCE),
    ]


def test_a_remittance_with_no_members_cannot_be_built() -> None:
    with pytest.raises(LedgerRuleViolation):
        posting_rules.remittance_credit(
            source="remittance",
            source_ref="x",
            bank=BANK,
            credits=[],
            business_date=DAY,
            value_date=DAY,
            memo="",
        )


def test_withdrawal_debits_the_member_and_credits_the_bank() -> None:
    voucher = posting_rules.withdrawal(
        source="withdrawal",
        source_ref="case-1",
        member_account_no=MEMBER_A,
        bank=BANK,
        amount=Money(12345),
        business_date=DAY,
        value_date=DAY,
        memo="租房提取",
    )
    assert [(p.account, p.side, p.amount) for p in voucher.postings] == [
        (AccountRef.ledger(MEMBER_A), Side.DEBIT, Money(12345)),
        (BANK, Side.CREDIT, Money(12345)),
    ]
    assert voucher.postings[0].business_type == BusinessType.PARTIAL_WITHDRAWAL


def test_suspense_receipt_and_allocation_pass_through_21901() -> None:
    suspense = LedgerAccountNo.compose("410100", 9).value
    receipt = posting_rules.suspense_receipt(
        source="bank", source_ref="s1", bank=BANK, suspense_account_no=suspense,
        amount=Money(1000), business_date=DAY, value_date=DAY, memo="暂收",
    )  # fmt: skip
    allocation = posting_rules.suspense_allocation(
        source="alloc", source_ref="a1", suspense_account_no=suspense,
        credits=[(MEMBER_A, Money(600)), (MEMBER_B, Money(400))],
        business_date=DAY, value_date=DAY, memo="分配",
    )  # fmt: skip
    assert receipt.postings[1].account == AccountRef.ledger(suspense)
    assert receipt.postings[1].side is Side.CREDIT
    assert allocation.postings[0] == Posting(AccountRef.ledger(suspense), Side.DEBIT, Money(1000))


def test_manual_voucher_and_member_transfer_are_balanced_drafts() -> None:
    manual = posting_rules.manual_voucher(
        source_ref="finance:1",
        business_date=DAY,
        value_date=DAY,
        memo="收到银行利息",
        lines=[
            (BANK, Side.DEBIT, Money(800)),
            (AccountRef.gl(GL.INCOME_DEPOSIT_INTEREST), Side.CREDIT, Money(800)),
        ],
    )
    assert (manual.source, manual.kind, manual.total) == ("manual", "manual", Money(800))
    transfer = posting_rules.member_transfer(
        source="transfer", source_ref="t1", from_account_no=MEMBER_A, to_account_no=MEMBER_B,
        amount=Money(5), business_date=DAY, value_date=DAY, memo="转移",
    )  # fmt: skip
    assert [p.side for p in transfer.postings] == [Side.DEBIT, Side.CREDIT]
    assert posting_rules.MEMBER_ACCOUNT.floor == Money.ZERO
