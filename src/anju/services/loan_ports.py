"""Ports of Housing loans (个人住房贷款): developers, projects, applications, contracts, loan accounts.

Kept apart from services/ports.py (imported there for the unit of work) so that each feature's
records and repository Protocol live together. Services never import SQLAlchemy.
"""

from __future__ import annotations

from typing import Protocol


class LoanRepository(Protocol):
    """Implemented by adapters/db/repositories/loans.py."""
