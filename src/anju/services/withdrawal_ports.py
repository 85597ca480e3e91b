"""Ports of Withdrawals (提取).

Kept apart from services/ports.py (imported there for the unit of work) so that each feature's
records and repository Protocol live together. Services never import SQLAlchemy.
"""

from __future__ import annotations

from typing import Protocol


class WithdrawalRepository(Protocol):
    """Implemented by adapters/db/repositories/withdrawals.py."""
