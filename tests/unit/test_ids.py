"""Identifiers: business numbers with check digits, resident IDs (GB 11643), masking."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.errors import RuleViolation
from anju.ids import (
    MemberAccountNo,
    ResidentId,
    UnitAccountNo,
    VoucherNo,
    make_resident_id,
    mask_bank_card,
    mask_name,
    mask_phone,
    validate_bank_card,
    validate_credit_code,
    validate_phone,
)

# A well-known sample number from the GB 11643 documentation, check character X.
SAMPLE_ID = "11010519491231002X"


def test_resident_id_checksum() -> None:
    rid = ResidentId(SAMPLE_ID)
    assert rid.reveal() == SAMPLE_ID
    assert rid.gender == "female"
    assert str(rid.birth_date) == "1949-12-31"
    assert ResidentId(SAMPLE_ID.lower()) == rid


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("110105194912310021", "校验码不符"),
        ("11010519491331002X", "出生日期无效"),
        ("1101051949123100", "应为18位"),
        ("１１０１０５１９４９１２３１００２Ｘ", "应为18位"),
        ("01010519491231002X", "应为18位"),
    ],
)
def test_bad_resident_ids_refused(text: str, reason: str) -> None:
    with pytest.raises(RuleViolation) as info:
        ResidentId(text)
    assert info.value.code == "invalid_resident_id"
    assert reason in info.value.message


def test_resident_id_never_prints_in_full() -> None:
    rid = ResidentId(SAMPLE_ID)
    assert SAMPLE_ID not in repr(rid)
    assert SAMPLE_ID not in str(rid)
    assert SAMPLE_ID not in f"{rid} {rid!r} {[rid]}"
    assert rid.masked() == "1101**********002X"
    assert pickle.loads(pickle.dumps(rid)) == rid


def test_make_resident_id_completes_checksum() -> None:
    assert make_resident_id(SAMPLE_ID[:17]).reveal() == SAMPLE_ID


def test_business_numbers_carry_a_check_digit() -> None:
    no = UnitAccountNo.compose("410100", 42)
    assert len(str(no)) == UnitAccountNo.length()
    assert UnitAccountNo.parse(str(no)) == no
    digits = list(str(no))
    digits[-3] = str((int(digits[-3]) + 1) % 10)  # a mistyped digit at the counter
    with pytest.raises(RuleViolation) as info:
        UnitAccountNo.parse("".join(digits))
    assert "单位账号" in info.value.message
    with pytest.raises(RuleViolation):
        MemberAccountNo.parse(str(no))  # a unit number is not a member number


@given(
    st.integers(min_value=1, max_value=10**9 - 1), st.integers(min_value=0, max_value=17), st.integers(1, 9)
)
def test_any_single_digit_error_is_caught(seq: int, position: int, delta: int) -> None:
    value = str(VoucherNo.compose("410100", seq))
    position = position % len(value)
    wrong = value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1 :]
    assert not VoucherNo.is_well_formed(wrong)


def test_masking_rules() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_bank_card("6222021234567890123") == "6222***********0123"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"


def test_phone_card_credit_code_validation() -> None:
    assert validate_phone(" 13812345678 ") == "13812345678"
    for bad in ("1381234567", "23812345678", "１３８１２３４５６７８"):
        with pytest.raises(RuleViolation):
            validate_phone(bad)
    assert validate_bank_card("6222 0212 3456 7890") == "6222021234567890"
    with pytest.raises(RuleViolation):
        validate_bank_card("62220212345a")
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(RuleViolation):
        validate_credit_code("91350100M000100Y44")
