"""Operator (操作员) schemas. Branches are named by code; internal ids stay on the server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from anju.api.schemas.common import ReplyModel, StrictModel
from anju.domain.security import ROLE_LABELS


class OperatorOut(ReplyModel):
    username: str
    display_name: str
    roles: list[str]
    role_labels: list[str]
    branch_code: str | None
    all_branches: bool
    status: str
    locked: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    password_changed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, v: Any, branch_codes: dict[int, str]) -> OperatorOut:
        roles = sorted(v.roles)
        return cls(
            username=v.username,
            display_name=v.display_name,
            roles=roles,
            role_labels=[ROLE_LABELS.get(r, r) for r in roles],
            branch_code=branch_codes.get(v.branch_id) if v.branch_id is not None else None,
            all_branches=v.all_branches,
            status=v.status,
            locked=v.locked,
            locked_until=v.locked_until,
            last_login_at=v.last_login_at,
            password_changed_at=v.password_changed_at,
            created_at=v.created_at,
        )


class OperatorCreateIn(StrictModel):
    username: str = Field(min_length=3, max_length=32, description="小写字母开头，3–32 位")
    display_name: str = Field(min_length=1, max_length=50)
    roles: list[str] = Field(min_length=1, max_length=9)
    branch_code: str | None = Field(default=None, max_length=20, description="所属管理部编码")
    all_branches: bool = Field(default=False, description="中心级人员：可办理所有管理部的业务")


class OperatorCreatedOut(ReplyModel):
    """The new operator with the initial password and TOTP secret, shown ONCE.

    A replay of the same Idempotency-Key returns the operator without them (`secrets_withheld`):
    secrets are never stored; the security administrator resets the credentials if they are lost.
    """

    username: str
    display_name: str
    roles: list[str]
    initial_password: str | None
    totp_secret: str | None
    otpauth_uri: str | None
    secrets_withheld: bool = False


def withhold_secrets(body: dict[str, Any]) -> dict[str, Any]:
    return {
        **body,
        "initial_password": None,
        "totp_secret": None,
        "otpauth_uri": None,
        "secrets_withheld": True,
    }
