"""Login, session and password schemas."""

from __future__ import annotations

from pydantic import Field

from anju.api.schemas.common import ReplyModel, StrictModel
from anju.domain.security import ROLE_LABELS, Actor


class LoginIn(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)
    totp: str = Field(min_length=1, max_length=12, description="动态口令（6 位数字）")


class OperatorSelf(ReplyModel):
    """The logged-in operator as the client may see them (no internal ids)."""

    username: str
    display_name: str
    roles: list[str]
    role_labels: list[str]
    all_branches: bool
    permissions: list[str]

    @classmethod
    def of(cls, actor: Actor) -> OperatorSelf:
        roles = sorted(actor.roles)
        return cls(
            username=actor.username,
            display_name=actor.display_name,
            roles=roles,
            role_labels=[ROLE_LABELS.get(r, r) for r in roles],
            all_branches=actor.all_branches,
            permissions=sorted(actor.permissions),
        )


class SessionOut(ReplyModel):
    csrf_token: str = Field(description="之后每个修改类请求须放在请求头 X-CSRF-Token 中")
    must_change_password: bool = False
    operator: OperatorSelf


class PasswordChangeIn(StrictModel):
    old_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class DoneOut(ReplyModel):
    ok: bool = True
