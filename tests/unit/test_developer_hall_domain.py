"""The developer hall's pure rules: the login is a well-formed credit code, and a developer's
actor reaches no unit, no member and no other developer."""

from __future__ import annotations

import pytest

from anju.domain.hall import normalise_credit_code
from anju.domain.security import Actor, HallRole, Permission
from anju.errors import PermissionDenied


def test_a_credit_code_is_eighteen_characters_without_i_o_s_v_z() -> None:
    assert normalise_credit_code(" 91410100ma0000001x ") == "91410100MA0000001X"
    for bad in ("", "91410100MA000001X", "91410100MA0000001XX", "91410100MO0000001X", "9141010 MA0000001X"):
        assert normalise_credit_code(bad) == ""


def test_a_developer_actor_sees_its_own_company_only() -> None:
    developer = Actor(username="hall:developer:x", roles=frozenset({HallRole.DEVELOPER}), developer_id=7)
    assert developer.has(Permission.HALL_DEVELOPER)
    assert not developer.has(Permission.COLLECTION_VIEW)
    assert not developer.has(Permission.LOAN_VIEW)
    assert developer.can_access_developer(7)
    assert not developer.can_access_developer(8)
    assert not developer.can_access_unit(None)
    assert not developer.can_access_unit(1)
    assert not developer.can_access_account(1, 1)
    with pytest.raises(PermissionDenied):
        developer.require_staff_search()
    staff = Actor(username="clerk", roles=frozenset())
    assert staff.can_access_developer(8)
