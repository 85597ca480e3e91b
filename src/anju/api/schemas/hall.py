"""Online-hall schemas: hall login, hall accounts opened at the counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from anju.api.schemas.common import ReplyModel, StrictModel


class HallLoginIn(StrictModel):
    login: str = Field(min_length=1, max_length=40, description="单位账号")
    password: str = Field(min_length=1, max_length=128)


class HallChallengeOut(ReplyModel):
    challenge: str = Field(description="带到第二步的登录凭据（5 分钟内有效）")
    phone_masked: str = Field(description="验证码已发送到的手机号码（脱敏）")


class HallVerifyIn(StrictModel):
    challenge: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=8, description="短信验证码（6 位数字）")


class HallSessionOut(ReplyModel):
    csrf_token: str
    must_change_password: bool = False
    display_name: str
    channel: str


class HallPasswordIn(StrictModel):
    old_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class HallAccountIn(StrictModel):
    handler_name: str = Field(min_length=1, max_length=50, description="经办人姓名")
    phone: str = Field(min_length=1, max_length=20, description="经办人手机号码（接收登录验证码）")


class HallAccountOut(ReplyModel):
    login: str
    unit_account_no: str
    display_name: str
    phone_masked: str
    status: str
    locked: bool
    must_change_password: bool
    created_at: datetime
    created_by: str
    last_login_at: datetime | None
    developer_code: str = Field(default="", description="开发商编号（开发商网厅账户）")

    @classmethod
    def of(cls, v: Any) -> HallAccountOut:
        return cls(
            login=v.login,
            unit_account_no=v.unit_account_no,
            display_name=v.display_name,
            phone_masked=v.phone_masked,
            status=v.status,
            locked=v.locked,
            must_change_password=v.must_change_password,
            created_at=v.created_at,
            created_by=v.created_by,
            last_login_at=v.last_login_at,
            developer_code=v.developer_code,
        )


class NewHallAccountOut(ReplyModel):
    account: HallAccountOut
    initial_password: str = Field(description="初始密码，仅显示一次；首次登录须修改")


class PersonLoginIn(StrictModel):
    resident_id: str = Field(min_length=15, max_length=18, description="居民身份证号码")
    password: str = Field(min_length=1, max_length=128)


class PersonRegisterIn(StrictModel):
    resident_id: str = Field(min_length=15, max_length=18, description="居民身份证号码")
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(min_length=1, max_length=20, description="在公积金中心预留的手机号码")


class PersonRegisterVerifyIn(StrictModel):
    challenge: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=8)
    password: str = Field(min_length=1, max_length=128, description="登录密码（至少 8 位，含三类字符）")
