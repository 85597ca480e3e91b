"""Hall accounts and logins (网厅): password + SMS code, lockout, code rules, unit scope (A1, A5)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from anju.adapters.clock import FixedClock
from anju.adapters.sms.simulator import RecordingSmsGateway
from anju.bootstrap import Container
from anju.domain.hall import UNIT_KIND, HallRuleViolation
from anju.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied
from anju.services import hall_auth, members, sms, units
from anju.services.hall_auth import HallLoginOutcome, LoginStep
from anju.services.runner import read, run
from tests.integration.collection_helpers import Centre, open_member, register, seed

PHONE = "13912345678"
NEW_PASSWORD = "Wangting#2026x"


@dataclass
class Hall:
    centre: Centre
    clock: FixedClock
    unit_no: str
    other_unit_no: str
    initial_password: str
    gateway: RecordingSmsGateway

    @property
    def container(self) -> Container:
        return self.centre.container

    def begin(self, password: str | None = None, login: str | None = None) -> LoginStep:
        step = run(
            self.container.uow,
            lambda uow: hall_auth.begin_login(
                uow, UNIT_KIND, login or self.unit_no, password or self.initial_password, "10.0.0.9"
            ),
        )
        run(self.container.uow, lambda uow: sms.deliver_queued(uow, self.gateway))
        return step

    def code(self) -> str:
        text = self.gateway.last_to(PHONE)
        assert text is not None
        found = re.search(r"验证码为(\d{6})", text)
        assert found is not None, text
        return found.group(1)

    def finish(self, challenge: str, code: str) -> HallLoginOutcome:
        return run(self.container.uow, lambda uow: hall_auth.finish_login(uow, challenge, code, "10.0.0.9"))

    def login(self) -> HallLoginOutcome:
        step = self.begin()
        assert step.ok, step.error
        assert step.challenge is not None
        outcome = self.finish(step.challenge, self.code())
        assert outcome.ok, outcome.error
        return outcome


@pytest.fixture
def hall(container: Container, clock: FixedClock) -> Hall:
    centre = seed(container)
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 1)
    other = register(centre, clerk, 2)
    open_member(centre, clerk, unit.unit_account_no, 1, name="张一")
    open_member(centre, clerk, other.unit_account_no, 2, name="李二")
    new = run(
        container.uow,
        lambda uow: hall_auth.open_unit_account(
            uow, clerk, unit.unit_account_no, handler_name="刘经办", phone=PHONE
        ),
    )
    return Hall(
        centre,
        clock,
        unit.unit_account_no,
        other.unit_account_no,
        new.initial_password,
        RecordingSmsGateway(),
    )


def test_a_unit_logs_in_with_its_password_and_the_code_sent_to_its_phone(hall: Hall) -> None:
    step = hall.begin()
    assert step.ok
    assert step.phone_masked == "139****5678"
    text = hall.gateway.last_to(PHONE)
    assert text is not None
    assert "网厅登录验证码" in text
    outcome = hall.finish(step.challenge or "", hall.code())
    assert outcome.ok
    assert outcome.must_change_password  # the initial password from the counter
    assert outcome.actor is not None
    assert outcome.actor.channel == "unit_hall"
    # The outbox keeps the message encrypted: the phone number is not in the table in clear.
    with hall.container.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT phone_enc, text_enc FROM sms_message").all()
    assert raw
    assert all(PHONE.encode() not in bytes(p) and hall.code().encode() not in bytes(t) for p, t in raw)


def test_the_initial_password_must_be_changed_before_anything_else(hall: Hall) -> None:
    outcome = hall.login()
    token = outcome.token or ""
    with pytest.raises(PermissionDenied, match="password_change_required"):
        read(hall.container.uow, lambda uow: hall_auth.live_hall_session(uow, token, None))
    live = read(
        hall.container.uow,
        lambda uow: hall_auth.live_hall_session(uow, token, None, allow_password_change_due=True),
    )
    run(
        hall.container.uow,
        lambda uow: hall_auth.change_password(uow, live.actor, hall.initial_password, NEW_PASSWORD),
    )
    again = read(hall.container.uow, lambda uow: hall_auth.live_hall_session(uow, token, None))
    assert again.actor.unit_id == live.actor.unit_id


def test_a_wrong_password_is_counted_and_the_fifth_locks_the_account(hall: Hall) -> None:
    for _ in range(4):
        step = hall.begin(password="Wrong#password1")
        assert not step.ok
        assert isinstance(step.error, AuthenticationFailed)
        assert step.error.code == "hall_login_failed"
    fifth = hall.begin(password="Wrong#password1")
    assert fifth.error is not None
    assert fifth.error.code == "account_locked"
    # Locked: even the right password is refused, and no code goes out.
    sent = len(hall.gateway.sent)
    locked = hall.begin()
    assert locked.error is not None
    assert locked.error.code == "account_locked"
    assert len(hall.gateway.sent) == sent
    hall.clock.advance(minutes=31)
    assert hall.begin().ok


def test_an_unknown_account_gets_the_same_answer_as_a_wrong_password(hall: Hall) -> None:
    unknown = hall.begin(login="9999999999999999")
    wrong = hall.begin(password="Wrong#password1")
    assert unknown.error is not None
    assert wrong.error is not None
    assert unknown.error.code == wrong.error.code == "hall_login_failed"


def test_a_code_is_single_use_short_lived_and_attempt_limited(hall: Hall) -> None:
    step = hall.begin()
    code = hall.code()
    wrong = "000000" if code != "000000" else "111111"
    first = hall.finish(step.challenge or "", wrong)
    assert first.error is not None
    assert first.error.code == "sms_code_invalid"
    assert first.error.details["left"] == 4
    assert hall.finish(step.challenge or "", code).ok
    used = hall.finish(step.challenge or "", code)  # replayed
    assert used.error is not None
    assert used.error.code == "sms_code_void"

    hall.clock.advance(seconds=61)
    late = hall.begin()
    hall.clock.advance(minutes=5, seconds=1)
    expired = hall.finish(late.challenge or "", hall.code())
    assert expired.error is not None
    assert expired.error.code == "sms_code_void"

    hall.clock.advance(seconds=61)
    guessed = hall.begin()
    real = hall.code()
    for _ in range(5):
        hall.finish(guessed.challenge or "", "000000" if real != "000000" else "111111")
    void = hall.finish(guessed.challenge or "", real)  # the right code, after five wrong ones
    assert void.error is not None
    assert void.error.code == "sms_code_void"


def test_codes_are_sent_at_most_once_a_minute(hall: Hall) -> None:
    assert hall.begin().ok
    again = hall.begin()
    assert isinstance(again.error, HallRuleViolation)
    assert again.error.code == "sms_too_soon"
    hall.clock.advance(seconds=60)
    assert hall.begin().ok


def test_disabling_the_account_ends_its_session_at_once(hall: Hall) -> None:
    token = hall.login().token or ""
    clerk = hall.centre.clerk("02")
    run(hall.container.uow, lambda uow: hall_auth.disable_unit_account(uow, clerk, hall.unit_no))
    with pytest.raises(AuthenticationFailed):
        read(
            hall.container.uow,
            lambda uow: hall_auth.live_hall_session(uow, token, None, allow_password_change_due=True),
        )
    refused = hall.begin()
    assert refused.error is not None


def test_a_unit_account_is_opened_once(hall: Hall) -> None:
    clerk = hall.centre.clerk("02")
    with pytest.raises(Conflict, match="hall_account_exists"):
        run(
            hall.container.uow,
            lambda uow: hall_auth.open_unit_account(uow, clerk, hall.unit_no, handler_name="王", phone=PHONE),
        )
    with pytest.raises(HallRuleViolation, match="hall_phone_invalid"):
        run(
            hall.container.uow,
            lambda uow: hall_auth.open_unit_account(
                uow, clerk, hall.other_unit_no, handler_name="王", phone="12345"
            ),
        )


def test_a_unit_sees_its_own_unit_and_people_only(hall: Hall) -> None:
    outcome = hall.login()
    actor = outcome.actor
    assert actor is not None
    uow = hall.container.uow
    own = read(uow, lambda u: units.unit_members(u, actor, hall.unit_no))
    assert [r.name for r in own.items] == ["张一"]
    with pytest.raises(NotFound):
        read(uow, lambda u: units.get_unit(u, actor, hall.other_unit_no))
    other_member = read(uow, lambda u: units.unit_members(u, hall.centre.clerk("02"), hall.other_unit_no))
    with pytest.raises(NotFound):
        read(uow, lambda u: members.get_member_account(u, actor, other_member.items[0].account_no))
    with pytest.raises(PermissionDenied):
        read(uow, lambda u: units.list_units(u, actor))
    with pytest.raises(PermissionDenied):
        read(uow, lambda u: members.search_members(u, actor, "李二"))


def test_a_depositor_sees_their_own_account_and_nothing_else(hall: Hall) -> None:
    """Object scope of the personal hall (A1): the depositor's own account only."""
    from anju.domain.security import Actor, HallRole

    uow = hall.container.uow
    clerk = hall.centre.clerk("02")
    own = read(uow, lambda u: units.unit_members(u, clerk, hall.unit_no)).items[0]
    other = read(uow, lambda u: units.unit_members(u, clerk, hall.other_unit_no)).items[0]
    record = read(uow, lambda u: u.members.account(own.account_no))
    assert record is not None
    depositor = Actor(
        username="hall:person:x",
        roles=frozenset({HallRole.DEPOSITOR}),
        branch_id=record.branch_id,
        member_id=record.member_id,
    )
    assert (
        read(uow, lambda u: members.get_member_account(u, depositor, own.account_no)).account_no
        == own.account_no
    )
    with pytest.raises(NotFound):
        read(uow, lambda u: members.get_member_account(u, depositor, other.account_no))
    with pytest.raises(NotFound):
        read(uow, lambda u: units.get_unit(u, depositor, hall.unit_no))  # not even their own unit's record
    with pytest.raises(PermissionDenied):
        read(uow, lambda u: members.search_members(u, depositor, "张"))
