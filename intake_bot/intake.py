"""Worker job: take stored inbound messages through the pipeline, crash-safe and at least once.

Messages are taken a batch at a time. The batch is claimed (status `processing`, attempts + 1)
in one short transaction; then the store-free steps (parse, classify) run for every message; then
one transaction runs the remaining steps for each message inside a savepoint of its own and
commits the tickets, replies and final statuses of the whole batch together (one commit instead
of one per message: group commit). A message whose steps fail rolls back only its savepoint.

A crash leaves the claims, which expire after `worker.claim_timeout` and are taken up again; the
final update is fenced on the attempt number, so a slow worker whose claim was retaken cannot
write twice. A message that fails `worker.max_attempts` times is quarantined for an agent with
its raw bytes (MAIL.md §3.4).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake_bot import pipeline
from intake_bot.keys import (
    BACKLOG_STATE,
    CLASSIFIER,
    POLICY,
    SEALER,
    SESSIONS,
    SETTINGS,
    TEMPLATES,
)
from intake_bot.settings import WorkerSettings
from intake_bot.store.models import InboundMessage, utcnow

log = logging.getLogger(__name__)


class LostClaim(Exception):
    """Another worker retook this message while we processed it; our work is rolled back."""


async def process_inbound(app: web.Application) -> int:
    """Process up to worker.batch_size waiting messages; returns how many were taken."""
    settings, sessions = app[SETTINGS], app[SESSIONS]
    ids = await _waiting(sessions, settings.worker, utcnow())
    claims = await _claim(sessions, ids, settings.worker, utcnow()) if ids else {}
    exhausted = [i for i, attempt in claims.items() if attempt > settings.worker.max_attempts]
    for inbound_id in exhausted:
        await _quarantine(sessions, inbound_id, "gave_up: too many failed attempts")
    batch = {i: a for i, a in claims.items() if i not in exhausted}
    if batch:
        await _process(app, batch)
    return len(claims)


def _ready(worker: WorkerSettings, now: datetime) -> Any:
    """Waiting and not resting after a failure, or claimed by a worker that has gone away."""
    retry = now - timedelta(seconds=worker.retry_delay)
    stale = now - timedelta(seconds=worker.claim_timeout)
    return or_(
        (InboundMessage.status == "received")
        & (InboundMessage.claimed_at.is_(None) | (InboundMessage.claimed_at <= retry)),
        (InboundMessage.status == "processing") & (InboundMessage.claimed_at <= stale),
    )


async def _waiting(
    sessions: async_sessionmaker[AsyncSession], worker: WorkerSettings, now: datetime
) -> list[int]:
    async with sessions() as sess:
        rows = await sess.execute(
            select(InboundMessage.id).where(_ready(worker, now))
            .order_by(InboundMessage.id).limit(worker.batch_size)
        )
        return list(rows.scalars().all())


async def _claim(
    sessions: async_sessionmaker[AsyncSession], ids: list[int], worker: WorkerSettings,
    now: datetime,
) -> dict[int, int]:
    """Mark the messages as ours; returns id → attempt number for those we got."""
    async with sessions.begin() as sess:
        result = await sess.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(ids), _ready(worker, now))
            .values(status="processing", claimed_at=now, attempts=InboundMessage.attempts + 1)
            .returning(InboundMessage.id, InboundMessage.attempts)
        )
        return {row.id: row.attempts for row in result}


async def _process(app: web.Application, batch: dict[int, int]) -> None:
    settings, sessions = app[SETTINGS], app[SESSIONS]
    prepare, decide = pipeline.split(pipeline.STEPS)
    failures: dict[int, BaseException] = {}
    items: list[pipeline.Intake] = []
    async with sessions() as sess:
        rows = (await sess.execute(
            select(InboundMessage).where(InboundMessage.id.in_(batch)).order_by(InboundMessage.id)
        )).scalars().all()
        for row in rows:
            items.append(pipeline.Intake(
                inbound_id=row.id, channel=row.channel, received_at=row.received_at,
                raw=app[SEALER].open(row.raw), recipients=tuple(row.envelope_to),
            ))
    classifier, templates, policy = app.get(CLASSIFIER), app[TEMPLATES], app[POLICY]
    free = pipeline.StepContext(None, settings, classifier, templates, policy)

    async def prepared(item: pipeline.Intake) -> None:
        try:
            await pipeline.run(free, item, prepare)
        except Exception as exc:
            failures[item.inbound_id] = exc

    # The store-free steps of the whole batch run together: parsing in threads, and the
    # classifier gets the batch in one call instead of one message at a time.
    await asyncio.gather(*(prepared(item) for item in items))
    done: list[pipeline.Intake] = []
    try:
        # The transaction (and SQLite's write lock) starts with the first statement below.
        async with sessions() as sess:
            ctx = pipeline.StepContext(sess, settings, classifier, templates, policy)
            for item in items:
                if item.inbound_id in failures:
                    continue
                try:
                    async with sess.begin_nested():
                        if not item.stopped:
                            await pipeline.run(ctx, item, decide)
                        await _finish(sess, item, batch[item.inbound_id])
                    done.append(item)
                except Exception as exc:
                    failures[item.inbound_id] = exc
            await sess.commit()
    except Exception as batch_error:  # the commit itself failed: the whole batch is retried
        log.exception("inbound batch of %d could not be committed", len(items))
        failures.update({i.inbound_id: batch_error for i in items
                         if i.inbound_id not in failures})
        done = []
    for item in done:
        log.info("inbound %d: %s (%s)%s", item.inbound_id, item.disposition, item.reason,
                 f" ticket {item.ticket.ref}" if item.ticket else "")
    for inbound_id, error in failures.items():
        await _failed(sessions, inbound_id, batch[inbound_id], error, settings.worker)


async def _failed(
    sessions: async_sessionmaker[AsyncSession], inbound_id: int, attempt: int,
    exc: BaseException, worker: WorkerSettings,
) -> None:
    step = exc.step if isinstance(exc, pipeline.StepFailed) else "worker"
    cause = exc.__cause__ if isinstance(exc, pipeline.StepFailed) else exc
    if not isinstance(exc, pipeline.StepFailed):  # StepFailed was logged where it happened
        log.error("inbound %d: processing failed (%s)", inbound_id, type(exc).__name__)
    # A store outage is not the message's fault: it waits without using up its attempts.
    transient = isinstance(cause, DBAPIError) and cause.connection_invalidated
    reason = f"{step}: {type(cause).__name__}"
    await _release(sessions, inbound_id, attempt, reason, worker, transient)


async def _finish(sess: AsyncSession, item: pipeline.Intake, attempt: int) -> None:
    if item.disposition is None:
        raise RuntimeError("no step settled the message")
    mail = item.mail
    values: dict[str, Any] = {
        "status": item.disposition, "disposition_reason": item.reason, "error": None,
        "processed_at": utcnow(), "ticket_id": item.ticket.id if item.ticket else None,
        "sender": item.sender, "subject": item.subject[:998] if item.subject else None,
        "text": item.text,
    }
    if mail is not None:
        values.update(
            message_id=mail.message_id[:998], content_key=mail.content_key,
            html=mail.html, notes=list(mail.notes),
            attachments=[{
                "filename": a.filename, "content_type": a.content_type, "size": a.size,
                "sha256": a.sha256, "inline": a.inline, "source": a.source,
            } for a in mail.attachments],
        )
    result = await sess.execute(
        update(InboundMessage)
        .where(InboundMessage.id == item.inbound_id, InboundMessage.status == "processing",
               InboundMessage.attempts == attempt)
        .values(**values).returning(InboundMessage.id)
    )
    if result.scalar_one_or_none() is None:
        raise LostClaim(f"inbound {item.inbound_id} was retaken by another worker")


async def _release(
    sessions: async_sessionmaker[AsyncSession], inbound_id: int, attempt: int, reason: str,
    worker: WorkerSettings, transient: bool,
) -> None:
    """After a failure: back to waiting (rest `retry_delay`), or quarantine at the last try."""
    if attempt >= worker.max_attempts and not transient:
        await _quarantine(sessions, inbound_id, reason)
        return
    try:
        async with sessions.begin() as sess:
            await sess.execute(
                update(InboundMessage)
                .where(InboundMessage.id == inbound_id, InboundMessage.attempts == attempt)
                .values(status="received", error=reason[:500], claimed_at=utcnow(),
                        attempts=InboundMessage.attempts - (1 if transient else 0))
            )
    except Exception:  # the store is down: the claim expires and the message is retaken
        log.warning("inbound %d: could not release after a failure", inbound_id)


async def watch_backlog(app: web.Application) -> int:
    """Worker job: raise an operator alert (ERROR log) when a message has waited longer than
    worker.alert_after seconds, i.e. the accepted count and the processed count drift apart
    (MAIL.md item 45). Returns 0: it never counts as work done."""
    settings = app[SETTINGS].worker
    state = app[BACKLOG_STATE]
    now = utcnow()
    if state.next_check is not None and now < state.next_check:
        return 0
    state.next_check = now + timedelta(seconds=settings.alert_after)
    async with app[SESSIONS]() as sess:
        oldest = (await sess.execute(
            select(func.min(InboundMessage.received_at), func.count())
            .where(InboundMessage.status.in_(("received", "processing")))
        )).one()
    if oldest[1] and oldest[0] <= now - timedelta(seconds=settings.alert_after):
        log.error("ALERT: %d inbound messages pending, the oldest for %d s: is the worker "
                  "stuck?", oldest[1], (now - oldest[0]).total_seconds())
    return 0


async def _quarantine(
    sessions: async_sessionmaker[AsyncSession], inbound_id: int, reason: str
) -> None:
    async with sessions.begin() as sess:
        await sess.execute(
            update(InboundMessage).where(InboundMessage.id == inbound_id)
            .values(status="quarantined", error=reason[:500], processed_at=utcnow(),
                    disposition_reason="quarantine")
        )
    log.error("inbound %d quarantined (%s); an agent must look at it", inbound_id, reason)
