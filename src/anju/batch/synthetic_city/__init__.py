"""The synthetic city: a seeded, realistic centre for the demo (`make run`) and the benchmarks.

    from anju.batch.synthetic_city import generate
    report = generate(container, "city", seed=2026)   # CityReport: counts, seconds, samples

Sizes: tiny (tests), small (~2,000 persons, the demo), city (1,000,000 persons, 50,000 units,
three years of monthly remittance history), large (5,000,000 persons). See bench/README.md.
"""

from anju.batch.synthetic_city.generate import (
    DEFAULT_SEED,
    CityAlreadyLoaded,
    CityHost,
    CityReport,
    generate,
    generate_if_empty,
    loan_tables_present,
)
from anju.batch.synthetic_city.sizes import SIZES, CitySize, city_size

__all__ = [
    "DEFAULT_SEED",
    "SIZES",
    "CityAlreadyLoaded",
    "CityHost",
    "CityReport",
    "CitySize",
    "city_size",
    "generate",
    "generate_if_empty",
    "loan_tables_present",
]
