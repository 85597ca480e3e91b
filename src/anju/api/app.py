"""The web application: the JSON API under /api/v1, the counter pages, and the static files.

`create_app(container)` is the only way in. It refuses to build an app in which any route does
not declare exactly one permission (`route_permissions`), so an unguarded route never serves.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

import anju
from anju.api import (
    accounting,  # accounting (会计核算, issue 9)
    audit,
    auth,
    bank,
    calendar,
    cases,
    credit_reports,  # 征信查询 (reliability P3)
    dashboard,
    developer_hall_accounts,  # the counter opens developer hall accounts (issue 10)
    docs,
    documents,
    hall,
    hall_accounts,
    hall_developer,  # the developer web hall (开发商网厅, issue 10)
    hall_person,
    hall_requests,  # unit web hall requests and their processing at the counter (issue 10)
    health,
    ledger,
    loan_calculator,
    loan_servicing,  # housing loans: 贷后管理 (issue 8)
    loans,  # housing loans (个人住房贷款)
    members,
    operators,
    org,
    policy,
    remittance,
    sheets,
    units,
    withdrawals,  # withdrawals (提取)
)
from anju.bootstrap import Container
from anju.http.errors import install_error_handlers, internal_error_payload, respond
from anju.http.guard import make_query_limiter, route_permissions
from anju.http.hall_requests import make_hall_request_limiter
from anju.http.middleware import SecurityMiddleware
from anju.http.pi_audit import PersonalDataAuditMiddleware
from anju.http.sessions import make_login_limiter
from anju.http.uploads import MIB, UploadLimitMiddleware
from anju.web.rendering import STATIC_DIR, render_error_page
from anju.web.routes import web_router

logger = logging.getLogger("anju.api")

API_PREFIX = "/api/v1"
API_ROUTERS = (
    health,
    auth,
    calendar,
    org,
    policy,
    ledger,
    audit,
    operators,
    loan_calculator,
    units,
    members,
    cases,
    documents,
    sheets,
    remittance,
    bank,
    hall_accounts,
    hall,
    hall_person,
    hall_requests,  # unit web hall requests and their processing at the counter (issue 10)
    hall_developer,  # the developer web hall (开发商网厅, issue 10)
    developer_hall_accounts,  # before loans: the counter's developer hall accounts (issue 10)
    dashboard,
    withdrawals,  # withdrawals (提取)
    loans,  # housing loans (个人住房贷款)
    loan_servicing,  # housing loans: 贷后管理 (issue 8)
    accounting,  # accounting (会计核算, issue 9)
    credit_reports,  # 征信查询 under the borrower's authorisation (reliability P3)
)

# (URL under /static/vendor, folder inside node_modules) — front-end packages from npm, never a CDN.
VENDOR_PACKAGES = (
    ("htmx", "htmx.org/dist"),
    ("echarts", "echarts/dist"),
    ("swagger-ui", "swagger-ui-dist"),
)


def find_node_modules(explicit: Path | None = None) -> Path | None:
    """node_modules: given, from ANJU_NODE_MODULES, beside the repository, or in the working dir."""
    candidates = [
        explicit,
        Path(os.environ["ANJU_NODE_MODULES"]) if os.environ.get("ANJU_NODE_MODULES") else None,
        Path(anju.__file__).resolve().parents[2] / "node_modules",
        Path.cwd() / "node_modules",
    ]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir():
            return candidate
    return None


def _mount_static(app: FastAPI, node_modules: Path | None) -> None:
    # Vendor mounts first: "/static" would otherwise swallow "/static/vendor/...".
    mounted = set()
    for name, folder in VENDOR_PACKAGES:
        directory = node_modules / folder if node_modules else None
        if directory is None or not directory.is_dir():
            logger.warning(
                "front-end package %s not found (run `npm ci`); /static/vendor/%s is empty", folder, name
            )
            continue
        app.mount(f"/static/vendor/{name}", StaticFiles(directory=directory), name=f"vendor-{name}")
        mounted.add(name)
    app.state.swagger_ui_available = "swagger-ui" in mounted
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def bind_centre(app: FastAPI, container: Container) -> None:
    """Everything that ties an app to one centre lives in `app.state` and is set here: the
    container, and the rate limiters whose counts belong to that centre's traffic. The route table
    depends on nothing else and the middleware only on two settings (upload limit, cookie
    security), so a test suite may build the app once and rebind it to each test's fresh centre
    while those settings are the same: building the route table costs seconds."""
    app.state.container = container
    app.state.login_limiter = make_login_limiter()
    app.state.query_limiter = make_query_limiter()  # public computations (loan calculator), per IP
    app.state.hall_request_limiter = make_hall_request_limiter()  # money-moving hall requests, per account


def create_app(container: Container, *, node_modules: Path | None = None) -> FastAPI:
    app = FastAPI(
        title="安居 Anju API",
        version=anju.__version__ if hasattr(anju, "__version__") else "0.1.0",
        description='住房公积金核心业务系统 JSON API。金额以字符串形式的元金额传送（如 "1234.56"）。',
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by api/docs.py behind a declared permission
    )
    bind_centre(app, container)

    app.include_router(docs.router)
    for module in API_ROUTERS:
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(web_router())
    _mount_static(app, find_node_modules(node_modules))

    install_error_handlers(app, render_error_page)

    def on_crash(request: Request, request_id: str) -> Response:
        return respond(request, 500, internal_error_payload(request_id), render_error_page)

    # Each view of a route marked personal_data=True is audited before its reply leaves (G1).
    app.add_middleware(PersonalDataAuditMiddleware)
    # Multipart bodies are counted as they arrive and cut at the upload limit (F4).
    app.add_middleware(UploadLimitMiddleware, max_bytes=container.settings.upload_max_mb * MIB)
    app.add_middleware(SecurityMiddleware, on_crash=on_crash, hsts=container.settings.cookie_secure)

    route_permissions(app)  # raises RoutePermissionError on a route without exactly one permission
    return app
