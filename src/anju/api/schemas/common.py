"""Types shared by every API schema: strict yuan amounts, ISO dates, the error body.

Amounts travel as JSON strings of yuan ("1234.56"), never numbers: a float cannot hold 0.1 yuan
exactly, and `false` must not mean zero (DESIGN.md §3, reliability.md L5/F2).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from anju.dates import parse_date
from anju.errors import RuleViolation
from anju.money import Money

YUAN_PATTERN = r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$"


def parse_yuan(value: Any) -> Money:
    """A JSON string of yuan, and nothing else (no number, bool, exponent, spaces, full-width)."""
    if isinstance(value, Money):  # built on the server side (response models)
        return value
    if not isinstance(value, str) or value != value.strip():
        raise PydanticCustomError("yuan_amount", "amount must be a string of yuan such as '1234.56'")
    try:
        return Money.from_yuan(value)
    except RuleViolation as exc:
        raise PydanticCustomError("yuan_amount", "amount must be a string of yuan such as '1234.56'") from exc


class _YuanAmountSchema:
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            parse_yuan,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, return_schema=core_schema.str_schema()
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": YUAN_PATTERN,
            "examples": ["1234.56"],
            "description": "金额（元），字符串，最多两位小数",
        }


YuanAmount = Annotated[Money, _YuanAmountSchema]


def parse_iso_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_parsing", "date must be a string YYYY-MM-DD")
    try:
        return parse_date(value)
    except RuleViolation as exc:
        raise PydanticCustomError("date_parsing", "date must be a string YYYY-MM-DD") from exc


class _IsoDateSchema:
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            parse_iso_date,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda d: d.isoformat(), return_schema=core_schema.str_schema()
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "date", "examples": ["2026-11-23"]}


IsoDate = Annotated[date, _IsoDateSchema]


class StrictModel(BaseModel):
    """Requests refuse unknown fields (no mass assignment, A2) and never coerce types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ReplyModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class FieldError(ReplyModel):
    location: str
    field: str
    code: str
    message: str


class ErrorOut(ReplyModel):
    """Every error: a stable code, the Chinese message, and structured details."""

    code: str = Field(examples=["voucher_unbalanced"])
    message: str = Field(examples=["凭证借贷不平衡：借方 100.00，贷方 90.00"])
    details: dict[str, Any] = Field(default_factory=dict)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in {
        401: "未登录或登录已超时",
        403: "无权限或 CSRF 校验失败",
        404: "未找到",
        409: "冲突（如幂等键已用于不同的请求）",
        422: "请求内容不正确或违反业务规则",
        429: "请求过于频繁",
    }.items()
}

Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=10_000_000)]
