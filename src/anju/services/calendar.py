"""The business date (会计日期): owned by the database, set once, moved only by end of day."""

from __future__ import annotations

from datetime import date

from anju.domain.security import Actor, AuditEvent, Permission
from anju.errors import Conflict, NotFound
from anju.services.ports import UnitOfWork


class CalendarNotFound(NotFound):
    """The business date has not been set (the centre is not initialised)."""


class CalendarConflict(Conflict):
    """The business date is not what the caller expected (set already, moved meanwhile)."""


def current_business_date(uow: UnitOfWork) -> date:
    """Today's business date; raises if the centre has not been initialised."""
    day = uow.calendar.business_date()
    if day is None:
        raise CalendarNotFound("business_date_not_initialised")
    return day


def initialise_business_date(uow: UnitOfWork, day: date, actor: Actor | None = None) -> date:
    """Set the first business date of a new installation (`anju init`). Only once."""
    who = actor or Actor.system("init")
    who.require(Permission.EOD_RUN)
    if not uow.calendar.initialise(day, uow.now_utc()):
        current = uow.calendar.business_date()
        raise CalendarConflict("business_date_already_initialised", current=str(current))
    uow.audit.append(AuditEvent.by(who, "calendar.initialise", "business_date", day.isoformat()))
    return day
