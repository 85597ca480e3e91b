"""Idempotency-Key on every mutating API call (reliability.md I1, I3, I4)."""

from __future__ import annotations

from typing import Any

import pytest

VOUCHER = {
    "memo": "手工调整",
    "lines": [
        {"gl_code": "10101", "side": "debit", "amount": "1000.00"},
        {"gl_code": "21999", "side": "credit", "amount": "1000.00"},
    ],
}


# Manual vouchers are made (制单) here and posted only after review (ADR 0011).
MAKE = "/api/v1/accounting/vouchers"


def voucher_count(client: Any) -> int:
    return len(client.get(MAKE, params={"limit": 500}).json())


def test_ten_sends_of_one_key_post_once(make_client: Any) -> None:
    finance = make_client("finance1")
    replies = [finance.post(MAKE, VOUCHER, key="voucher-key-0001") for _ in range(10)]
    assert {r.status_code for r in replies} == {201}
    assert len({r.content for r in replies}) == 1  # byte-identical bodies
    assert "Idempotent-Replayed" not in replies[0].headers
    assert all(r.headers.get("Idempotent-Replayed") == "true" for r in replies[1:])
    assert voucher_count(finance) == 1
    number = replies[0].json()["number"]
    assert make_client("finance2").post(f"{MAKE}/{number}/review").status_code == 200
    assert finance.post(f"{MAKE}/{number}/post").status_code == 200
    assert finance.get("/api/v1/ledger/trial-balance").json()["debit_total"] == "1000.00"


def test_body_formatting_does_not_matter(make_client: Any) -> None:
    finance = make_client("finance1")
    first = finance.post(MAKE, VOUCHER, key="voucher-key-0002")
    reordered = {"lines": VOUCHER["lines"], "memo": VOUCHER["memo"]}
    again = finance.post(MAKE, reordered, key="voucher-key-0002")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.content == first.content


def test_the_same_key_with_another_body_is_a_conflict(make_client: Any) -> None:
    finance = make_client("finance1")
    assert finance.post(MAKE, VOUCHER, key="voucher-key-0003").status_code == 201
    changed = {**VOUCHER, "lines": [{**line, "amount": "999.00"} for line in VOUCHER["lines"]]}
    reply = finance.post(MAKE, changed, key="voucher-key-0003")
    assert reply.status_code == 409
    assert reply.json()["code"] == "idempotency_key_reused"
    assert reply.json()["message"] == "该幂等键已用于内容不同的请求，请更换幂等键"
    assert voucher_count(finance) == 1
    other_path = finance.post(
        "/api/v1/org/banks", {"code": "301", "name": "交通银行"}, key="voucher-key-0003"
    )
    assert other_path.status_code in {403, 409}  # finance may not add banks; never a replay


def test_keys_are_scoped_to_the_caller(make_client: Any) -> None:
    first, second = make_client("finance1"), make_client("finance2")
    mine = first.post(MAKE, VOUCHER, key="shared-key-0001")
    theirs = second.post(MAKE, VOUCHER, key="shared-key-0001")
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers  # B never sees A's stored reply ...
    assert theirs.json()["number"] != mine.json()["number"]  # ... B's command runs itself
    assert theirs.json()["maker"] == "finance2"
    assert voucher_count(first) == 2


@pytest.mark.parametrize(
    "key", [None, "", "short", "has space in it", "x" * 129, "bad/slash-key", "键键键键键键键键"]
)
def test_a_missing_or_malformed_key_is_refused(make_client: Any, key: str | None) -> None:
    finance = make_client("finance1")
    headers: dict[str, Any] = {} if key is None else {"Idempotency-Key": key.encode("utf-8")}
    reply = finance.send("POST", MAKE, VOUCHER, key=None, headers=headers)
    assert reply.status_code == 422
    assert reply.json()["code"] in {"idempotency_key_required", "idempotency_key_invalid"}
    assert voucher_count(finance) == 0


def test_a_refused_command_does_not_burn_its_key(make_client: Any) -> None:
    finance = make_client("finance1")
    unbalanced = {**VOUCHER, "lines": [VOUCHER["lines"][0], {**VOUCHER["lines"][1], "amount": "900.00"}]}
    refused = finance.post(MAKE, unbalanced, key="retry-key-0001")
    assert refused.status_code == 422
    assert refused.json()["code"] == "voucher_unbalanced"
    fixed = finance.post(MAKE, unbalanced, key="retry-key-0001")
    assert fixed.status_code == 422  # nothing stored: the same request is simply checked again
    assert voucher_count(finance) == 0


def test_operator_secrets_are_not_kept_for_replays(make_client: Any) -> None:
    secadmin = make_client("secadmin")
    body = {"username": "newclerk", "display_name": "新柜员", "roles": ["counter_clerk"], "branch_code": "02"}
    first = secadmin.post("/api/v1/operators", body, key="operator-key-0001")
    assert first.status_code == 201
    assert first.json()["initial_password"]
    assert first.json()["totp_secret"]
    replay = secadmin.post("/api/v1/operators", body, key="operator-key-0001")
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["username"] == "newclerk"
    assert replay.json()["secrets_withheld"] is True
    assert replay.json()["initial_password"] is None
    assert replay.json()["totp_secret"] is None
    assert first.json()["initial_password"] not in replay.text


def test_stored_replies_hold_no_secret(make_client: Any, seeded: Any) -> None:
    from sqlalchemy import text

    secadmin = make_client("secadmin")
    body = {
        "username": "newclerk2",
        "display_name": "新柜员",
        "roles": ["counter_clerk"],
        "branch_code": "02",
    }
    first = secadmin.post("/api/v1/operators", body, key="operator-key-0002").json()
    with seeded.engine.connect() as conn:
        stored = conn.execute(text("SELECT response_body FROM idempotency_record")).scalars().all()
    assert stored
    assert not any(first["initial_password"] in row or first["totp_secret"] in row for row in stored)
