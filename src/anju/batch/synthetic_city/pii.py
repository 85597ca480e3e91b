"""Personal data sealed with the real crypto provider (SM4-GCM + HMAC-SM3 blind index), in bulk.

`anju.adapters.crypto.fields.seal` costs ~30 µs a value on this machine: a million people with a
phone each is a minute of one core, the largest single cost of loading a city. Above a few
thousand values the work is spread over a pool of forked processes (they inherit the provider,
so no key ever crosses a pipe) and runs while the main process streams the ledger to the
database. Results come back in order, chunk by chunk.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from multiprocessing.pool import Pool
from types import TracebackType
from typing import Any

from anju.adapters.crypto.fields import PHONE, RESIDENT_ID, seal
from anju.services.ports import CryptoProvider

Sealed = tuple[bytes, str, bytes | None, str | None]  # id enc, id index, phone enc, phone index
CHUNK = 20_000
PARALLEL_FROM = 20_000  # below this a pool costs more than it saves

_crypto: CryptoProvider | None = None  # set in the parent before the fork; read by the workers


def _seal_chunk(chunk: tuple[Sequence[str | None], Sequence[str | None]]) -> list[Sealed]:
    crypto = _crypto
    assert crypto is not None
    out: list[Sealed] = []
    for resident_id, phone in zip(chunk[0], chunk[1], strict=True):
        enc, idx = seal(crypto, RESIDENT_ID, resident_id) if resident_id is not None else (b"", "")
        if phone is None:
            out.append((enc, idx, None, None))
        else:
            phone_enc, phone_idx = seal(crypto, PHONE, phone)
            out.append((enc, idx, phone_enc, phone_idx))
    return out


class Sealer:
    """Seals (resident id, phone) pairs in named streams, in a process pool when there are many.

    `submit` hands a batch over at once (the pool starts on it in the background); `results`
    yields a stream's sealed values in submission order, waiting where they are not done yet.
    """

    def __init__(self, crypto: CryptoProvider, expected: int, workers: int | None = None) -> None:
        self._crypto = crypto
        count = workers if workers is not None else (os.cpu_count() or 1)
        self._pool: Pool | None = None
        self._pending: dict[str, list[Any]] = {}
        global _crypto  # noqa: PLW0603 - handed to the (forked) workers, never changed after
        _crypto = crypto
        if expected >= PARALLEL_FROM and count > 1 and "fork" in multiprocessing.get_all_start_methods():
            self._pool = multiprocessing.get_context("fork").Pool(count)

    def __enter__(self) -> Sealer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            if exc is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()

    def submit(self, stream: str, resident_ids: Sequence[str | None], phones: Sequence[str | None]) -> None:
        pending = self._pending.setdefault(stream, [])
        for start in range(0, len(phones), CHUNK):
            chunk = (list(resident_ids[start : start + CHUNK]), list(phones[start : start + CHUNK]))
            pending.append(self._pool.apply_async(_seal_chunk, (chunk,)) if self._pool else chunk)

    def results(self, stream: str) -> Iterator[Sealed]:
        for item in self._pending.get(stream, []):
            yield from item.get() if self._pool is not None else _seal_chunk(item)
