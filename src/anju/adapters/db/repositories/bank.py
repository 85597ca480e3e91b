"""Bank settlement persistence: sign-in state, outbox, inbox, statement files, reconciliations.

The outbox and inbox rows are the idempotency keys of the bank traffic: an instruction is unique
by its end-to-end id and by the business (source, source_ref) that asked for it; a movement is
unique by (account, bank serial). Both are claimed with INSERT ... ON CONFLICT DO NOTHING in the
caller's transaction, together with the postings they cause.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import and_, case, func, insert, literal_column, or_, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from anju.adapters.crypto.fields import BANK_CARD, seal, unseal
from anju.adapters.db.repositories.common import insert_if_absent
from anju.adapters.db.tables.bank import (
    bank_account_reservation,
    bank_batch_item,
    bank_instruction,
    bank_instruction_event,
    bank_notice,
    bank_reconciliation,
    bank_reconciliation_item,
    bank_session,
    bank_statement_file,
    bank_statement_line,
)
from anju.adapters.db.tables.ledger import ledger_account, posting, voucher
from anju.adapters.db.unit_of_work import Deps, register
from anju.domain.bank import LedgerMovement, StatementLine
from anju.errors import TransientConflict
from anju.money import Money
from anju.services.ports import (
    BankSessionRecord,
    BatchItemRecord,
    BatchOrderItem,
    InstructionEventRecord,
    InstructionRecord,
    NoticeRecord,
    ReconciliationItemRecord,
    ReconciliationRecord,
    StatementFileRecord,
)

MAX_PAGE: Final = 500
_INSTRUCTION_UPDATABLE: Final = frozenset(
    {
        "state",
        "submit_voucher_no",
        "settle_voucher_no",
        "reverse_voucher_no",
        "host_serial",
        "rtn_code",
        "rtn_message",
        "sends",
        "queries",
        "lease_until",
        "next_attempt_at",
        "finished_at",
        "send_date",
    }
)
_NOTICE_UPDATABLE: Final = frozenset(
    {"state", "instruction_e2e_id", "voucher_no", "unit_account_no", "note", "processed_at", "processed_by"}
)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _money(value: Any) -> Money | None:
    return None if value is None else Money(int(value))


def _page(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, MAX_PAGE)), max(0, offset)


class SqlBankRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps
        self._pg = conn.dialect.name == "postgresql"

    # --- helpers ------------------------------------------------------------------------------------

    def _seal(self, value: str) -> tuple[bytes, str]:
        return seal(self._deps.crypto, BANK_CARD, value)

    def _open(self, token: bytes | None) -> str:
        return "" if token is None else unseal(self._deps.crypto, BANK_CARD, bytes(token))

    # --- session ------------------------------------------------------------------------------------

    def session(self, node: str) -> BankSessionRecord | None:
        row = self._conn.execute(select(bank_session).where(bank_session.c.node == node)).first()
        if row is None:
            return None
        m = row._mapping
        return BankSessionRecord(
            node=m["node"],
            state=m["state"],
            session_key_enc=bytes(m["session_key_enc"]) if m["session_key_enc"] is not None else None,
            bdc_date=m["bdc_date"],
            signed_in_at=_utc(m["signed_in_at"]),
            signed_out_at=_utc(m["signed_out_at"]),
            last_error=m["last_error"],
            updated_by=m["updated_by"],
        )

    def save_session(
        self,
        node: str,
        *,
        state: str,
        session_key_enc: bytes | None,
        bdc_date: date | None,
        now: datetime,
        actor: str,
        error: str | None,
    ) -> None:
        values: dict[str, Any] = {
            "state": state,
            "session_key_enc": session_key_enc,
            "bdc_date": bdc_date,
            "last_error": error,
            "updated_by": actor,
            "updated_at": now,
        }
        if state == "signed_in":
            values["signed_in_at"] = now
        else:
            values["signed_out_at"] = now
        insert_if_absent(
            self._conn,
            bank_session,
            {"node": node, "state": "signed_out", "updated_by": actor, "updated_at": now},
        )
        self._conn.execute(update(bank_session).where(bank_session.c.node == node).values(**values))

    def record_session_error(self, node: str, error: str, now: datetime) -> None:
        insert_if_absent(
            self._conn,
            bank_session,
            {"node": node, "state": "signed_out", "updated_by": "system", "updated_at": now},
        )
        self._conn.execute(
            update(bank_session)
            .where(bank_session.c.node == node)
            .values(last_error=error[:200], updated_at=now)
        )

    # --- outbox -------------------------------------------------------------------------------------

    def _instruction(self, row: Row[Any]) -> InstructionRecord:
        m = row._mapping
        return InstructionRecord(
            id=int(m["id"]),
            e2e_id=m["e2e_id"],
            kind=m["kind"],
            purpose=m["purpose"],
            bus_type=m["bus_type"],
            state=m["state"],
            bank_code=m["bank_code"],
            centre_account_no=m["centre_account_no"],
            centre_account_name=m["centre_account_name"],
            counterparty_account_no=self._open(m["counterparty_enc"]),
            counterparty_name=m["counterparty_name"],
            counterparty_bank_code=m["counterparty_bank_code"],
            counterparty_bank_name=m["counterparty_bank_name"],
            amount=Money(int(m["amount_fen"])),
            ref_account_no=m["ref_account_no"],
            agreement_no=m["agreement_no"],
            summary=m["summary"],
            source=m["source"],
            source_ref=m["source_ref"],
            send_date=m["send_date"],
            business_date=m["business_date"],
            submit_voucher_no=m["submit_voucher_no"],
            settle_voucher_no=m["settle_voucher_no"],
            reverse_voucher_no=m["reverse_voucher_no"],
            host_serial=m["host_serial"],
            rtn_code=m["rtn_code"],
            rtn_message=m["rtn_message"],
            sends=int(m["sends"]),
            queries=int(m["queries"]),
            lease_until=_utc(m["lease_until"]),
            next_attempt_at=_utc(m["next_attempt_at"]),
            created_by=m["created_by"],
            created_at=_utc(m["created_at"]) or datetime.min.replace(tzinfo=UTC),
            updated_at=_utc(m["updated_at"]) or datetime.min.replace(tzinfo=UTC),
            finished_at=_utc(m["finished_at"]),
            branch_id=m["branch_id"],
            batch_no=m["batch_no"],
        )

    def insert_instruction(self, values: Mapping[str, Any]) -> InstructionRecord | None:
        row = dict(values)
        amount = row.pop("amount")
        counterparty = row.pop("counterparty_account_no")
        enc, idx = self._seal(counterparty)
        row.update(
            amount_fen=amount.fen,
            counterparty_enc=enc,
            counterparty_idx=idx,
            created_at=row["now"],
            updated_at=row["now"],
        )
        row.pop("now")
        if not insert_if_absent(self._conn, bank_instruction, row):
            return None
        return self.instruction(row["e2e_id"])

    def instruction(self, e2e_id: str) -> InstructionRecord | None:
        row = self._conn.execute(select(bank_instruction).where(bank_instruction.c.e2e_id == e2e_id)).first()
        return None if row is None else self._instruction(row)

    def instruction_by_source(self, source: str, source_ref: str) -> InstructionRecord | None:
        row = self._conn.execute(
            select(bank_instruction).where(
                bank_instruction.c.source == source, bank_instruction.c.source_ref == source_ref
            )
        ).first()
        return None if row is None else self._instruction(row)

    def instruction_by_host_serial(self, host_serial: str) -> InstructionRecord | None:
        row = self._conn.execute(
            select(bank_instruction)
            .where(bank_instruction.c.host_serial == host_serial)
            .order_by(bank_instruction.c.id)
        ).first()
        return None if row is None else self._instruction(row)

    def lock_instruction(self, e2e_id: str) -> InstructionRecord | None:
        query = select(bank_instruction).where(bank_instruction.c.e2e_id == e2e_id)
        if self._pg:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else self._instruction(row)

    def claim_instruction(
        self, e2e_id: str, *, states: tuple[str, ...], now: datetime, lease_until: datetime
    ) -> InstructionRecord | None:
        t = bank_instruction
        claimed = self._conn.execute(
            update(t)
            .where(
                t.c.e2e_id == e2e_id,
                t.c.state.in_(states),
                or_(t.c.lease_until.is_(None), t.c.lease_until < now),
            )
            .values(lease_until=lease_until, updated_at=now)
            .returning(t.c.id)
        ).first()
        return None if claimed is None else self.instruction(e2e_id)

    def update_instruction(self, e2e_id: str, now: datetime, **changes: Any) -> None:
        unknown = set(changes) - _INSTRUCTION_UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        self._conn.execute(
            update(bank_instruction)
            .where(bank_instruction.c.e2e_id == e2e_id)
            .values(**changes, updated_at=now)
        )

    def list_instructions(
        self, *, states: tuple[str, ...] | None, limit: int, offset: int
    ) -> list[InstructionRecord]:
        limit, offset = _page(limit, offset)
        query = select(bank_instruction)
        if states:
            query = query.where(bank_instruction.c.state.in_(states))
        query = query.order_by(bank_instruction.c.id.desc()).limit(limit).offset(offset)
        return [self._instruction(row) for row in self._conn.execute(query)]

    def count_instructions(self) -> dict[str, int]:
        rows = self._conn.execute(
            select(bank_instruction.c.state, func.count()).group_by(bank_instruction.c.state)
        ).all()
        return {str(state): int(n) for state, n in rows}

    def due_instructions(self, now: datetime, limit: int) -> list[str]:
        t = bank_instruction
        rows = self._conn.execute(
            select(t.c.e2e_id)
            .where(
                t.c.state.in_(("pending", "unknown", "processing")),
                or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now),
                or_(t.c.lease_until.is_(None), t.c.lease_until < now),
            )
            .order_by(t.c.id)
            .limit(max(1, min(limit, 1000)))
        ).all()
        return [str(r[0]) for r in rows]

    def add_event(
        self,
        instruction_id: int,
        *,
        action: str,
        now: datetime,
        actor: str,
        seq_no: str | None = None,
        answer: str | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        self._conn.execute(
            insert(bank_instruction_event).values(
                instruction_id=instruction_id,
                at=now,
                action=action,
                seq_no=seq_no,
                answer=answer,
                code=(code or None) and code[:20],
                message=(message or None) and message[:200],
                actor=actor[:80],
            )
        )

    def events(self, instruction_id: int) -> list[InstructionEventRecord]:
        e = bank_instruction_event
        rows = self._conn.execute(
            select(e).where(e.c.instruction_id == instruction_id).order_by(e.c.id)
        ).all()
        return [
            InstructionEventRecord(
                at=_utc(r.at) or datetime.min.replace(tzinfo=UTC),
                action=r.action,
                seq_no=r.seq_no,
                answer=r.answer,
                code=r.code,
                message=r.message,
                actor=r.actor,
            )
            for r in rows
        ]

    def insert_batch_items(self, instruction_id: int, items: list[BatchOrderItem]) -> None:
        if not items:
            return
        crypto = self._deps.crypto
        self._conn.execute(
            insert(bank_batch_item),
            [
                {
                    "instruction_id": instruction_id,
                    "seq": item.seq,
                    "amount_fen": item.amount.fen,
                    "account_enc": crypto.encrypt(item.account_no, context=BANK_CARD),
                    "account_name": item.account_name,
                    "ref_account_no": item.ref_account_no,
                    "summary": item.summary,
                }
                for item in items
            ],
        )

    def batch_items(self, instruction_id: int) -> list[BatchItemRecord]:
        b = bank_batch_item
        rows = self._conn.execute(
            select(b).where(b.c.instruction_id == instruction_id).order_by(b.c.seq)
        ).all()
        return [
            BatchItemRecord(
                seq=int(r.seq),
                amount=Money(int(r.amount_fen)),
                account_no=self._open(r.account_enc),
                account_name=r.account_name,
                ref_account_no=r.ref_account_no,
                summary=r.summary,
                state=r.state,
                host_serial=r.host_serial,
                code=r.code,
                message=r.message,
                voucher_no=r.voucher_no,
            )
            for r in rows
        ]

    def settle_batch_item(
        self,
        instruction_id: int,
        seq: int,
        *,
        state: str,
        host_serial: str | None,
        code: str,
        message: str,
        voucher_no: str | None,
    ) -> bool:
        b = bank_batch_item
        done = self._conn.execute(
            update(b)
            .where(b.c.instruction_id == instruction_id, b.c.seq == seq, b.c.state == "pending")
            .values(
                state=state,
                host_serial=host_serial,
                code=code[:20],
                message=message[:200],
                voucher_no=voucher_no,
            )
            .returning(b.c.id)
        ).first()
        return done is not None

    def reserve(self, account_no: str, ledger_account_no: str, amount: Money) -> bool:
        r = bank_account_reservation
        insert_if_absent(self._conn, r, {"account_no": account_no, "reserved_fen": 0})
        book = (
            select(ledger_account.c.balance_fen)
            .where(ledger_account.c.account_no == ledger_account_no)
            .scalar_subquery()
        )
        done = self._conn.execute(
            update(r)
            .where(r.c.account_no == account_no, r.c.reserved_fen + amount.fen <= book)
            .values(reserved_fen=r.c.reserved_fen + amount.fen)
            .returning(r.c.account_no)
        ).first()
        return done is not None

    def release(self, account_no: str, amount: Money) -> None:
        r = bank_account_reservation
        self._conn.execute(
            update(r)
            .where(r.c.account_no == account_no)
            .values(
                reserved_fen=case(
                    (r.c.reserved_fen >= amount.fen, r.c.reserved_fen - amount.fen), else_=literal_column("0")
                )
            )
        )

    def reserved(self, account_no: str) -> Money:
        value = self._conn.execute(
            select(bank_account_reservation.c.reserved_fen).where(
                bank_account_reservation.c.account_no == account_no
            )
        ).scalar()
        return Money(int(value or 0))

    # --- inbox --------------------------------------------------------------------------------------

    def _notice(self, row: Row[Any]) -> NoticeRecord:
        m = row._mapping
        return NoticeRecord(
            id=int(m["id"]),
            account_no=m["account_no"],
            serial=m["serial"],
            bank_code=m["bank_code"],
            tx_date=m["tx_date"],
            amount=Money(int(m["amount_fen"])),
            counterparty_account=self._open(m["counterparty_enc"]),
            counterparty_name=m["counterparty_name"],
            remark=m["remark"],
            summary=m["summary"],
            source=m["source"],
            state=m["state"],
            instruction_e2e_id=m["instruction_e2e_id"],
            voucher_no=m["voucher_no"],
            unit_account_no=m["unit_account_no"],
            note=m["note"],
            received_at=_utc(m["received_at"]) or datetime.min.replace(tzinfo=UTC),
            processed_at=_utc(m["processed_at"]),
            processed_by=m["processed_by"],
        )

    def insert_notice(self, values: Mapping[str, Any]) -> NoticeRecord | None:
        row = dict(values)
        amount = row.pop("amount")
        counterparty = row.pop("counterparty_account", "")
        row["amount_fen"] = amount.fen
        # Encrypted only: nothing looks notices up by counterparty, so no blind index is kept.
        crypto = self._deps.crypto
        row["counterparty_enc"] = crypto.encrypt(counterparty, context=BANK_CARD) if counterparty else None
        if not insert_if_absent(self._conn, bank_notice, row):
            return None
        return self.notice_by_serial(row["account_no"], row["serial"])

    def notice(self, notice_id: int) -> NoticeRecord | None:
        row = self._conn.execute(select(bank_notice).where(bank_notice.c.id == notice_id)).first()
        return None if row is None else self._notice(row)

    def notice_by_serial(self, account_no: str, serial: str) -> NoticeRecord | None:
        row = self._conn.execute(
            select(bank_notice).where(bank_notice.c.account_no == account_no, bank_notice.c.serial == serial)
        ).first()
        return None if row is None else self._notice(row)

    def update_notice(self, notice_id: int, **changes: Any) -> None:
        unknown = set(changes) - _NOTICE_UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        self._conn.execute(update(bank_notice).where(bank_notice.c.id == notice_id).values(**changes))

    def list_notices(self, *, states: tuple[str, ...] | None, limit: int, offset: int) -> list[NoticeRecord]:
        limit, offset = _page(limit, offset)
        query = select(bank_notice)
        if states:
            query = query.where(bank_notice.c.state.in_(states))
        query = query.order_by(bank_notice.c.id.desc()).limit(limit).offset(offset)
        return [self._notice(row) for row in self._conn.execute(query)]

    def count_notices(self) -> dict[str, int]:
        rows = self._conn.execute(
            select(bank_notice.c.state, func.count()).group_by(bank_notice.c.state)
        ).all()
        return {str(state): int(n) for state, n in rows}

    # --- statement files ----------------------------------------------------------------------------

    @staticmethod
    def _file(row: Row[Any]) -> StatementFileRecord:
        m = row._mapping
        return StatementFileRecord(
            id=int(m["id"]),
            account_no=m["account_no"],
            start=m["start_date"],
            end=m["end_date"],
            digest=m["digest"],
            source=m["source"],
            name=m["name"],
            state=m["state"],
            line_count=int(m["line_count"]),
            total=Money(int(m["total_fen"])),
            opening=_money(m["opening_fen"]),
            closing=_money(m["closing_fen"]),
            new_lines=int(m["new_lines"]),
            created_at=_utc(m["created_at"]) or datetime.min.replace(tzinfo=UTC),
            created_by=m["created_by"],
            imported_at=_utc(m["imported_at"]),
        )

    def claim_file(self, values: Mapping[str, Any]) -> tuple[StatementFileRecord, bool]:
        created = insert_if_absent(self._conn, bank_statement_file, dict(values))
        row = self._conn.execute(
            select(bank_statement_file).where(
                bank_statement_file.c.account_no == values["account_no"],
                bank_statement_file.c.digest == values["digest"],
            )
        ).one()
        return self._file(row), created

    def insert_statement_lines(self, file_id: int, lines: tuple[StatementLine, ...]) -> None:
        if not lines:
            return
        self._conn.execute(
            insert(bank_statement_line),
            [
                {
                    "file_id": file_id,
                    "seq": index,
                    "serial": line.serial,
                    "tx_date": line.tx_date,
                    "tx_time": line.tx_time,
                    "tx_code": line.tx_code,
                    "amount_fen": line.amount.fen,
                    "balance_fen": line.balance.fen if line.balance is not None else None,
                    "counterparty_name": line.counterparty_name,
                    "remark": line.remark,
                    "summary": line.summary,
                }
                for index, line in enumerate(lines, start=1)
            ],
        )

    def statement_lines(self, file_id: int) -> list[StatementLine]:
        f, s = bank_statement_file, bank_statement_line
        rows = self._conn.execute(
            select(s, f.c.account_no)
            .join(f, f.c.id == s.c.file_id)
            .where(s.c.file_id == file_id)
            .order_by(s.c.seq)
        ).all()
        return [
            StatementLine(
                seq=int(r.seq),
                account_no=r.account_no,
                serial=r.serial,
                tx_code=r.tx_code,
                counterparty_account="",
                counterparty_name=r.counterparty_name,
                amount=Money(int(r.amount_fen)),
                tx_date=r.tx_date,
                tx_time=r.tx_time,
                balance=_money(r.balance_fen),
                remark=r.remark,
                summary=r.summary,
            )
            for r in rows
        ]

    def finish_file(self, file_id: int, *, now: datetime) -> None:
        taken = (
            select(func.count())
            .select_from(bank_notice)
            .where(bank_notice.c.file_id == file_id)
            .scalar_subquery()
        )
        self._conn.execute(
            update(bank_statement_file)
            .where(bank_statement_file.c.id == file_id)
            .values(state="imported", new_lines=taken, imported_at=now)
        )

    def statement_file(self, file_id: int) -> StatementFileRecord | None:
        row = self._conn.execute(
            select(bank_statement_file).where(bank_statement_file.c.id == file_id)
        ).first()
        return None if row is None else self._file(row)

    def notice_counts_for_file(self, file_id: int) -> dict[str, int]:
        rows = self._conn.execute(
            select(bank_notice.c.state, func.count())
            .where(bank_notice.c.file_id == file_id)
            .group_by(bank_notice.c.state)
        ).all()
        return {str(state): int(n) for state, n in rows}

    def latest_statement(self, account_no: str, day: date) -> StatementFileRecord | None:
        f = bank_statement_file
        row = self._conn.execute(
            select(f)
            .where(
                f.c.account_no == account_no,
                f.c.start_date == day,
                f.c.end_date == day,
                f.c.state == "imported",
                f.c.source.in_(("bdc113", "upload")),
            )
            .order_by(f.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else self._file(row)

    def list_files(self, *, limit: int, offset: int) -> list[StatementFileRecord]:
        limit, offset = _page(limit, offset)
        f = bank_statement_file
        rows = self._conn.execute(select(f).order_by(f.c.id.desc()).limit(limit).offset(offset)).all()
        return [self._file(r) for r in rows]

    # --- reconciliation -----------------------------------------------------------------------------

    def ledger_movements(self, ledger_account_no: str, day: date) -> list[LedgerMovement]:
        signed = case((posting.c.side == "D", posting.c.amount_fen), else_=-posting.c.amount_fen)
        rows = self._conn.execute(
            select(voucher.c.voucher_no, voucher.c.source_ref, voucher.c.memo, signed.label("amount"))
            .select_from(
                posting.join(voucher, voucher.c.id == posting.c.voucher_id).join(
                    ledger_account, ledger_account.c.id == posting.c.ledger_account_id
                )
            )
            .where(ledger_account.c.account_no == ledger_account_no, voucher.c.business_date == day)
            .order_by(posting.c.id)
        ).all()
        numbers = sorted({str(r.voucher_no) for r in rows})
        serials = self._serials_of(numbers)
        return [
            LedgerMovement(
                voucher_no=r.voucher_no,
                amount=Money(int(r.amount)),
                serials=frozenset(serials.get(r.voucher_no, ())),
                source_ref=r.source_ref,
                memo=r.memo,
            )
            for r in rows
        ]

    def _serials_of(self, voucher_numbers: list[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for start in range(0, len(voucher_numbers), 2000):
            chunk = voucher_numbers[start : start + 2000]
            n, i, b = bank_notice, bank_instruction, bank_batch_item
            for query in (
                select(n.c.voucher_no, n.c.serial).where(n.c.voucher_no.in_(chunk)),
                select(i.c.settle_voucher_no, i.c.host_serial).where(
                    i.c.settle_voucher_no.in_(chunk), i.c.host_serial.is_not(None)
                ),
                select(b.c.voucher_no, b.c.host_serial).where(
                    b.c.voucher_no.in_(chunk), b.c.host_serial.is_not(None)
                ),
            ):
                for number, serial in self._conn.execute(query).all():
                    found[str(number)].add(str(serial))
        return found

    def book_balance(self, ledger_account_no: str, as_of: date) -> Money:
        account = self._conn.execute(
            select(ledger_account.c.id, ledger_account.c.opening_balance_fen).where(
                ledger_account.c.account_no == ledger_account_no
            )
        ).one()
        signed = case((posting.c.side == "D", posting.c.amount_fen), else_=-posting.c.amount_fen)
        moved = self._conn.execute(
            select(func.coalesce(func.sum(signed), 0))
            .select_from(posting.join(voucher, voucher.c.id == posting.c.voucher_id))
            .where(and_(posting.c.ledger_account_id == account.id, voucher.c.business_date <= as_of))
        ).scalar_one()
        return Money(int(account.opening_balance_fen) + int(moved))

    @staticmethod
    def _recon(row: Row[Any]) -> ReconciliationRecord:
        m = row._mapping
        summary = json.loads(m["summary_json"])
        return ReconciliationRecord(
            id=int(m["id"]),
            account_no=m["account_no"],
            business_date=m["business_date"],
            run_no=int(m["run_no"]),
            file_id=m["file_id"],
            state=m["state"],
            bank_balance=_money(m["bank_balance_fen"]),
            book_balance=Money(int(m["book_balance_fen"])),
            statement_total=Money(int(m["statement_total_fen"])),
            ledger_total=Money(int(m["ledger_total_fen"])),
            counts={k: int(v) for k, v in summary.get("counts", {}).items()},
            statement_sums={k: Money(int(v)) for k, v in summary.get("statement_sums", {}).items()},
            ledger_sums={k: Money(int(v)) for k, v in summary.get("ledger_sums", {}).items()},
            message=m["message"],
            created_at=_utc(m["created_at"]) or datetime.min.replace(tzinfo=UTC),
            created_by=m["created_by"],
        )

    def insert_reconciliation(
        self, values: Mapping[str, Any], items: list[ReconciliationItemRecord]
    ) -> ReconciliationRecord:
        r = bank_reconciliation
        row = dict(values)
        last = self._conn.execute(
            select(func.coalesce(func.max(r.c.run_no), 0)).where(
                r.c.account_no == row["account_no"], r.c.business_date == row["business_date"]
            )
        ).scalar_one()
        row["run_no"] = int(last) + 1
        row["summary_json"] = json.dumps(
            {
                "counts": dict(row.pop("counts")),
                "statement_sums": {k: v.fen for k, v in row.pop("statement_sums").items()},
                "ledger_sums": {k: v.fen for k, v in row.pop("ledger_sums").items()},
            },
            sort_keys=True,
        )
        for key in ("bank_balance", "book_balance", "statement_total", "ledger_total"):
            amount = row.pop(key)
            row[f"{key}_fen"] = None if amount is None else amount.fen
        try:
            recon_id = self._conn.execute(insert(r).values(**row).returning(r.c.id)).scalar_one()
        except IntegrityError as exc:  # a concurrent run took the same number: retry whole
            raise TransientConflict("transient_conflict") from exc
        if items:
            self._conn.execute(
                insert(bank_reconciliation_item),
                [
                    {
                        "reconciliation_id": recon_id,
                        "verdict": item.verdict,
                        "serial": item.serial,
                        "line_seq": item.line_seq,
                        "statement_amount_fen": _fen(item.statement_amount),
                        "voucher_no": item.voucher_no,
                        "ledger_amount_fen": _fen(item.ledger_amount),
                        "note": item.note[:200],
                    }
                    for item in items
                ],
            )
        found = self.reconciliation(int(recon_id))
        assert found is not None
        return found

    def reconciliation(self, recon_id: int) -> ReconciliationRecord | None:
        row = self._conn.execute(
            select(bank_reconciliation).where(bank_reconciliation.c.id == recon_id)
        ).first()
        return None if row is None else self._recon(row)

    def reconciliation_items(self, recon_id: int) -> list[ReconciliationItemRecord]:
        t = bank_reconciliation_item
        rows = self._conn.execute(select(t).where(t.c.reconciliation_id == recon_id).order_by(t.c.id)).all()
        return [
            ReconciliationItemRecord(
                verdict=r.verdict,
                serial=r.serial,
                line_seq=r.line_seq,
                statement_amount=_money(r.statement_amount_fen),
                voucher_no=r.voucher_no,
                ledger_amount=_money(r.ledger_amount_fen),
                note=r.note,
            )
            for r in rows
        ]

    def list_reconciliations(
        self, *, day: date | None, account_no: str | None, limit: int, offset: int
    ) -> list[ReconciliationRecord]:
        limit, offset = _page(limit, offset)
        r = bank_reconciliation
        query = select(r)
        if day is not None:
            query = query.where(r.c.business_date == day)
        if account_no is not None:
            query = query.where(r.c.account_no == account_no)
        query = query.order_by(r.c.business_date.desc(), r.c.account_no, r.c.run_no.desc())
        return [self._recon(row) for row in self._conn.execute(query.limit(limit).offset(offset))]


def _fen(amount: Money | None) -> int | None:
    return None if amount is None else amount.fen


register("bank", SqlBankRepository)
