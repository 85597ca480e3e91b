"""Personal data is masked on every page and API reply (reliability.md P1; DESIGN.md §9).

Members with known resident IDs, phones and bank cards, in units with a known handler phone, with
a remittance, a withdrawal and a loan (tests/reliability/pi_world.py); then every GET route of the
route table, as one operator of every staff role, with its path filled with those objects'
numbers and its search box given a member's name: no HTML or JSON reply carries the full ID
number, phone or card. Only the audited reveal (POST, with a reason) shows them, and that is
tested in tests/e2e/test_api_collection.py. Printouts and exports (PDF, Excel): test_masking_documents.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from anju.bootstrap import Container
from tests.e2e.test_api_collection import RID
from tests.reliability.pi_world import ONE_PER_ROLE, TEXTUAL, build_world
from tests.reliability.routes import holder_of, holds, is_document_route, routes


def test_no_page_or_reply_shows_full_personal_data(app: FastAPI, seeded: Container, make_client: Any) -> None:
    world = build_world(make_client, seeded)
    clients = {name: make_client(name) for name in ONE_PER_ROLE}
    checked = 0
    masked_seen = 0  # the member does appear, masked (the test is not looking at empty pages)
    for route in routes(app):
        path = world.path(route.path)
        if route.method != "GET" or path is None or is_document_route(route):
            continue  # files: test_masking_documents.py
        # The search box finds the member by name (the query itself is echoed back in the box).
        query = world.query(route.query)
        users = [u for u in ONE_PER_ROLE if holder_of(route.permission) and holds(u, route.permission)]
        for username in users:
            reply = clients[username].get(path, params=query)
            kind = reply.headers.get("content-type", "")
            if reply.status_code != 200 or not kind.startswith(TEXTUAL):
                continue
            for what, value in world.secrets.items():
                assert value not in reply.text, f"{username} GET {path} {query} shows the full {what}"
            masked_seen += RID[:4] + "*" * 10 + RID[-4:] in reply.text
            checked += 1
    assert checked > 60
    assert masked_seen > 5
