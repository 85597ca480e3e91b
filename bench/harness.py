"""The benchmark harness: a registry, timing, floors measured in the same run, and results files.

Every benchmark reports the seconds it took, the rows it handled and — where one exists — a floor:
the same work done the simplest possible way on the same data in the same run (a bare set-based
SQL statement, a bare COPY, pgbench TPS ...). The ratio says how far Anju is from what the machine
can do, independent of how fast today's machine happens to be:
  * work benchmarks: ratio = seconds / floor_seconds (1.0 = as fast as the bare SQL; lower is better);
  * throughput benchmarks (the counter API mix): ratio = our requests/s ÷ pgbench TPS (higher is
    better), with floor_seconds = the time pgbench needs for as many transactions as we served.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


RATIO_SECONDS = "seconds / floor_seconds (lower is better)"
RATIO_THROUGHPUT = "requests/s / floor TPS (higher is better)"


@dataclass
class Measurement:
    seconds: float
    rows: int
    floor_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    throughput_ratio: float | None = None  # set by throughput benchmarks: our rate / the floor's

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def ratio(self) -> float | None:
        if self.throughput_ratio is not None:
            return self.throughput_ratio
        if self.floor_seconds is None or self.floor_seconds <= 0:
            return None
        return self.seconds / self.floor_seconds

    @property
    def ratio_definition(self) -> str | None:
        if self.throughput_ratio is not None:
            return RATIO_THROUGHPUT
        return RATIO_SECONDS if self.ratio is not None else None


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    run: Callable[[BenchContext], Measurement]
    sizes: tuple[str, ...] = ("small", "city", "large")


@dataclass
class BenchContext:
    size: str
    database_url: str
    container: Any  # anju.bootstrap.Container on the benchmark database
    city: Any = None  # anju.batch.synthetic_city.CityReport: counts, sample units and members
    seed: int = 2026
    scratch: dict[str, Any] = field(default_factory=dict)  # what one benchmark leaves for the next
    cleanups: list[Callable[[], None]] = field(default_factory=list)  # run at the end (servers ...)


BENCHMARKS: list[Benchmark] = []


def benchmark(
    name: str, description: str, sizes: tuple[str, ...] = ("small", "city", "large")
) -> Callable[[Callable[[BenchContext], Measurement]], Callable[[BenchContext], Measurement]]:
    def register(fn: Callable[[BenchContext], Measurement]) -> Callable[[BenchContext], Measurement]:
        BENCHMARKS.append(Benchmark(name=name, description=description, run=fn, sizes=sizes))
        return fn

    return register


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def machine() -> dict[str, Any]:
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    # The load average says whether anything else was running: figures from a busy machine are
    # not comparable with figures from an idle one.
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "load_average_1m": None if load is None else round(load, 2),
    }


def git_commit() -> str:
    """The commit the figures belong to; "-dirty" when the working tree had changes."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_result(name: str, size: str, m: Measurement) -> dict[str, Any]:
    record = {
        "name": name,
        "size": size,
        "seconds": round(m.seconds, 4),
        "rows_per_s": round(m.rows_per_s, 1),
        "rows": m.rows,
        "floor_seconds": None if m.floor_seconds is None else round(m.floor_seconds, 4),
        "ratio": None if m.ratio is None else round(m.ratio, 3),
        "ratio_definition": m.ratio_definition,
        "machine": machine(),
        "git_commit": git_commit(),
        **({"extra": m.extra} if m.extra else {}),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return record


def format_table(records: list[dict[str, Any]]) -> str:
    head = f"{'benchmark':<34}{'size':<7}{'seconds':>10}{'rows/s':>14}{'floor s':>10}{'ratio':>8}"
    lines = [head, "-" * len(head)]
    for r in records:
        floor = "" if r["floor_seconds"] is None else f"{r['floor_seconds']:.3f}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(
            f"{r['name']:<34}{r['size']:<7}{r['seconds']:>10.3f}{r['rows_per_s']:>14,.0f}{floor:>10}{ratio:>8}"
        )
    return "\n".join(lines)


def asdict_measurement(m: Measurement) -> dict[str, Any]:
    return asdict(m)
