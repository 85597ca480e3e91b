"""What the collection services (units, members) share: their errors, input cleaning, and the
contribution policy of the business date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from anju.domain.policy import ContributionPolicy
from anju.errors import Conflict, NotFound, RuleViolation
from anju.services.calendar import current_business_date
from anju.services.policy import policy_in_force
from anju.services.ports import UnitOfWork

_POSTCODE: Final = re.compile(r"^[0-9]{6}$")
_EMAIL: Final = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,120}\.[A-Za-z]{2,}$")
_BANK_CODE: Final = re.compile(r"^[0-9]{3}$")


class CollectionRuleViolation(RuleViolation):
    """Collection data given by a caller is malformed or breaks a collection rule."""


class CollectionNotFound(NotFound):
    """No such unit, member account or bank."""


class CollectionConflict(Conflict):
    """The unit or person is already registered."""


@dataclass(frozen=True, slots=True)
class Today:
    """The business date and the contribution policy in force on it."""

    day: date
    policy: ContributionPolicy


def today(uow: UnitOfWork) -> Today:
    day = current_business_date(uow)
    return Today(day=day, policy=policy_in_force(uow, day).contribution)


def required(value: str | None, label: str, maximum: int) -> str:
    text = (value or "").strip()
    if not text:
        raise CollectionRuleViolation("required_field", field=label)
    if len(text) > maximum:
        raise CollectionRuleViolation("text_too_long", field=label, max=maximum)
    return text


def optional(value: str | None, label: str, maximum: int) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > maximum:
        raise CollectionRuleViolation("text_too_long", field=label, max=maximum)
    return text


def postcode(value: str | None) -> str | None:
    text = optional(value, "邮政编码", 6)
    if text is not None and not _POSTCODE.match(text):
        raise CollectionRuleViolation("org_code_invalid", what="邮政编码", value=text)
    return text


def email(value: str | None) -> str | None:
    text = optional(value, "电子信箱", 120)
    if text is not None and not _EMAIL.match(text):
        raise CollectionRuleViolation("org_code_invalid", what="电子信箱", value=text[:40])
    return text


def bank_code(value: str | None) -> str | None:
    text = optional(value, "银行代码", 3)
    if text is not None and not _BANK_CODE.match(text):
        raise CollectionRuleViolation("org_code_invalid", what="银行代码", value=text)
    return text
