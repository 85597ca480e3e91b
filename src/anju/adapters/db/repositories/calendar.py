"""The business date (会计日期) and the record of end-of-day steps per date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from anju.adapters.db.repositories.common import insert_if_absent
from anju.adapters.db.tables.ledger import business_calendar, eod_run
from anju.adapters.db.unit_of_work import register

_ROW_ID = 1  # the calendar is one row


class SqlCalendarRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def business_date(self, *, for_update: bool = False) -> date | None:
        query = select(business_calendar.c.business_date).where(business_calendar.c.id == _ROW_ID)
        if for_update:
            query = query.with_for_update()  # SQLite ignores it: BEGIN IMMEDIATE already serialises
        value = self._conn.execute(query).scalar()
        return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))

    def initialise(self, day: date, now: datetime) -> bool:
        """Set the first business date; False if it was already set (it is never reset)."""
        return insert_if_absent(
            self._conn, business_calendar, {"id": _ROW_ID, "business_date": day, "updated_at": now}
        )

    def advance(self, from_day: date, to_day: date, now: datetime) -> bool:
        """Move the date from `from_day` to `to_day`; False if it was not `from_day` any more."""
        t = business_calendar
        row = self._conn.execute(
            update(t)
            .where(t.c.id == _ROW_ID, t.c.business_date == from_day)
            .values(business_date=to_day, updated_at=now)
            .returning(t.c.id)
        ).first()
        return row is not None

    def eod_states(self, day: date) -> dict[str, str]:
        rows = self._conn.execute(
            select(eod_run.c.step, eod_run.c.state).where(eod_run.c.business_date == day)
        )
        return {row.step: row.state for row in rows}

    def eod_messages(self, day: date) -> dict[str, str | None]:
        rows = self._conn.execute(
            select(eod_run.c.step, eod_run.c.message).where(eod_run.c.business_date == day)
        )
        return {row.step: row.message for row in rows}

    def claim_eod_step(self, day: date, step: str, now: datetime) -> bool:
        """Mark a step running in this transaction; False when it is already done for `day`.

        A concurrent claimer of the same step waits on the unique (date, step) row and then sees it
        done, so a step never runs twice for a date.
        """
        values = {"business_date": day, "step": step, "state": "running", "started_at": now}
        if insert_if_absent(self._conn, eod_run, values):
            return True
        t = eod_run
        row = self._conn.execute(
            update(t)
            .where(t.c.business_date == day, t.c.step == step, t.c.state != "done")
            .values(state="running", started_at=now, finished_at=None, message=None)
            .returning(t.c.id)
        ).first()
        return row is not None

    def finish_eod_step(self, day: date, step: str, state: str, message: str | None, now: datetime) -> None:
        t = eod_run
        self._conn.execute(
            update(t)
            .where(t.c.business_date == day, t.c.step == step)
            .values(state=state, finished_at=now, message=message)
        )

    def record_eod_failure(self, day: date, step: str, message: str, now: datetime) -> None:
        """Record a failed step in its own transaction (the step's own work was rolled back)."""
        values = {
            "business_date": day,
            "step": step,
            "state": "failed",
            "started_at": now,
            "finished_at": now,
            "message": message,
        }
        if insert_if_absent(self._conn, eod_run, values):
            return
        t = eod_run
        self._conn.execute(
            update(t)
            .where(t.c.business_date == day, t.c.step == step, t.c.state != "done")
            .values(state="failed", finished_at=now, message=message)
        )


register("calendar", lambda conn, _deps: SqlCalendarRepository(conn))
