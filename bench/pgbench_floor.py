"""pgbench's TPC-B-like TPS on the same PostgreSQL cluster: the floor for the counter API mix."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text


def _pgbench() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    raise FileNotFoundError("pgbench not found")


def pgbench_tps(clients: int = 8, seconds: int = 15, scale: int = 10) -> dict[str, float]:
    """Initialise a pgbench database beside the benchmark database and run tpcb-like on it."""
    base = os.environ["ANJU_TEST_PG_URL"]
    root, _, query = base.partition("?")
    admin = create_engine(f"{root.rsplit('/', 1)[0]}/postgres?{query}", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "anju_pgbench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "anju_pgbench"'))
    admin.dispose()
    env = dict(os.environ)
    env.setdefault("PGHOST", os.environ.get("ANJU_TEST_PG_DIR", ""))
    env.setdefault("PGUSER", "anju")
    binary = _pgbench()
    subprocess.run(
        [binary, "-i", "-q", "-s", str(scale), "anju_pgbench"], env=env, check=True, capture_output=True
    )
    out = subprocess.run(
        [binary, "-c", str(clients), "-j", "2", "-T", str(seconds), "-b", "tpcb-like", "anju_pgbench"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tps = float(re.search(r"tps = ([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    latency = re.search(r"latency average = ([0-9.]+) ms", out)
    return {"tps": tps, "latency_avg_ms": float(latency.group(1)) if latency else 0.0}
