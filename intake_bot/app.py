"""The app factory: one place that wires the store, the worker and the HTTP routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from intake_bot.case_import import load_demo_if_empty
from intake_bot.followups import watch_deadlines
from intake_bot.intake import process_inbound, watch_backlog
from intake_bot.keys import (
    BACKLOG_STATE,
    CLASSIFIER,
    ENGINE,
    POLICY,
    SEALER,
    SESSIONS,
    SETTINGS,
    TEMPLATES,
)
from intake_bot.logs import quiet_libraries
from intake_bot.policy import load_policy
from intake_bot.replies import Templates
from intake_bot.sealing import Sealer
from intake_bot.settings import Settings, resolve_secrets
from intake_bot.store.engine import make_engine, make_sessions, upgrade
from intake_bot.types import BacklogState
from intake_bot.web.middleware import error_middleware
from intake_bot.web.routes import setup_routes
from intake_bot.worker import JOBS, worker_ctx
from mail.outgoing import send_outbox
from mail.server import smtp_listener
from mail.sink import relay_sink

log = logging.getLogger(__name__)


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the store (migrating and loading demo data when configured), close it at the end."""
    settings = app[SETTINGS]
    engine = make_engine(settings.database.url, settings.database.pool_size)
    if settings.database.auto_upgrade:
        await upgrade(engine)
    app[ENGINE] = engine
    app[SESSIONS] = make_sessions(engine)
    if settings.demo.load:
        await load_demo_if_empty(app[SESSIONS], settings.demo.directory, settings.cpr_key())
    yield
    await engine.dispose()


async def classifier_ctx(app: web.Application) -> AsyncIterator[None]:
    """Load the trained pipelines once, off the event loop (about 2 s), when NLP is enabled."""
    settings = app[SETTINGS].nlp
    if not settings.enabled:
        yield
        return
    from intake_bot.nlp.classifier import Classifier

    loop = asyncio.get_running_loop()
    classifier = await loop.run_in_executor(None, Classifier, settings.model_dir)
    app[CLASSIFIER] = classifier
    log.info("classifier loaded from %s", settings.model_dir)
    yield
    classifier.close()


async def create_app(settings: Settings) -> web.Application:
    """Build the application; resources open and close through cleanup_ctx, in this order."""
    quiet_libraries()  # also when the app is built without the CLI's logging set-up (tests)
    app = web.Application(middlewares=[error_middleware])
    app[SETTINGS] = settings = resolve_secrets(settings)
    app[SEALER] = Sealer(settings.cpr_key())
    app[POLICY] = load_policy()
    app[TEMPLATES] = Templates(settings.replies.templates, settings.replies.default_language)
    app[JOBS] = (process_inbound, send_outbox, watch_backlog, watch_deadlines)
    app[BACKLOG_STATE] = BacklogState()
    app.cleanup_ctx.append(store_ctx)
    app.cleanup_ctx.append(classifier_ctx)
    app.cleanup_ctx.append(relay_sink)  # before the worker, which sends to it
    app.cleanup_ctx.append(worker_ctx)  # creates the wake event the SMTP handler sets
    app.cleanup_ctx.append(smtp_listener)
    setup_routes(app)
    return app
