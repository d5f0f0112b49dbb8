"""The background worker: runs its jobs whenever it is woken, or every poll interval.

Channels only store raw input and set the wake event; everything slow (parsing, classifying,
ticketing, sending) happens here, so a crash loses nothing and a restart resumes (STYLE 3).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import suppress

from aiohttp import web

from intake_bot.keys import SETTINGS, WAKE_WORKER, WORKER_TASK

log = logging.getLogger(__name__)

# A job does one bounded round of work and returns how many items it handled.
Job = Callable[[web.Application], Awaitable[int]]

JOBS = web.AppKey("worker_jobs", tuple[Job, ...])


async def run_once(app: web.Application, jobs: Sequence[Job]) -> int:
    """Run each job once; a failing job is logged and the others still run."""
    done = 0
    for job in jobs:
        try:
            done += await job(app)
        except Exception:
            log.exception("worker job %s failed; will retry", job.__name__)
    return done


async def run_forever(app: web.Application) -> None:
    """Loop until cancelled: run the jobs, then sleep until woken or the poll interval passes."""
    wake, interval = app[WAKE_WORKER], app[SETTINGS].worker.poll_interval
    jobs = app.get(JOBS, ())
    while True:
        wake.clear()
        if await run_once(app, jobs):
            continue  # there may be more: go again without waiting
        with suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), interval)


async def worker_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: start the worker task with the app, cancel it on shutdown."""
    app[WAKE_WORKER] = asyncio.Event()
    if not app[SETTINGS].worker.enabled:
        yield
        return
    task = asyncio.create_task(run_forever(app), name="intake-worker")
    app[WORKER_TASK] = task
    yield
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
