"""Backups, restores and restore drills for SQLite and PostgreSQL (docs/operations/backup.md).

SQLite is copied with SQLite's online backup API (never a file copy: a live WAL database copied
file by file can be torn); PostgreSQL with pg_dump's custom format and pg_restore. Beside every
backup lies a manifest (`<file>.manifest.json`) holding the file's SHA-256 and, per table, the
row count and a SHA-256 over its rows in primary-key order, taken from the very snapshot that was
backed up. A restore checks the file against its manifest first; a drill restores into a scratch
database and compares every table with the manifest.

On PostgreSQL the snapshot is shared: one REPEATABLE READ transaction exports its snapshot,
hashes every table inside it and hands the snapshot to `pg_dump --snapshot`, so writers may run on
while the backup is taken and the digests still describe exactly what was dumped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from anju.errors import Conflict, RuleViolation

MANIFEST_SUFFIX = ".manifest.json"
FORMAT_VERSION = 1


class BackupRuleViolation(RuleViolation):
    """A backup or restore that cannot be done as asked (missing tool, bad file, busy target)."""


class RestoreConflict(Conflict):
    """The restore target already holds data and --force was not given."""


@dataclass(frozen=True, slots=True)
class TableDigest:
    rows: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Manifest:
    dialect: str  # sqlite | postgresql
    created_at: str  # UTC, ISO 8601
    file_sha256: str
    file_bytes: int
    schema_revision: str | None
    tables: dict[str, TableDigest]
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)

    @staticmethod
    def from_json(raw: str) -> Manifest:
        data = json.loads(raw)
        tables = {name: TableDigest(**d) for name, d in data.pop("tables").items()}
        return Manifest(tables=tables, **data)


@dataclass(frozen=True, slots=True)
class DrillReport:
    backup_file: Path
    scratch_url: str  # without password
    tables_compared: int
    mismatches: list[str] = field(default_factory=list)  # Chinese, one per differing table

    @property
    def ok(self) -> bool:
        return not self.mismatches


# --- digests -------------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return "b:" + bytes(value).hex()
    if isinstance(value, datetime):
        return "t:" + value.isoformat()
    return f"{type(value).__name__}:{value}"


def table_digests(conn: Connection) -> dict[str, TableDigest]:
    """Row count and SHA-256 over the rows of every table, each in primary-key order.

    Reflects the database itself (not the code's metadata), so a table added by a newer release or
    left by an older one is still covered; alembic_version included.
    """
    meta = MetaData()
    names = sorted(inspect(conn).get_table_names())
    result: dict[str, TableDigest] = {}
    for name in names:
        table = Table(name, meta, autoload_with=conn)
        order = list(table.primary_key.columns) or list(table.columns)
        digest = hashlib.sha256()
        rows = 0
        stream = conn.execution_options(yield_per=5000).execute(select(table).order_by(*order))
        for row in stream:
            rows += 1
            digest.update("\x1f".join(_canonical(v) for v in row).encode())
            digest.update(b"\x1e")
        result[name] = TableDigest(rows=rows, sha256=digest.hexdigest())
    return result


def compare_digests(expected: dict[str, TableDigest], actual: dict[str, TableDigest]) -> list[str]:
    """Chinese lines naming each table whose rows differ; empty when all are identical."""
    problems: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        if want is None:
            problems.append(f"表 {name}：恢复后多出此表")
        elif got is None:
            problems.append(f"表 {name}：恢复后缺少此表")
        elif want != got:
            problems.append(f"表 {name}：备份 {want.rows} 行，恢复后 {got.rows} 行，内容摘要不一致")
    return problems


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(value) if value is not None else None


def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + MANIFEST_SUFFIX)


def read_manifest(backup_file: Path) -> Manifest:
    path = manifest_path(backup_file)
    if not path.exists():
        raise BackupRuleViolation("backup_manifest_missing", file=str(path))
    return Manifest.from_json(path.read_text(encoding="utf-8"))


def verify_file(backup_file: Path) -> Manifest:
    """The manifest, once the file is shown to be the one it describes (size and SHA-256)."""
    if not backup_file.is_file():
        raise BackupRuleViolation("backup_file_missing", file=str(backup_file))
    manifest = read_manifest(backup_file)
    if backup_file.stat().st_size != manifest.file_bytes or _file_sha256(backup_file) != manifest.file_sha256:
        raise BackupRuleViolation("backup_file_corrupt", file=str(backup_file))
    return manifest


# --- SQLite --------------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupRuleViolation("backup_needs_file_database")
    return Path(database)


def _sqlite_integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        verdict = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    if verdict != ["ok"]:
        raise BackupRuleViolation("backup_integrity_failed", file=str(path), detail="; ".join(verdict[:5]))


def _sqlite_copy(source: Path, target: Path) -> None:
    """Page-by-page copy through the online backup API, in one step: SQLite holds one read
    transaction for it, so the copy is a consistent snapshot while writers go on (WAL)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
    finally:
        dst.close()
        src.close()


def _sqlite_digests(path: Path) -> tuple[dict[str, TableDigest], str | None]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return table_digests(conn), _revision(conn)
    finally:
        engine.dispose()


def _backup_sqlite(url: str, target: Path, created_at: str) -> Manifest:
    source = _sqlite_path(url)
    if not source.exists():
        raise BackupRuleViolation("backup_file_missing", file=str(source))
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    _sqlite_copy(source, partial)
    _sqlite_integrity(partial)
    tables, revision = _sqlite_digests(partial)
    os.replace(partial, target)
    return Manifest(
        dialect="sqlite",
        created_at=created_at,
        file_sha256=_file_sha256(target),
        file_bytes=target.stat().st_size,
        schema_revision=revision,
        tables=tables,
    )


def _restore_sqlite(backup_file: Path, url: str, *, force: bool) -> None:
    target = _sqlite_path(url)
    if target.exists() and target.stat().st_size > 0 and not force:
        raise RestoreConflict("restore_target_not_empty", target=str(target))
    _sqlite_integrity(backup_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Through the backup API into the target (never a file copy over a database that may have a
    # -wal file beside it); the target ends in WAL mode like every Anju database.
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


# --- PostgreSQL ----------------------------------------------------------------------------------


def pg_bin(tool: str) -> str:
    """A PostgreSQL client program: $PGBIN, else the newest /usr/lib/postgresql/*/bin (as
    scripts/with-postgres.sh finds the server), else PATH."""
    folders = [os.environ["PGBIN"]] if os.environ.get("PGBIN") else []
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
    )
    folders += [str(p) for p in reversed(versions)]
    for folder in folders:
        candidate = Path(folder) / tool
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(tool)
    if found is None:
        raise BackupRuleViolation("backup_tool_missing", tool=tool)
    return found


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it
    (PGPASSWORD), so no secret shows in the process list."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], code: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - no shell, own args
    if done.returncode != 0:
        raise BackupRuleViolation(code, tool=Path(args[0]).name, detail=done.stderr.strip()[-500:])


def _backup_postgres(engine: Engine, url: str, target: Path, created_at: str) -> Manifest:
    dsn, env = libpq_target(url)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with engine.connect() as plain:
        conn = plain.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            tables = table_digests(conn)
            revision = _revision(conn)
            # The snapshot lives as long as this transaction: dump while it is open.
            _run(
                [pg_bin("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={partial}", dsn],
                env,
                "backup_failed",
            )
    os.replace(partial, target)
    return Manifest(
        dialect="postgresql",
        created_at=created_at,
        file_sha256=_file_sha256(target),
        file_bytes=target.stat().st_size,
        schema_revision=revision,
        tables=tables,
    )


def _restore_postgres(backup_file: Path, url: str, *, force: bool) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            existing = inspect(conn).get_table_names()
    finally:
        engine.dispose()
    if existing and not force:
        raise RestoreConflict("restore_target_not_empty", target=make_url(url).database or "")
    dsn, env = libpq_target(url)
    args = [pg_bin("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", f"--dbname={dsn}"]
    if existing:
        args[1:1] = ["--clean", "--if-exists"]
    _run([*args, str(backup_file)], env, "restore_failed")


# --- the commands --------------------------------------------------------------------------------


def backup(engine: Engine, url: str, target: Path, *, created_at: str) -> Manifest:
    """Back up the database at `url` into `target` (+ manifest). Safe while the service runs."""
    if target.exists():
        raise BackupRuleViolation("backup_target_exists", file=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        manifest = _backup_sqlite(url, target, created_at)
    else:
        manifest = _backup_postgres(engine, url, target, created_at)
    manifest_path(target).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def restore(backup_file: Path, url: str, *, force: bool = False) -> Manifest:
    """Restore a verified backup into the (stopped) database at `url`. An existing database is
    replaced only with `force`."""
    manifest = verify_file(backup_file)
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    if manifest.dialect != dialect:
        raise BackupRuleViolation("backup_dialect_mismatch", backup=manifest.dialect, target=dialect)
    if dialect == "sqlite":
        _restore_sqlite(backup_file, url, force=force)
    else:
        _restore_postgres(backup_file, url, force=force)
    return manifest


def digests_of(url: str) -> dict[str, TableDigest]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return table_digests(conn)
    finally:
        engine.dispose()


@contextmanager
def scratch_database(url: str, workdir: Path) -> Iterator[str]:
    """A new empty database beside the one at `url`, dropped afterwards: a file in `workdir` for
    SQLite, `<name>_drill_<pid>` on the same PostgreSQL server."""
    if url.startswith("sqlite"):
        path = workdir / f"drill-{os.getpid()}.db"
        path.unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    parsed = make_url(url)
    name = f"{parsed.database or 'anju'}_drill_{os.getpid()}"[:63]
    admin_url = parsed.set(database="postgres").render_as_string(hide_password=False)
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    quoted = '"' + name.replace('"', '""') + '"'
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))  # identifier, not a value
            conn.execute(text(f"CREATE DATABASE {quoted}"))
        try:
            yield parsed.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        admin.dispose()


def drill_compare(backup_file: Path, scratch_url: str) -> DrillReport:
    """Restore `backup_file` into the empty scratch database and compare it with the manifest."""
    manifest = restore(backup_file, scratch_url)
    restored = digests_of(scratch_url)
    return DrillReport(
        backup_file=backup_file,
        scratch_url=make_url(scratch_url).render_as_string(hide_password=True),
        tables_compared=len(manifest.tables),
        mismatches=compare_digests(manifest.tables, restored),
    )
