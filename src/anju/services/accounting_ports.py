"""Ports of Accounting (会计核算): vouchers, periods, books, funds, value-added income, reports.

Kept apart from services/ports.py (imported there for the unit of work) so that each feature's
records and repository Protocol live together. Services never import SQLAlchemy.
"""

from __future__ import annotations

from typing import Protocol


class AccountingRepository(Protocol):
    """Implemented by adapters/db/repositories/accountings.py."""
