"""Typed keys for the state the app factory puts on the aiohttp application."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from intake_bot.nlp.classifier import Classifier
from intake_bot.policy import PolicyFacts
from intake_bot.replies import Templates
from intake_bot.sealing import Sealer
from intake_bot.settings import Settings
from intake_bot.types import BacklogState

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
WAKE_WORKER = web.AppKey("wake_worker", asyncio.Event)
WORKER_TASK = web.AppKey("worker_task", asyncio.Task[None])
CLASSIFIER = web.AppKey("classifier", Classifier)
SMTP_PORT = web.AppKey("smtp_port", int)
RELAY_PORT = web.AppKey("relay_port", int)
SEALER = web.AppKey("sealer", Sealer)
TEMPLATES = web.AppKey("templates", Templates)
BACKLOG_STATE = web.AppKey("backlog_state", BacklogState)
POLICY = web.AppKey("policy", PolicyFacts)
