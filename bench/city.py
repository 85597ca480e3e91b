"""The synthetic city for the benchmarks: a thin wrapper around anju.batch.synthetic_city.

The generator lives in the application package so that `anju init --demo --city small` (`make run`)
can load the same city the benchmarks measure; see bench/README.md for what it contains.
"""

from __future__ import annotations

from anju.batch.synthetic_city import SIZES, CityReport, CitySize, city_size, generate
from bench.harness import BenchContext

__all__ = ["SIZES", "CityReport", "CitySize", "city_size", "load_city"]


def load_city(ctx: BenchContext) -> CityReport:
    """Generate the context's size into its (empty) database and remember the report."""
    report = generate(
        ctx.container, ctx.size, seed=ctx.seed, progress=lambda line: print("   ", line, flush=True)
    )
    ctx.city = report
    return report
