"""Personal data is masked on every page and API reply (reliability.md P1; DESIGN.md §9).

A member with a known resident ID, phone and bank card, in a unit with a known handler phone;
then every GET route of the route table, as every staff role, with its path filled with those
objects' numbers and its search box given the member's name: no HTML or JSON reply
carries the full ID number, phone or card. Only the audited reveal (POST, with a reason) shows
them, and that is tested in tests/e2e/test_api_collection.py.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from tests.e2e.conftest import STAFF
from tests.e2e.test_api_collection import RID, open_member, register
from tests.reliability.routes import holder_of, routes

PHONE = "13612345678"
CARD = "6222020200112233445"
HANDLER_PHONE = "13511112222"  # unit_body's handler phone
TEXTUAL = ("text/html", "application/json", "text/plain")


def test_no_page_or_reply_shows_full_personal_data(app: FastAPI, make_client: Any) -> None:
    clerk = make_client("clerk01")
    unit = register(clerk, 31)
    opened = open_member(clerk, unit["unit_account_no"], phone=PHONE, bank_card=CARD, bank_code="105")
    values = {
        "account_no": opened["account"]["account_no"],
        "member_account_no": opened["account"]["account_no"],
        "unit_account_no": unit["unit_account_no"],
        "case_no": opened["case_no"],
    }
    secrets = {"resident ID": RID, "phone": PHONE, "bank card": CARD, "handler phone": HANDLER_PHONE}
    clients = {name: make_client(name) for name in STAFF}
    checked = 0
    masked_seen = 0  # the member does appear, masked (the test is not looking at empty pages)
    for route in routes(app):
        if route.method != "GET" or any(p not in values for p in route.path_params):
            continue
        path = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], route.path)
        # The search box finds the member by name (the query itself is echoed back in the box).
        query = {name: "陈一" for name in route.query if name == "q"}
        users = [u for u in STAFF if holder_of(route.permission) and _may(u, route.permission)]
        for username in users:
            reply = clients[username].get(path, params=query)
            kind = reply.headers.get("content-type", "")
            if reply.status_code != 200 or not kind.startswith(TEXTUAL):
                continue
            for what, value in secrets.items():
                assert value not in reply.text, f"{username} GET {path} {query} shows the full {what}"
            masked_seen += RID[:4] + "*" * 10 + RID[-4:] in reply.text
            checked += 1
    assert checked > 60
    assert masked_seen > 5


def _may(username: str, permission: str) -> bool:
    from anju.domain.security import Actor

    return Actor(username=username, roles=frozenset({STAFF[username].role})).has(permission)
