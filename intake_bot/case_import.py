"""`cases import` and `clients import`: read, validate each line, write good ones in batches."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tqdm import tqdm

from intake_bot import importer
from intake_bot.errors import InputError
from intake_bot.store.casedata import ImportSummary, upsert_cases, upsert_clients
from intake_bot.store.models import Case

log = logging.getLogger(__name__)

BATCH_SIZE = 500


@contextmanager
def _progress(path: Path, show: bool) -> Iterator[Callable[[int], None] | None]:
    """A byte-based progress bar on stderr for large files (only on a terminal)."""
    size = path.stat().st_size
    if not show or size < 1_000_000:
        yield None
        return
    with tqdm(total=size, unit="B", unit_scale=True, desc=path.name, disable=None) as bar:
        yield bar.update


def _reader(
    path: Path, kind: str, progress: Callable[[int], None] | None
) -> Iterator[importer.Parsed]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return importer.read_jsonl(path, progress)
    if suffix == ".csv":
        if kind == "cases":
            rows = importer.read_csv_rows(path, importer.CASE_CSV_COLUMNS, progress)
            return importer.case_objects_from_csv(rows)
        return importer.read_csv_rows(path, ("client_id", "name"), progress)
    raise InputError(str(path.name), "", "expected a .jsonl or .csv file")


R = TypeVar("R", importer.CaseRecord, importer.ClientRecord)


async def _import(
    sessions: async_sessionmaker[AsyncSession],
    path: Path,
    kind: str,
    validate: Callable[[int, Mapping[str, Any]], R],
    key: Callable[[R], str],
    upsert: Callable[[AsyncSession, Sequence[R], ImportSummary], Awaitable[None]],
    show_progress: bool,
) -> ImportSummary:
    """Read, validate and upsert in batches; each batch of good lines commits on its own."""
    summary = ImportSummary()
    batch: dict[str, R] = {}

    async def flush() -> None:
        if batch:
            async with sessions.begin() as sess:
                await upsert(sess, list(batch.values()), summary)
            batch.clear()

    with _progress(path, show_progress) as progress:
        for line, obj in _reader(path, kind, progress):
            if isinstance(obj, InputError):
                summary.errors.append(obj)
                continue
            try:
                record = validate(line, obj)
            except InputError as exc:
                summary.errors.append(exc)
                continue
            # The same key twice in one file: the later line wins, in file order.
            if key(record) in batch or len(batch) >= BATCH_SIZE:
                await flush()
            batch[key(record)] = record
        await flush()
    if summary.imported or summary.updated:
        # Fresh statistics, so the planners use the lookup indexes on a store that just grew
        # (identity matching must not fall back to table scans, RULES ID-3 / bench/match).
        async with sessions.begin() as sess:
            await sess.execute(text("ANALYZE"))
    summary.sort_errors()
    log.info("%s import finished: %s", kind, summary.as_dict())
    return summary


async def import_cases(
    sessions: async_sessionmaker[AsyncSession], path: Path, cpr_key: bytes,
    show_progress: bool = False,
) -> ImportSummary:
    """Import a case file (SPEC §4), upserting by case number."""
    return await _import(
        sessions, path, "cases", lambda line, obj: importer.validate_case(line, obj, cpr_key),
        lambda r: r.case_number, upsert_cases, show_progress,
    )


async def import_clients(
    sessions: async_sessionmaker[AsyncSession], path: Path, show_progress: bool = False
) -> ImportSummary:
    """Import a client (seller) file (SPEC §4), upserting by client id."""
    return await _import(
        sessions, path, "clients", importer.validate_client, lambda r: r.client_id,
        upsert_clients, show_progress,
    )


async def load_demo_if_empty(
    sessions: async_sessionmaker[AsyncSession], directory: Path, cpr_key: bytes
) -> bool:
    """Load the demo clients and cases on an empty store; True if they were loaded."""
    async with sessions() as sess:
        if (await sess.execute(select(func.count(Case.id)))).scalar_one():
            return False
    clients = await import_clients(sessions, directory / "clients.jsonl")
    cases = await import_cases(sessions, directory / "cases.jsonl", cpr_key)
    if clients.errors or cases.errors:
        raise RuntimeError(f"demo data has {clients.rejected + cases.rejected} bad line(s)")
    log.info("demo data loaded: %d clients, %d cases", clients.imported, cases.imported)
    return True
