"""The security audit log: HMAC-SM3 chain, tamper detection, append-only enforcement (G1-G3, G6)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from anju.adapters.clock import FixedClock
from anju.adapters.db.tables.security import audit_chain_head, audit_log
from anju.bootstrap import Container
from anju.domain.security import Actor, AuditEvent, Role, totp_now
from anju.errors import InvariantViolation, PermissionDenied
from anju.services import auth
from anju.services.audit import list_audit, record, verify_audit_chain
from anju.services.ports import UnitOfWork
from anju.services.runner import run

R = TypeVar("R")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"


def do(container: Container, fn: Callable[[UnitOfWork], R]) -> R:
    return run(container.uow, fn)


def event(n: int, **kw: object) -> AuditEvent:
    return AuditEvent(
        action=str(kw.get("action", "test.event")),
        object_type="voucher",
        object_id=f"V{n:04d}",
        actor=str(kw.get("actor", "zhang.san")),
        actor_id=3,
        ip="10.0.0.1",
        reason="测试\r\n注入",
        details={"n": n, "note": "中文", "flag": True, "none": None},
    )


def append(container: Container, count: int, **kw: object) -> list[int]:
    return [do(container, lambda uow, n=n: uow.audit.append(event(n, **kw))) for n in range(count)]


def verdict(container: Container) -> tuple[bool, int, int | None, str]:
    v = do(container, verify_audit_chain)
    return v.ok, v.checked, v.first_broken_seq, v.reason


@contextmanager
def triggers_off(container: Container) -> Iterator[Connection]:
    """What a DBA could do: take the append-only triggers away and edit rows directly."""
    with container.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER trg_audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER trg_audit_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        yield conn


def test_appends_form_a_chain_that_verifies(container: Container, clock: FixedClock) -> None:
    assert verdict(container) == (True, 0, None, "ok")
    seqs = append(container, 5)
    assert seqs == [1, 2, 3, 4, 5]
    assert verdict(container) == (True, 5, None, "ok")
    with container.engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
        head = conn.execute(select(audit_chain_head)).one()
        conn.rollback()
    assert rows[0].prev_hash == "0" * 64
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 5))
    assert (head.last_seq, head.last_hash) == (5, rows[-1].hash)
    assert rows[0].occurred_at.replace(tzinfo=None) == clock.now_utc().replace(tzinfo=None)


def test_the_chain_depends_on_the_key(container: Container) -> None:
    from anju.adapters.crypto.provider import SoftwareCryptoProvider
    from anju.adapters.db.repositories.audit import SqlAuditRepository
    from anju.adapters.db.unit_of_work import Deps

    append(container, 3)
    other = Deps(
        clock=container.clock,
        crypto=SoftwareCryptoProvider(bytes(range(32)), password_iterations=1000),
        centre_code="410100",
    )
    with container.engine.connect() as conn:
        assert not SqlAuditRepository(conn, other).verify_chain().ok
        conn.rollback()


def test_update_and_delete_are_refused_by_the_database(container: Container) -> None:
    append(container, 3)
    statements = ["UPDATE audit_log SET reason = 'x' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 3"]
    if container.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), container.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert do(container, lambda uow: uow.audit.count()) == 3
    assert verdict(container) == (True, 3, None, "ok")


def test_chain_head_cannot_be_deleted_or_rewound(container: Container) -> None:
    append(container, 2)
    for statement in ("DELETE FROM audit_chain_head", "UPDATE audit_chain_head SET last_seq = 0"):
        with pytest.raises(DBAPIError, match="audit_chain_head"), container.engine.begin() as conn:
            conn.exec_driver_sql(statement)


def test_an_edited_row_is_found_at_its_seq(container: Container) -> None:
    append(container, 6)
    with triggers_off(container) as conn:
        conn.execute(text("UPDATE audit_log SET reason = :r WHERE seq = 3"), {"r": "nothing happened"})
    assert verdict(container) == (False, 2, 3, "hash_mismatch")


def test_an_edited_detail_is_found(container: Container) -> None:
    append(container, 4)
    with triggers_off(container) as conn:
        conn.execute(text("UPDATE audit_log SET details = :d WHERE seq = 4"), {"d": '{"n":99}'})
    assert verdict(container) == (False, 3, 4, "hash_mismatch")


def test_a_recomputed_hash_without_the_key_does_not_help(container: Container) -> None:
    append(container, 4)
    with triggers_off(container) as conn:  # rewrite row 2 and re-link row 3 to it, as a forger would
        conn.execute(
            text("UPDATE audit_log SET result = 'failure', hash = :h WHERE seq = 2"), {"h": "ab" * 32}
        )
        conn.execute(text("UPDATE audit_log SET prev_hash = :h WHERE seq = 3"), {"h": "ab" * 32})
    assert verdict(container) == (False, 1, 2, "hash_mismatch")


def test_a_deleted_row_is_found(container: Container) -> None:
    append(container, 5)
    with triggers_off(container) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    assert verdict(container) == (False, 1, 2, "missing")


def test_swapped_rows_are_found(container: Container) -> None:
    append(container, 4)
    with triggers_off(container) as conn:
        conn.execute(text("UPDATE audit_log SET seq = -2 WHERE seq = 2"))
        conn.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = -2"))
    ok, checked, first, _reason = verdict(container)
    assert (ok, checked, first) == (False, 1, 2)


def test_a_truncated_tail_is_found(container: Container) -> None:
    append(container, 5)
    with triggers_off(container) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 4"))
    assert verdict(container) == (False, 3, 4, "truncated")
    with pytest.raises(InvariantViolation, match="audit_chain_broken"):
        do(container, verify_audit_chain).require_ok()


def test_a_rewritten_chain_head_is_found(container: Container) -> None:
    append(container, 3)
    with container.engine.begin() as conn:
        conn.execute(text("UPDATE audit_chain_head SET last_hash = :h"), {"h": "cd" * 32})
    assert verdict(container) == (False, 3, 3, "head_mismatch")


def test_a_rolled_back_transaction_leaves_no_audit_row_and_no_gap(container: Container) -> None:
    def fails(uow: UnitOfWork) -> None:
        uow.audit.append(event(1))
        raise RuntimeError("the business change failed")

    with pytest.raises(RuntimeError):
        do(container, fails)
    assert append(container, 1) == [1]
    assert verdict(container) == (True, 1, None, "ok")


def test_concurrent_appends_keep_one_chain(container: Container) -> None:
    workers, each = 2, 25
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for n in range(each):
                do(container, lambda uow, n=n: uow.audit.append(event(worker * 100 + n, actor=f"w{worker}")))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert verdict(container) == (True, workers * each, None, "ok")
    with container.engine.connect() as conn:
        seqs = conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars().all()
        conn.rollback()
    assert seqs == list(range(1, workers * each + 1))


def _audit_admin(container: Container, clock: FixedClock) -> Actor:
    do(
        container,
        lambda uow: auth.seed_operator(
            uow, "auditor1", "审计员", {Role.AUDIT_ADMIN}, None, True, "Audit@2026x", SECRET
        ),
    )
    outcome = do(
        container,
        lambda uow: auth.login(uow, "auditor1", "Audit@2026x", totp_now(SECRET, clock.now_utc()), None),
    )
    assert outcome.actor is not None
    return outcome.actor


def test_list_audit_filters_pages_and_is_itself_audited(container: Container, clock: FixedClock) -> None:
    auditor = _audit_admin(container, clock)
    append(container, 3, action="ledger.post_manual_voucher")
    append(container, 2, action="ledger.reverse", actor="li.si")
    newest = do(container, lambda uow: list_audit(uow, auditor, limit=2))
    assert [e.action for e in newest] == ["ledger.reverse", "ledger.reverse"]
    assert newest[0].seq > newest[1].seq
    assert newest[0].details == {"n": 1, "note": "中文", "flag": True, "none": None}
    assert newest[0].reason == "测试\r\n注入"
    assert newest[0].occurred_at == clock.now_utc()
    posted = do(container, lambda uow: list_audit(uow, auditor, action="ledger.post_manual_voucher"))
    assert [e.object_id for e in posted] == ["V0002", "V0001", "V0000"]
    by_li = do(container, lambda uow: list_audit(uow, auditor, actor_name="li.si", limit=10_000))
    assert len(by_li) == 2
    views = do(container, lambda uow: list_audit(uow, auditor, action="audit.view"))
    assert len(views) == 3
    assert views[0].actor == "auditor1"
    assert views[-1].details["limit"] == 2
    assert views[0].details["limit"] == 500  # clamped
    assert verdict(container)[0]


def test_list_audit_needs_the_audit_permission(container: Container) -> None:
    admin = Actor(username="sysadmin", roles=frozenset({Role.SYSTEM_ADMIN}), operator_id=1)
    with pytest.raises(PermissionDenied) as caught:
        do(container, lambda uow: list_audit(uow, admin))
    assert caught.value.details == {"permission": "audit.view"}
    # the refusal can be recorded afterwards, in its own transaction (G3)
    seq = do(
        container,
        lambda uow: record(uow, AuditEvent.by(admin, "audit.view", "audit_log", "*", result="denied")),
    )
    assert seq == 1


def test_an_invalid_result_is_refused(container: Container) -> None:
    with pytest.raises(ValueError, match="audit result"):
        do(container, lambda uow: uow.audit.append(AuditEvent("x", "y", "z", result="maybe")))
    assert do(container, lambda uow: uow.audit.count()) == 0


# --- G2: the signed anchor kept off-system catches a truncation the chain alone cannot ----------


def _cut_tail_and_rewind_head(container: Container, keep: int) -> None:
    """A DBA with the triggers off deletes the newest rows and rewinds the head to the last kept one:
    what is left is a shorter chain that verifies on its own."""
    with triggers_off(container) as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER trg_audit_chain_head_forward")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_chain_head DISABLE TRIGGER USER")
        kept = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == keep)).scalar_one()
        conn.execute(audit_log.delete().where(audit_log.c.seq > keep))
        conn.execute(audit_chain_head.update().values(last_seq=keep, last_hash=kept))


def test_a_signed_anchor_catches_a_truncated_tail_with_a_rewound_head(container: Container) -> None:
    from anju.services.audit import AuditAnchor, check_anchor, make_anchor

    append(container, 5)
    anchor = do(container, lambda uow: make_anchor(uow, Actor.system("audit")))
    assert anchor.seq == 5
    kept_on_paper = AuditAnchor.from_json(anchor.to_json())  # what the operator copied off-system
    assert do(container, lambda uow: check_anchor(uow, kept_on_paper)).ok
    append(container, 2)  # the log goes on: the anchor still holds
    assert do(container, lambda uow: check_anchor(uow, kept_on_paper)).ok

    _cut_tail_and_rewind_head(container, keep=3)
    assert verdict(container)[0] is True  # the chain alone cannot see it
    assert do(container, lambda uow: check_anchor(uow, kept_on_paper)).reason == "truncated"


def test_a_forged_or_foreign_anchor_is_refused(container: Container) -> None:
    from dataclasses import replace

    from anju.services.audit import check_anchor, make_anchor

    append(container, 3)
    anchor = do(container, lambda uow: make_anchor(uow, Actor.system("audit")))
    forged = replace(anchor, seq=1)  # claims less than was signed
    assert do(container, lambda uow: check_anchor(uow, forged)).reason == "anchor_signature_invalid"
    other_private, other_public = container.crypto.sm2_generate_keypair()
    foreign = replace(
        anchor,
        public_key=other_public,
        signature=container.crypto.sm2_sign(other_private, anchor.signed_text()),
    )
    assert do(container, lambda uow: check_anchor(uow, foreign)).reason == "anchor_foreign_key"
    with triggers_off(container) as conn:  # the anchored row rewritten in place
        conn.execute(audit_log.update().where(audit_log.c.seq == 3).values(hash="ab" * 32))
    assert do(container, lambda uow: check_anchor(uow, anchor)).reason == "rewritten"
