"""Pure rules behind hall requests: the clerk's check finishes a hall request (two people), and
the counter's view of the request's data masks personal data."""

from __future__ import annotations

import pytest

from anju.domain.workflow import CaseFacts, SeparationOfDutiesViolation, WorkflowRuleViolation, decide
from anju.money import Money
from anju.services.hall_requests import masked_fields


def test_a_checked_hall_request_is_finished_without_an_approver() -> None:
    reviewed = CaseFacts(state="reviewed", maker="hall:unit:1", checker="clerk01")
    assert decide(reviewed, "finish", "clerk01", checked_suffices=True).to_state == "done"
    # Without the flag the generic workflow still wants an approval.
    with pytest.raises(WorkflowRuleViolation):
        decide(reviewed, "finish", "clerk01")
    # The hall operator can never check their own request.
    with pytest.raises(SeparationOfDutiesViolation):
        decide(CaseFacts(state="accepted", maker="clerk01"), "review", "clerk01", checked_suffices=True)


def test_the_counter_sees_the_data_masked() -> None:
    shown = dict(
        masked_fields(
            {
                "resident_id": "410102199001010013",
                "name": "王小七",
                "phone": "13712345678",
                "wage_base": Money.from_yuan("6000").fen,
                "rows": [[5, "a"], [6, "b"]],
                "meta": {"unit_account_no": "1"},
            }
        )
    )
    assert shown["身份证号"] != "410102199001010013" and shown["身份证号"].endswith("0013")
    assert shown["姓名"] != "王小七"
    assert shown["手机号码"] == "137****5678"
    assert shown["清册行数"] == "2 行"
    assert "meta" not in shown
