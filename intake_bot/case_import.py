"""`cases import` and `clients import`: read, validate each line, write good ones in batches."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
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


async def import_cases(
    sessions: async_sessionmaker[AsyncSession], path: Path, cpr_key: bytes,
    show_progress: bool = False,
) -> ImportSummary:
    """Import a case file (SPEC §4); each batch of good lines commits on its own."""
    summary = ImportSummary()
    batch: dict[str, importer.CaseRecord] = {}

    async def flush() -> None:
        if batch:
            async with sessions.begin() as sess:
                await upsert_cases(sess, list(batch.values()), summary)
            batch.clear()

    with _progress(path, show_progress) as progress:
        for line, obj in _reader(path, "cases", progress):
            if isinstance(obj, InputError):
                summary.errors.append(obj)
                continue
            try:
                record = importer.validate_case(line, obj, cpr_key)
            except InputError as exc:
                summary.errors.append(exc)
                continue
            # A case number seen twice in one file: the later line wins, in file order.
            if record.case_number in batch or len(batch) >= BATCH_SIZE:
                await flush()
            batch[record.case_number] = record
        await flush()
    summary.sort_errors()
    log.info("case import finished: %s", summary.as_dict())
    return summary


async def import_clients(
    sessions: async_sessionmaker[AsyncSession], path: Path, show_progress: bool = False
) -> ImportSummary:
    """Import a client (seller) file (SPEC §4)."""
    summary = ImportSummary()
    records: dict[str, importer.ClientRecord] = {}
    with _progress(path, show_progress) as progress:
        for line, obj in _reader(path, "clients", progress):
            if isinstance(obj, InputError):
                summary.errors.append(obj)
                continue
            try:
                record = importer.validate_client(line, obj)
            except InputError as exc:
                summary.errors.append(exc)
                continue
            if record.client_id in records:
                async with sessions.begin() as sess:
                    await upsert_clients(sess, list(records.values()), summary)
                records.clear()
            records[record.client_id] = record
    if records:
        async with sessions.begin() as sess:
            await upsert_clients(sess, list(records.values()), summary)
    summary.sort_errors()
    log.info("client import finished: %s", summary.as_dict())
    return summary


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
