"""Benchmarks and the synthetic-city generator (`make bench`; not part of `make test`)."""
