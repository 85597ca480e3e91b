"""Deployment settings from ANJU_* environment variables (never business policy: that is data).

ANJU_HOME              folder for the embedded database, keys and exports (default ./var)
ANJU_DATABASE_URL      SQLAlchemy URL; default sqlite:///$ANJU_HOME/anju.db
ANJU_MASTER_KEY        64 hex chars; default: $ANJU_HOME/keys/master.key, created by `anju init`
ANJU_CENTRE_CODE       6-digit code of the centre used in business numbers (default 410100)
ANJU_COOKIE_SECURE     "false" only for plain-http development behind no proxy (default true)
ANJU_SESSION_IDLE_MINUTES  staff session idle timeout (default 15, 等保三级)
ANJU_PASSWORD_ITERATIONS   PBKDF2-HMAC-SM3 iterations for new password hashes (default 200000;
                           tests use fewer to run fast; existing hashes keep their own count)
ANJU_BANK_URL          the bank-settlement platform, tcp://host:port (unset: no bank link)
ANJU_BANK_TIMEOUT      whole seconds to wait for the platform's answer (default 10)
ANJU_BANK_LISTEN       host:port where `anju serve` listens for account-change notices (SBDC100)
ANJU_BANK_CUST_NO / ANJU_BANK_OPER_NO / ANJU_BANK_TX_UNIT_NO  numbers the platform assigned
                           when the centre connected (customer, operator, institution)
ANJU_UPLOAD_MAX_MB     largest file upload (Excel rosters, wage-base sheets), in MiB (default 20)
ANJU_EXCEL_MAX_ROWS    most data rows an uploaded sheet may have (default 100000)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    database_url: str
    master_key_hex: str | None
    master_key_file: Path
    centre_code: str
    cookie_secure: bool
    session_idle_minutes: int
    session_absolute_hours: int
    bank_sim_url: str | None
    password_iterations: int = 200_000
    bank_timeout_seconds: int = 10
    bank_listen: str | None = None
    bank_cust_no: str = ""
    bank_oper_no: str = "ANJU01"
    bank_tx_unit_no: str = ""
    upload_max_mb: int = 20
    excel_max_rows: int = 100_000
    data_key_version: int = 1  # SM4 data-key version for new writes (K6; docs/operations/rotate-keys.md)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(env: dict[str, str] | None = None) -> Settings:
    source = os.environ if env is None else env
    home = Path(source.get("ANJU_HOME") or "var").resolve()
    url = source.get("ANJU_DATABASE_URL") or f"sqlite:///{home / 'anju.db'}"
    return Settings(
        home=home,
        database_url=url,
        master_key_hex=source.get("ANJU_MASTER_KEY") or None,
        master_key_file=Path(source.get("ANJU_MASTER_KEY_FILE") or home / "keys" / "master.key"),
        centre_code=source.get("ANJU_CENTRE_CODE") or "410100",
        cookie_secure=_flag(source.get("ANJU_COOKIE_SECURE"), True),
        session_idle_minutes=int(source.get("ANJU_SESSION_IDLE_MINUTES") or 15),
        session_absolute_hours=int(source.get("ANJU_SESSION_ABSOLUTE_HOURS") or 8),
        bank_sim_url=source.get("ANJU_BANK_URL") or None,
        password_iterations=int(source.get("ANJU_PASSWORD_ITERATIONS") or 200_000),
        bank_timeout_seconds=int(source.get("ANJU_BANK_TIMEOUT") or 10),
        bank_listen=source.get("ANJU_BANK_LISTEN") or None,
        bank_cust_no=source.get("ANJU_BANK_CUST_NO") or "",
        bank_oper_no=source.get("ANJU_BANK_OPER_NO") or "ANJU01",
        bank_tx_unit_no=source.get("ANJU_BANK_TX_UNIT_NO") or "",
        upload_max_mb=int(source.get("ANJU_UPLOAD_MAX_MB") or 20),
        excel_max_rows=int(source.get("ANJU_EXCEL_MAX_ROWS") or 100_000),
        data_key_version=int(source.get("ANJU_DATA_KEY_VERSION") or 1),
    )
