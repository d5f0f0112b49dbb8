"""Writing validated case and client records: batched upserts by case number / client id.

An unchanged record (same fingerprint) is left alone, so importing a file twice changes nothing.
Persons are updated in place by their position on the case, so ids that tickets refer to stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from intake_bot.errors import InputError
from intake_bot.importer import CaseRecord, ClientRecord, PersonRecord
from intake_bot.store.models import Base, Case, CasePerson, Client, ContactPoint, utcnow

# Core tables for bulk inserts: the ORM path does not batch (PERF.md).
TABLES = Base.metadata.tables


@dataclass
class ImportSummary:
    """Counts of one import run plus the per-line errors, in line order."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[InputError] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def sort_errors(self) -> None:
        """Errors in file order ("line N" sources), whatever stage found them."""
        self.errors.sort(key=lambda e: int(e.source.rsplit(" ", 1)[-1]))

    def as_dict(self) -> dict[str, int]:
        return {"imported": self.imported, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected}


def _person_row(p: PersonRecord) -> dict[str, object]:
    row = dict(vars(p))
    del row["emails"], row["phones"]
    return row


async def upsert_clients(
    sess: AsyncSession, records: Sequence[ClientRecord], summary: ImportSummary
) -> None:
    """Insert new clients, update changed ones, count unchanged ones."""
    existing = {
        cid: (pk, fp)
        for pk, cid, fp in await sess.execute(
            select(Client.id, Client.client_id, Client.fingerprint).where(
                Client.client_id.in_([r.client_id for r in records])
            )
        )
    }
    now = utcnow()
    for r in records:
        values = {k: v for k, v in asdict(r).items() if k != "line"}
        values["fingerprint"] = r.fingerprint
        if r.client_id not in existing:
            await sess.execute(insert(Client).values(**values, created_at=now, updated_at=now))
            summary.imported += 1
        elif existing[r.client_id][1] != r.fingerprint:
            await sess.execute(
                update(Client).where(Client.id == existing[r.client_id][0])
                .values(**values, updated_at=now)
            )
            summary.updated += 1
        else:
            summary.unchanged += 1


async def upsert_cases(
    sess: AsyncSession, records: Sequence[CaseRecord], summary: ImportSummary
) -> None:
    """Write one batch of case records (case numbers unique within the batch)."""
    clients = dict(
        (await sess.execute(
            select(Client.client_id, Client.id).where(
                Client.client_id.in_({r.client_id for r in records})
            )
        )).all()
    )
    existing = {
        number: (pk, fp)
        for pk, number, fp in await sess.execute(
            select(Case.id, Case.case_number, Case.fingerprint).where(
                Case.case_number.in_([r.case_number for r in records])
            )
        )
    }
    new: list[CaseRecord] = []
    changed: list[tuple[int, CaseRecord]] = []
    for r in records:
        if r.client_id not in clients:
            summary.errors.append(InputError(
                f"line {r.line}", "client_id", "unknown client (import the clients first)"
            ))
        elif r.case_number not in existing:
            new.append(r)
        elif existing[r.case_number][1] != r.fingerprint:
            changed.append((existing[r.case_number][0], r))
        else:
            summary.unchanged += 1
    now = utcnow()

    def case_values(r: CaseRecord) -> dict[str, object]:
        return {
            "case_number": r.case_number, "stage": r.stage, "client_pk": clients[r.client_id],
            "opened_at": r.opened_at, "closed_at": r.closed_at,
            "closed_from_stage": r.closed_from_stage, "fingerprint": r.fingerprint,
            "updated_at": now,
        }

    case_ids: list[tuple[int, CaseRecord]] = []
    if new:
        result = await sess.execute(
            insert(TABLES["cases"]).returning(Case.id, sort_by_parameter_order=True),
            [{**case_values(r), "restricted": False, "created_at": now} for r in new],
        )
        case_ids = list(zip(result.scalars().all(), new, strict=True))
        summary.imported += len(new)
    if changed:
        await sess.execute(
            update(Case), [{"id": pk, **case_values(r)} for pk, r in changed]
        )
        summary.updated += len(changed)
    await _write_persons(sess, case_ids, changed)


async def _write_persons(
    sess: AsyncSession,
    inserted: Sequence[tuple[int, CaseRecord]],
    changed: Sequence[tuple[int, CaseRecord]],
) -> None:
    """Persons of new cases are inserted; those of changed cases are updated by position."""
    old: dict[tuple[int, int], int] = {}
    if changed:
        changed_ids = [pk for pk, _ in changed]
        old = {
            (case_id, pos): pid
            for pid, case_id, pos in await sess.execute(
                select(CasePerson.id, CasePerson.case_id, CasePerson.position).where(
                    CasePerson.case_id.in_(changed_ids)
                )
            )
        }
        if old:
            await sess.execute(
                delete(ContactPoint).where(ContactPoint.person_id.in_(list(old.values())))
            )
    to_insert: list[tuple[dict[str, object], PersonRecord]] = []
    to_update: list[tuple[int, dict[str, object], PersonRecord]] = []
    keep: set[int] = set()
    for case_id, record in [*inserted, *changed]:
        for pos, p in enumerate(record.persons):
            row = {"case_id": case_id, "position": pos, **_person_row(p)}
            pid = old.get((case_id, pos))
            if pid is None:
                to_insert.append(({**row, "restricted": False}, p))
            else:
                keep.add(pid)
                to_update.append((pid, {"id": pid, **row}, p))
    surplus = [pid for pid in old.values() if pid not in keep]
    if surplus:
        await sess.execute(delete(CasePerson).where(CasePerson.id.in_(surplus)))
    if to_update:
        await sess.execute(update(CasePerson), [row for _, row, _ in to_update])
    person_ids = [(pid, p) for pid, _, p in to_update]
    if to_insert:
        result = await sess.execute(
            insert(TABLES["case_persons"]).returning(CasePerson.id, sort_by_parameter_order=True),
            [row for row, _ in to_insert],
        )
        person_ids += zip(result.scalars().all(), [p for _, p in to_insert], strict=True)
    contacts = [
        {"person_id": pid, "kind": kind, "value": value}
        for pid, p in person_ids
        for kind, values in (("email", p.emails), ("phone", p.phones))
        for value in values
    ]
    if contacts:
        await sess.execute(insert(TABLES["contact_points"]), contacts)
