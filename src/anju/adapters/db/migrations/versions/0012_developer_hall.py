"""Developer web hall (开发商网厅): hall_account gains the third kind, scoped by developer_id.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23

SQLite cannot alter a CHECK constraint, and rebuilding hall_account would trip the foreign keys
of its sessions and codes (the migration runs in one transaction with foreign keys on). The
CHECK text is therefore edited in the schema table, the way SQLite documents for constraint
changes that leave the stored rows valid (sqlite.org/lang_altertable.html, "other kinds of
table schema changes"); PostgreSQL drops and re-creates the constraints.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_OLD_KIND = "kind IN ('unit', 'person')"
_NEW_KIND = "kind IN ('unit', 'person', 'developer')"
_SCOPE = "kind <> 'developer' OR developer_id IS NOT NULL"
_FK = "fk_hall_account_developer_id_loan_developer"


def _sqlite_checks(old: str, new: str) -> None:
    """Replace `old` by `new` in hall_account's CREATE TABLE text (SQLite only)."""
    bind = op.get_bind()
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'hall_account'")
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"hall_account has no {old!r}")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'hall_account'"),
        {"sql": sql.replace(old, new)},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))  # others reload the schema
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with an inline REFERENCES is allowed when the default is NULL.
        op.execute(
            f"ALTER TABLE hall_account ADD COLUMN developer_id INTEGER CONSTRAINT {_FK} REFERENCES loan_developer (id)"
        )
        _sqlite_checks(
            f"CONSTRAINT ck_hall_account_kind CHECK ({_OLD_KIND})",
            f"CONSTRAINT ck_hall_account_kind CHECK ({_NEW_KIND}), "
            f"CONSTRAINT ck_hall_account_developer_scope CHECK ({_SCOPE})",
        )
    else:
        op.add_column("hall_account", sa.Column("developer_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(op.f(_FK), "hall_account", "loan_developer", ["developer_id"], ["id"])
        op.drop_constraint(op.f("ck_hall_account_kind"), "hall_account", type_="check")
        op.create_check_constraint(op.f("ck_hall_account_kind"), "hall_account", _NEW_KIND)
        op.create_check_constraint(op.f("ck_hall_account_developer_scope"), "hall_account", _SCOPE)
        op.alter_column(
            "hall_account", "kind", comment="unit | person | developer", existing_type=sa.String(16)
        )
        op.alter_column(
            "hall_account",
            "login",
            comment="unit:<单位账号> | person:<ID blind index> | developer:<统一社会信用代码>",
            existing_type=sa.String(80),
        )
    op.create_index(op.f("ix_hall_account_developer_id"), "hall_account", ["developer_id"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM hall_account WHERE kind = 'developer'")
    op.drop_index(op.f("ix_hall_account_developer_id"), table_name="hall_account")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_checks(
            f"CONSTRAINT ck_hall_account_kind CHECK ({_NEW_KIND}), "
            f"CONSTRAINT ck_hall_account_developer_scope CHECK ({_SCOPE})",
            f"CONSTRAINT ck_hall_account_kind CHECK ({_OLD_KIND})",
        )
        with op.batch_alter_table("hall_account") as batch:
            batch.drop_column("developer_id")
    else:
        op.drop_constraint(op.f("ck_hall_account_developer_scope"), "hall_account", type_="check")
        op.drop_constraint(op.f("ck_hall_account_kind"), "hall_account", type_="check")
        op.create_check_constraint(op.f("ck_hall_account_kind"), "hall_account", _OLD_KIND)
        op.drop_constraint(op.f(_FK), "hall_account", type_="foreignkey")
        op.drop_column("hall_account", "developer_id")
