"""`GET /healthz`: 200 when the store answers, 503 otherwise (SPEC §3)."""

from __future__ import annotations

from aiohttp import web

from intake_bot.errors import StoreUnavailable
from intake_bot.keys import ENGINE, SETTINGS
from intake_bot.store.engine import ping


async def healthz(request: web.Request) -> web.Response:
    app = request.app
    try:
        await ping(app[ENGINE], app[SETTINGS].database.health_timeout)
    except StoreUnavailable:
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})
