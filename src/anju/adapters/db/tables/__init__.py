"""Every table module, imported so that `metadata` knows them all."""

from anju.adapters.db.tables import common  # noqa: F401
