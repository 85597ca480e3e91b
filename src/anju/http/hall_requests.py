"""The per-account rate limit on money-moving hall requests (issue 10 item 6), shared by the
hall's pages and its API: remittance and back-payment requests, a few per account in a window.
A refusal is a 429 with a Chinese message and an audit line."""

from __future__ import annotations

from fastapi import Request

from anju.http.context import Session, container_of
from anju.http.ratelimit import SlidingWindowLimiter, TooManyRequests
from anju.services import hall_requests
from anju.services.hall_requests import HallRequestView, HallSubmission
from anju.services.runner import run


def make_hall_request_limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(hall_requests.MONEY_REQUESTS_PER_WINDOW, hall_requests.MONEY_REQUEST_WINDOW)


def limit(request: Request, session: Session, request_type: str) -> None:
    """Count a money-moving request against its hall account; refuse and audit past the limit."""
    if request_type not in hall_requests.MONEY_TYPES:
        return
    container = container_of(request)
    limiter: SlidingWindowLimiter = request.app.state.hall_request_limiter
    try:  # hall:<login>: one window per hall account
        limiter.take(session.actor.username, container.clock.now_utc(), code="hall_request_rate_limited")
    except TooManyRequests as refused:
        wait = int(refused.details["seconds"])
        run(
            container.uow,
            lambda uow: hall_requests.record_rate_limited(uow, session.actor, request_type, wait),
        )
        raise


def submit(request: Request, session: Session, submission: HallSubmission) -> HallRequestView:
    """Submit from a page (its own transaction); rate-limited first."""
    limit(request, session, submission.request_type)
    return run(
        container_of(request).uow, lambda uow: hall_requests.submit_request(uow, session.actor, submission)
    )
