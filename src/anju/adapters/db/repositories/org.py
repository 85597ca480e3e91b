"""The centre, branches, entrusted banks and centre bank accounts (专户)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Row

from anju.adapters.db.repositories.common import insert_on_unique
from anju.adapters.db.tables.org import branch, centre, centre_bank_account, entrusted_bank
from anju.adapters.db.unit_of_work import register
from anju.services.ports import (
    BranchRecord,
    CentreBankAccountRecord,
    CentreRecord,
    EntrustedBankRecord,
)


def _branch(row: Row[Any]) -> BranchRecord:
    m = row._mapping
    return BranchRecord(
        id=int(m["id"]),
        code=m["code"],
        name=m["name"],
        address=m["address"],
        phone=m["phone"],
        status=m["status"],
        is_head_office=bool(m["is_head_office"]),
    )


def _bank(row: Row[Any]) -> EntrustedBankRecord:
    m = row._mapping
    return EntrustedBankRecord(
        id=int(m["id"]), code=m["code"], name=m["name"], node_no=m["node_no"], status=m["status"]
    )


_ACCOUNT_COLUMNS = (
    centre_bank_account.c.id,
    centre_bank_account.c.bank_id,
    entrusted_bank.c.code.label("bank_code"),
    entrusted_bank.c.name.label("bank_name"),
    centre_bank_account.c.branch_id,
    branch.c.code.label("branch_code"),
    centre_bank_account.c.account_no,
    centre_bank_account.c.account_name,
    centre_bank_account.c.purpose,
    centre_bank_account.c.gl_code,
    centre_bank_account.c.ledger_account_no,
    centre_bank_account.c.opened_on,
    centre_bank_account.c.closed_on,
    centre_bank_account.c.status,
)


def _account(row: Row[Any]) -> CentreBankAccountRecord:
    m = row._mapping
    return CentreBankAccountRecord(
        id=int(m["id"]),
        bank_id=int(m["bank_id"]),
        bank_code=m["bank_code"],
        bank_name=m["bank_name"],
        branch_id=None if m["branch_id"] is None else int(m["branch_id"]),
        branch_code=m["branch_code"],
        account_no=m["account_no"],
        account_name=m["account_name"],
        purpose=m["purpose"],
        gl_code=m["gl_code"],
        ledger_account_no=m["ledger_account_no"],
        opened_on=m["opened_on"],
        closed_on=m["closed_on"],
        status=m["status"],
    )


class SqlOrganisationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- centre -----------------------------------------------------------------------------

    def get_centre(self) -> CentreRecord | None:
        row = self._conn.execute(select(centre).where(centre.c.id == 1)).first()
        if row is None:
            return None
        m = row._mapping
        return CentreRecord(
            code=m["code"],
            name=m["name"],
            region_code=m["region_code"],
            address=m["address"],
            phone=m["phone"],
        )

    def save_centre(self, record: CentreRecord) -> None:
        values = {
            "code": record.code,
            "name": record.name,
            "region_code": record.region_code,
            "address": record.address,
            "phone": record.phone,
        }
        stmt: Any
        if self._conn.dialect.name == "postgresql":
            stmt = pg_insert(centre).values(id=1, **values)
        else:
            stmt = sqlite_insert(centre).values(id=1, **values)
        self._conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))

    # --- branches ---------------------------------------------------------------------------

    def list_branches(self) -> list[BranchRecord]:
        rows = self._conn.execute(select(branch).order_by(branch.c.is_head_office.desc(), branch.c.code))
        return [_branch(row) for row in rows]

    def branch_by_code(self, code: str) -> BranchRecord | None:
        row = self._conn.execute(select(branch).where(branch.c.code == code)).first()
        return None if row is None else _branch(row)

    def branch_by_id(self, branch_id: int) -> BranchRecord | None:
        row = self._conn.execute(select(branch).where(branch.c.id == branch_id)).first()
        return None if row is None else _branch(row)

    def head_office(self) -> BranchRecord | None:
        row = self._conn.execute(select(branch).where(branch.c.is_head_office.is_(True))).first()
        return None if row is None else _branch(row)

    def add_branch(
        self, *, code: str, name: str, address: str, phone: str, is_head_office: bool
    ) -> BranchRecord | None:
        values = {
            "code": code,
            "name": name,
            "address": address,
            "phone": phone,
            "status": "active",
            "is_head_office": is_head_office,
        }
        new_id = insert_on_unique(self._conn, branch, values, "code")
        return None if new_id is None else self.branch_by_id(new_id)

    # --- entrusted banks --------------------------------------------------------------------

    def list_banks(self) -> list[EntrustedBankRecord]:
        return [
            _bank(row) for row in self._conn.execute(select(entrusted_bank).order_by(entrusted_bank.c.code))
        ]

    def bank_by_code(self, code: str) -> EntrustedBankRecord | None:
        row = self._conn.execute(select(entrusted_bank).where(entrusted_bank.c.code == code)).first()
        return None if row is None else _bank(row)

    def add_bank(self, *, code: str, name: str, node_no: str) -> EntrustedBankRecord | None:
        values = {"code": code, "name": name, "node_no": node_no, "status": "active"}
        if insert_on_unique(self._conn, entrusted_bank, values, "code") is None:
            return None
        return self.bank_by_code(code)

    # --- centre bank accounts ---------------------------------------------------------------

    def _accounts_query(self) -> Any:
        return select(*_ACCOUNT_COLUMNS).select_from(
            centre_bank_account.join(
                entrusted_bank, entrusted_bank.c.id == centre_bank_account.c.bank_id
            ).outerjoin(branch, branch.c.id == centre_bank_account.c.branch_id)
        )

    def list_centre_bank_accounts(self) -> list[CentreBankAccountRecord]:
        query = self._accounts_query().order_by(entrusted_bank.c.code, centre_bank_account.c.account_no)
        return [_account(row) for row in self._conn.execute(query)]

    def centre_bank_account_by_no(self, account_no: str) -> CentreBankAccountRecord | None:
        query = self._accounts_query().where(centre_bank_account.c.account_no == account_no)
        row = self._conn.execute(query).first()
        return None if row is None else _account(row)

    def add_centre_bank_account(
        self,
        *,
        bank_id: int,
        branch_id: int | None,
        account_no: str,
        account_name: str,
        purpose: str,
        gl_code: str,
        opened_on: date,
    ) -> CentreBankAccountRecord | None:
        values = {
            "bank_id": bank_id,
            "branch_id": branch_id,
            "account_no": account_no,
            "account_name": account_name,
            "purpose": purpose,
            "gl_code": gl_code,
            "opened_on": opened_on,
            "status": "active",
        }
        if insert_on_unique(self._conn, centre_bank_account, values, "account_no") is None:
            return None
        return self.centre_bank_account_by_no(account_no)

    def link_ledger_account(self, account_id: int, *, gl_code: str, ledger_account_no: str) -> None:
        t = centre_bank_account
        self._conn.execute(
            update(t).where(t.c.id == account_id).values(gl_code=gl_code, ledger_account_no=ledger_account_no)
        )


register("org", lambda conn, _deps: SqlOrganisationRepository(conn))
