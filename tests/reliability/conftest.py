"""The reliability suite reuses the e2e fixtures (a seeded centre, logged-in staff clients)."""

from tests.e2e.conftest import app, make_client, seeded  # noqa: F401 - fixtures
