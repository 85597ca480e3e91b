"""Personal data is masked inside every printout and export (reliability.md P1; DESIGN.md §9).

Decision (DESIGN.md §9 "shown masked unless the viewer holds the permission and gives a reason";
archives.md "show masked views by default"): NO printed paper or export carries a full resident
ID, phone or bank card, not even the loan contract or the settlement certificate. A paper is tied
to its person by the account, loan or withdrawal number and its verification code (校验码, SM3 of
the content, kept by the centre); the signed paper original is the legal copy. Whoever needs the
full number uses the reveal (POST with a reason, audited: tests/e2e/test_api_collection.py), so
the allow-list below of documents that may show a full value is empty, and a test keeps it so.

Driven by the route table: every staff GET route whose handler produces a PDF or an Excel file is
fetched for the world of tests/reliability/pi_world.py by every staff role holding its
permission; the text is read back out of the PDF (pypdf) and the cells out of the workbook
(openpyxl). No full value may appear, and every such route must have produced a document (so a
new export cannot hide behind a parameter the walk does not know).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from anju.bootstrap import Container
from tests.reliability.pi_world import ONE_PER_ROLE, PDF, XLSX, build_world, calls, document_text
from tests.reliability.routes import holder_of, holds, is_document_route, routes

# (method, path) -> why this document must carry a full value. Empty by decision (docstring).
ALLOWED_FULL: dict[tuple[str, str], str] = {}


def test_no_printout_or_export_shows_a_full_id_phone_or_card(
    app: FastAPI, seeded: Container, make_client: Any
) -> None:
    world = build_world(make_client, seeded)
    documents = [r for r in routes(app) if is_document_route(r)]
    assert len(documents) >= 12  # receipts, certificates, statements, contracts, rosters, reports
    clients: dict[str, Any] = {}
    produced: set[tuple[str, str]] = set()
    masked_seen: set[str] = set()
    for route in documents:
        if holder_of(route.permission) is None:
            continue
        users = [u for u in ONE_PER_ROLE if holds(u, route.permission)]
        if "name" in route.path_params:  # the catalogue renders one content for every role: one
            users = users[:1]
        for path, query in calls(route, world):
            for username in users:
                client = clients.get(username) or clients.setdefault(username, make_client(username))
                reply = client.get(path, params=query)
                kind = reply.headers.get("content-type", "")
                if reply.status_code != 200 or not kind.startswith((PDF, XLSX)):
                    continue
                produced.add((route.method, route.path))
                text = document_text(kind, reply.content)
                squeezed = re.sub(r"\s+", "", text)
                allowed = (route.method, route.path) in ALLOWED_FULL
                for what, value in world.secrets.items():
                    shown = value in text or value in squeezed
                    assert allowed or not shown, f"{username} GET {path} {query}: the full {what}"
                seen = {m for m in world.markers if m in text}
                # A paper that shows a person is declared personal_data, so printing it is audited
                # (G1, test_audit_coverage.py checks the record).
                assert route.personal_data or not seen, f"GET {route.path} shows {seen}, not declared"
                masked_seen |= seen
    missing = {(r.method, r.path) for r in documents} - produced
    assert missing == set(), f"document routes the walk could not fetch: {sorted(missing)}"
    # The walk read real text: the persons appear, masked (ID, card), in the papers.
    assert {m for m in world.markers if m[4:6] == "**" and len(m) == 18} & masked_seen
    assert any(len(m) == 19 and "*" in m for m in masked_seen)


def test_the_full_value_allow_list_is_empty_by_decision() -> None:
    """A document added to ALLOWED_FULL must come with its reason and an audited reveal; today none."""
    assert ALLOWED_FULL == {}
