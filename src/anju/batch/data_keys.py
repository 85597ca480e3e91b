"""The SM4 data-key rotation job (reliability.md K6): `anju keys versions | reencrypt`.

The work is adapters/db/rekey.py (chunked, restartable); this module runs it for the entry points
and audits each run (`keys.reencrypt`, object `v<version>`, counts per column).
"""

from __future__ import annotations

from sqlalchemy import Engine

from anju.adapters.crypto.provider import SoftwareCryptoProvider
from anju.adapters.db import rekey
from anju.domain.security import AuditEvent
from anju.services import audit
from anju.services.ports import UnitOfWorkFactory
from anju.services.runner import run


def versions(engine: Engine, crypto: SoftwareCryptoProvider) -> dict[int, int]:
    """{data-key version: stored values it encrypts}."""
    return rekey.versions(engine, crypto)


def reencrypt(
    engine: Engine,
    crypto: SoftwareCryptoProvider,
    uow: UnitOfWorkFactory,
    *,
    chunk: int = rekey.DEFAULT_CHUNK,
) -> dict[str, int]:
    """Re-encrypt every value under the current version; the run is audited. {column: rows}."""
    done = rekey.reencrypt(engine, crypto, chunk=chunk)
    event = AuditEvent(
        action="keys.reencrypt",
        object_type="data_key",
        object_id=f"v{crypto.data_key_version}",
        actor="system:keys",
        details={"total": sum(done.values()), **{name: n for name, n in done.items() if n}},
    )
    run(uow, lambda u: audit.record(u, event))
    return done
