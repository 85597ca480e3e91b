"""Backups, restores and restore drills (reliability.md B1, B4; docs/operations/backup.md).

B1: an online backup taken while writers post is a consistent snapshot: it passes SQLite's
integrity check, every table matches its manifest after a restore, and the restored ledger checks.
B4: the restore drill (dump, restore into a scratch database, compare per-table digests) on both
databases; a tampered backup is refused before anything is restored.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anju.adapters.db import backup as db_backup
from anju.bootstrap import Container, build
from anju.errors import AnjuError
from anju.services.ledger import check_ledger
from anju.services.runner import read
from tests.reliability.workload import (
    Books,
    assert_ledger_ok,
    open_books,
    post,
    remit,
    seeded_random,
    soak_size,
    transfer,
)


def _writers(
    container: Container, books: Books, stop: threading.Event, posted: list[str]
) -> list[threading.Thread]:
    rng = seeded_random("backup-writers")
    members = books.members

    def work(worker: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            ref = f"w{worker}-{i}"
            a, b = rng.sample(members, 2)
            try:
                if i % 3 == 0:
                    post(container, remit(books, ref, [(a, rng.randint(1, 5000)), (b, rng.randint(1, 5000))]))
                else:
                    post(container, transfer(ref, a, b, rng.randint(1, 3000)))
                posted.append(ref)
            except AnjuError:
                pass  # insufficient balance: a refused transfer posts nothing

    return [threading.Thread(target=work, args=(w,), daemon=True) for w in range(3)]


def _restored_container(container: Container, url: str) -> Container:
    return build(replace(container.settings, database_url=url), clock=container.clock)


def test_an_online_backup_under_writers_is_a_consistent_snapshot(
    container: Container, tmp_path: Path
) -> None:
    books = open_books(container, members=6)
    post(container, remit(books, "seed", [(m, 100_000) for m in books.members]))
    stop, posted = threading.Event(), []
    threads = _writers(container, books, stop, posted)
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while len(posted) < 10:  # the backup is taken while writers are busy
            assert time.monotonic() < deadline, "writers made no progress"
            time.sleep(0.02)
        backups = []
        for n in range(soak_size(1, scale=0.05)):
            target = tmp_path / f"b{n}.bak"
            manifest = db_backup.backup(
                container.engine, container.settings.database_url, target, created_at="t"
            )
            backups.append((target, manifest))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert_ledger_ok(container)

    for target, manifest in backups:
        if manifest.dialect == "sqlite":
            with sqlite3.connect(target) as raw:
                assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        with db_backup.scratch_database(container.settings.database_url, tmp_path) as scratch:
            report = db_backup.drill_compare(target, scratch)
            assert report.ok, report.mismatches
            assert report.tables_compared == len(manifest.tables) > 20
            restored = _restored_container(container, scratch)
            try:
                ledger = read(restored.uow, check_ledger)
                assert ledger.ok, ledger.problems
                assert ledger.voucher_count == manifest.tables["voucher"].rows
                # Mid-run: more than the seed, fewer than at the end.
                assert 1 < ledger.voucher_count <= read(container.uow, check_ledger).voucher_count
            finally:
                restored.engine.dispose()


def test_restore_drill_compares_every_table_and_the_ledger(container: Container, tmp_path: Path) -> None:
    from anju.bootstrap import backup_database, restore_drill

    books = open_books(container, members=3)
    post(container, remit(books, "r1", [(m, 12_345) for m in books.members]))
    post(container, transfer("t1", books.members[0], books.members[1], 45))

    outcome = restore_drill(container, workdir=tmp_path)

    assert outcome.ok, outcome.mismatches
    assert outcome.restored_vouchers == 2
    assert outcome.tables_compared > 20
    # A second backup of the same data describes the same rows.
    again, manifest = backup_database(container, tmp_path / "again.bak")
    assert manifest.tables == db_backup.read_manifest(outcome.backup_file).tables
    assert again.exists()


def test_a_tampered_backup_is_refused_before_anything_is_restored(
    container: Container, tmp_path: Path
) -> None:
    open_books(container)
    target = tmp_path / "x.bak"
    db_backup.backup(container.engine, container.settings.database_url, target, created_at="t")
    with pytest.raises(AnjuError) as refused:
        db_backup.backup(container.engine, container.settings.database_url, target, created_at="t")
    assert refused.value.code == "backup_target_exists"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))

    with db_backup.scratch_database(container.settings.database_url, tmp_path) as scratch:
        with pytest.raises(AnjuError) as corrupt:
            db_backup.restore(target, scratch)
        assert corrupt.value.code == "backup_file_corrupt"
        assert db_backup.digests_of(scratch) == {}  # nothing restored


def test_restore_refuses_a_database_that_holds_data_unless_forced(
    container: Container, tmp_path: Path
) -> None:
    books = open_books(container)
    target = tmp_path / "y.bak"
    manifest = db_backup.backup(container.engine, container.settings.database_url, target, created_at="t")
    post(container, remit(books, "after-backup", [(books.members[0], 999)]))
    url = container.settings.database_url

    with pytest.raises(AnjuError) as busy:
        db_backup.restore(target, url)
    assert busy.value.code == "restore_target_not_empty"

    container.engine.dispose()
    db_backup.restore(target, url, force=True)
    assert db_backup.compare_digests(manifest.tables, db_backup.digests_of(url)) == []
    assert read(container.uow, check_ledger).voucher_count == 0  # the voucher after the backup is gone


def test_cli_backup_and_drill(
    sqlite_container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from anju.cli.main import app

    open_books(sqlite_container)
    monkeypatch.setenv("ANJU_HOME", str(sqlite_container.settings.home))
    monkeypatch.setenv("ANJU_DATABASE_URL", sqlite_container.settings.database_url)
    monkeypatch.setenv("ANJU_MASTER_KEY", sqlite_container.settings.master_key_hex or "")
    runner = CliRunner()
    target = tmp_path / "cli.sqlite"

    made = runner.invoke(app, ["backup", str(target)])
    assert made.exit_code == 0, made.output
    assert "备份完成" in made.output and target.exists()
    drill = runner.invoke(app, ["restore-drill", "--from", str(target)])
    assert drill.exit_code == 0, drill.output
    assert "恢复演练通过" in drill.output
    monkeypatch.setenv("ANJU_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    restored = runner.invoke(app, ["restore", str(target)])
    assert restored.exit_code == 0, restored.output
    assert "恢复完成" in restored.output
