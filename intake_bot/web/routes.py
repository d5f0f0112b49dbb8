"""URL table of the HTTP side; views stay thin and live next to their concern."""

from __future__ import annotations

from aiohttp import web

from intake_bot.web import health


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", health.healthz, name="healthz")
