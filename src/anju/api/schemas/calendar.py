"""The business date."""

from __future__ import annotations

from datetime import date

from anju.api.schemas.common import ReplyModel


class BusinessDateOut(ReplyModel):
    business_date: date
