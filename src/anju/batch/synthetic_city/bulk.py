"""Bulk writing: binary COPY on PostgreSQL, executemany on SQLite, and a bulk-load mode.

Bulk-load mode (PostgreSQL, inside the loader's one transaction) is what a legacy migration does:
the foreign keys that touch the loaded tables, their unique constraints and secondary indexes are
dropped and rebuilt afterwards, and the INSERT triggers of vouchers and postings (the deferred
per-voucher balance check and the line-number guard) are disabled while rows stream in. Rebuilding
re-validates every row (each foreign key in one anti-join, each unique index in one sort), and
`verify_vouchers` then checks every loaded voucher the way the two triggers would have — before
the commit, so a load that breaks any rule leaves nothing behind. The definitions come from the
catalog, so constraints other features add later are dropped and restored the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Connection

from anju.errors import InvariantViolation

SQLITE_BATCH = 5_000


# SQLAlchemy type -> binary COPY type; subclasses first (BigInteger is an Integer).
_COPY_TYPES: tuple[tuple[type[Any], str], ...] = (
    (BigInteger, "int8"),
    (SmallInteger, "int2"),
    (Integer, "int4"),
    (String, "text"),
    (Text, "text"),
    (Date, "date"),
    (LargeBinary, "bytea"),
    (Numeric, "numeric"),
    (Boolean, "bool"),
)


def _pg_type(column: Any) -> str:
    kind = column.type
    if isinstance(kind, DateTime):  # before Date: not a subclass, but keep the timezone apart
        return "timestamptz" if kind.timezone else "timestamp"
    for python_type, name in _COPY_TYPES:
        if isinstance(kind, python_type):
            return name
    raise TypeError(f"no COPY type for {column.table.name}.{column.name} ({kind!r})")


class Writer:
    """Writes rows (tuples in `columns` order) into a table on the loader's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"

    def rows(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        if self.pg:
            return self._copy(table, columns, rows)
        count = 0
        iterator = iter(rows)
        insert = table.insert()
        while batch := list(islice(iterator, SQLITE_BATCH)):
            self.conn.execute(insert, [dict(zip(columns, row, strict=True)) for row in batch])
            count += len(batch)
        return count

    def _copy(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        driver = self.conn.connection.driver_connection
        assert driver is not None
        types = [_pg_type(table.c[name]) for name in columns]
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"  # our names
        count = 0
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
                count += 1
        return count


# --- PostgreSQL bulk-load mode ---------------------------------------------------------------


@dataclass
class BulkState:
    """What `begin_bulk` took away, to put back in `end_bulk`."""

    restore_indexes: list[str] = field(default_factory=list)
    restore_foreign_keys: list[str] = field(default_factory=list)
    enable_triggers: list[str] = field(default_factory=list)


def begin_bulk(
    conn: Connection, tables: Sequence[str], trigger_tables: Sequence[str], key_tables: Sequence[str] = ()
) -> BulkState:
    """Drop FKs touching `tables`, their unique constraints and secondary indexes, and the primary
    keys of `key_tables` (rows written with explicit ids; the rebuilt key proves them unique);
    disable the INSERT triggers of `trigger_tables`. Same transaction as the load: a rollback
    undoes it."""
    state = BulkState()
    names = {"tables": list(tables), "keys": list(key_tables)}
    conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
    conn.execute(text("SET LOCAL work_mem = '256MB'"))
    fks = conn.execute(
        text(
            "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname), "
            "format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, "
            "pg_get_constraintdef(oid)) FROM pg_constraint WHERE contype = 'f' "
            "AND (conrelid = ANY(CAST(:tables AS regclass[])) "
            "OR confrelid = ANY(CAST(:tables AS regclass[]))) "
            "ORDER BY conrelid::regclass::text, conname"
        ),
        names,
    ).all()
    uniques = conn.execute(
        text(
            "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname), "
            "format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, "
            "pg_get_constraintdef(oid)) FROM pg_constraint WHERE (contype = 'u' "
            "AND conrelid = ANY(CAST(:tables AS regclass[]))) OR (contype = 'p' "
            "AND conrelid = ANY(CAST(:keys AS regclass[]))) ORDER BY conrelid::regclass::text, conname"
        ),
        names,
    ).all()
    indexes = conn.execute(
        text(
            "SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
            "AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) "
            "ORDER BY i.indexrelid::regclass::text"
        ),
        names,
    ).all()
    triggers = conn.execute(
        text(
            "SELECT format('ALTER TABLE %s DISABLE TRIGGER %I', tgrelid::regclass, tgname), "
            "format('ALTER TABLE %s ENABLE TRIGGER %I', tgrelid::regclass, tgname) FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgenabled <> 'D' AND (tgtype & 4) <> 0 "
            "AND tgrelid = ANY(CAST(:tables AS regclass[])) ORDER BY tgrelid::regclass::text, tgname"
        ),
        {"tables": list(trigger_tables)},
    ).all()
    for drop, restore in fks:
        conn.exec_driver_sql(drop)
        state.restore_foreign_keys.append(restore)
    for drop, restore in [*uniques, *indexes]:
        conn.exec_driver_sql(drop)
        state.restore_indexes.append(restore)
    for disable, enable in triggers:
        conn.exec_driver_sql(disable)
        state.enable_triggers.append(enable)
    return state


def end_bulk(conn: Connection, state: BulkState) -> None:
    """Rebuild indexes and unique constraints, re-add (and so re-validate) the foreign keys,
    re-enable the triggers."""
    for statement in [*state.restore_indexes, *state.restore_foreign_keys, *state.enable_triggers]:
        conn.exec_driver_sql(statement.replace("%", "%%"))


def verify_vouchers(conn: Connection, first_id: int, last_id: int) -> None:
    """What the disabled triggers check, for the loaded vouchers, in one pass: each has its
    declared number of lines numbered 1..n, at least two, and its debits equal its credits and
    its total. (Line numbers are unique per voucher by the rebuilt unique constraint.)"""
    bad = conn.execute(
        text(
            "SELECT v.voucher_no FROM voucher v LEFT JOIN ("
            " SELECT voucher_id, count(*) AS lines, min(line_no) AS low, max(line_no) AS high,"
            " COALESCE(sum(amount_fen) FILTER (WHERE side = 'D'), 0) AS debit,"
            " COALESCE(sum(amount_fen) FILTER (WHERE side = 'C'), 0) AS credit"
            " FROM posting WHERE voucher_id BETWEEN :first AND :last GROUP BY voucher_id"
            ") p ON p.voucher_id = v.id WHERE v.id BETWEEN :first AND :last AND ("
            " p.lines IS NULL OR p.lines < 2 OR p.lines <> v.posting_count OR p.low < 1"
            " OR p.high <> v.posting_count OR p.debit <> p.credit OR p.debit <> v.total_fen) LIMIT 5"
        ),
        {"first": first_id, "last": last_id},
    ).all()
    if bad:
        raise InvariantViolation("city_load_rule_broken", vouchers=", ".join(row[0] for row in bad))


def reset_id_sequences(conn: Connection, tables: Sequence[str]) -> None:
    """After rows were written with explicit ids, move each id sequence past the highest id."""
    for table in tables:
        top = conn.execute(text(f"SELECT COALESCE(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :next, false)"),
            {"table": table, "next": int(top) + 1},
        )
