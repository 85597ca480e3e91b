"""Domain validation at the service layer (reliability.md F2): the services themselves refuse
bad input whatever the client checked. Resident IDs with a wrong check digit, an impossible birth
date, full-width digits or look-alike letters; bad phones, bank cards, names and amounts; and
impossible dates at the API. Each is refused with a business error naming the field, and
nothing is persisted.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.adapters.db.backup import table_digests
from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.errors import AnjuError
from anju.ids import make_resident_id, resident_id_check_char
from anju.messages import MESSAGES
from anju.money import Money
from anju.services import members
from anju.services.runner import run
from tests.e2e.test_api_collection import register

GOOD_BODY = "41010219880808123"
GOOD_ID = make_resident_id(GOOD_BODY).reveal()
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
LOOK_ALIKE = str.maketrans("01", "Ol")
VOLATILE = {"audit_log", "audit_chain_head", "staff_session", "idempotency_record"}
CLERK = Actor(username="clerk01", roles=frozenset({Role.COUNTER_CLERK}), all_branches=True)


def _wrong_check(body: str) -> str:
    right = resident_id_check_char(body)
    return body + ("0" if right != "0" else "1")


BAD_IDS = st.one_of(
    st.sampled_from(
        [
            _wrong_check(GOOD_BODY),
            GOOD_ID.translate(FULL_WIDTH),  # full-width digits
            GOOD_ID.translate(LOOK_ALIKE),  # O for 0, l for 1
            "410102198802301234",  # 30 February
            "410102180001011234",  # born before 1900
            GOOD_ID[:17],
            GOOD_ID + "1",
            GOOD_ID[:6] + "\u200b" + GOOD_ID[7:],  # zero-width space
            "' OR 1=1 --       ",
            "",
        ]
    ),
    st.text(alphabet="0123456789X", min_size=18, max_size=18).filter(
        lambda s: s[:17].isdigit() and resident_id_check_char(s[:17]) != s[17]
    ),
)
BAD_PHONES = st.sampled_from(
    ["１３５１１１１２２２２", "1351111222", "23511112222", "135-1111-2222", "1351111222２"]
)
BAD_CARDS = st.sampled_from(
    ["６２２２０２１２３４５６７８９０", "62220212345", "6222 0212 3456 7890 1234", "6222abcd12345678"]
)


def _snapshot(container: Container) -> dict[str, Any]:
    with container.engine.connect() as conn:
        return {k: v for k, v in table_digests(conn).items() if k not in VOLATILE}


def _refused(container: Container, opening: members.MemberOpening) -> AnjuError:
    with pytest.raises(AnjuError) as refused:
        run(container.uow, lambda uow: members.open_member_account(uow, CLERK, opening))
    error = refused.value
    assert error.http_status in {400, 404, 422}, error  # 404: no such unit (not a leak: staff)
    assert error.code in MESSAGES, f"no Chinese message for {error.code}"
    return error


@pytest.fixture
def unit_no(make_client: Any) -> str:
    return str(register(make_client("clerk01"), 7)["unit_account_no"])


def _opening(unit_no: str, **overrides: Any) -> members.MemberOpening:
    fields: dict[str, Any] = {
        "unit_account_no": unit_no,
        "resident_id": GOOD_ID,
        "name": "陈一",
        "wage_base": Money(3_000_000),
    }
    fields.update(overrides)
    return members.MemberOpening(**fields)


def test_the_service_refuses_bad_personal_data_and_persists_nothing(seeded: Container, unit_no: str) -> None:
    before = _snapshot(seeded)
    seen: set[str] = set()

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        case=st.one_of(
            BAD_IDS.map(lambda v: {"resident_id": v}),
            BAD_PHONES.map(lambda v: {"phone": v}),
            BAD_CARDS.map(lambda v: {"bank_card": v, "bank_code": "105"}),
            st.sampled_from(
                [
                    {"name": ""},
                    {"name": "   "},
                    {"name": "陈" * 61},
                    {"wage_base": Money(-1)},
                    {"wage_base": Money(0)},
                    {"unit_account_no": "' OR 1=1 --"},
                    {"unit_account_no": unit_no.translate(FULL_WIDTH)},
                ]
            ),
        )
    )
    def attempt(case: dict[str, Any]) -> None:
        error = _refused(seeded, _opening(unit_no, **case))
        seen.add(error.code)

    attempt()
    assert {"invalid_resident_id", "invalid_phone", "invalid_bank_card"} <= seen, seen
    assert _snapshot(seeded) == before
    # And the good request goes through: the refusals were about the data, not the setup.
    opened = run(seeded.uow, lambda uow: members.open_member_account(uow, CLERK, _opening(unit_no)))
    assert opened is not None
    assert _snapshot(seeded) != before


BAD_QUERIES = [
    ("/api/v1/ledger/trial-balance", {"as_of": "2026-02-30"}),
    ("/api/v1/ledger/trial-balance", {"as_of": "２０２６-１１-２３"}),
    ("/api/v1/policy/in-force", {"on": "2026-13-01"}),
    ("/api/v1/ledger/vouchers", {"limit": "１０"}),
    ("/api/v1/ledger/vouchers", {"limit": "-1"}),
    ("/api/v1/ledger/vouchers", {"limit": "1e3"}),
]
BAD_AMOUNTS = [
    "0",
    "0.00",
    "-1.00",
    "0.001",
    "1e3",
    "NaN",
    "Infinity",
    "１００.００",
    "100.00\u200b",
    "1,000.00",
    "99999999999999999",
]


def test_impossible_dates_numbers_and_amounts_are_refused_and_post_nothing(make_client: Any) -> None:
    finance = make_client("finance1")
    for path, params in BAD_QUERIES:
        reply = finance.get(path, params=params)
        assert reply.status_code == 422, (path, params, reply.text)
        body = reply.json()
        assert set(body) == {"code", "message", "details"}
        assert next(iter(params)) in str(body["details"]), body
    before = finance.get("/api/v1/accounting/vouchers", params={"limit": 500}).json()
    for amount in BAD_AMOUNTS:
        lines = [
            {"gl_code": "10101", "side": "debit", "amount": amount},
            {"gl_code": "21999", "side": "credit", "amount": amount},
        ]
        reply = finance.post("/api/v1/accounting/vouchers", {"memo": "F2", "lines": lines})
        assert reply.status_code == 422, (amount, reply.text)
        assert "amount" in str(reply.json()["details"]), (amount, reply.json())
    assert finance.get("/api/v1/accounting/vouchers", params={"limit": 500}).json() == before
