"""Translate the service's errors into JSON responses; never a traceback or personal data."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from intake_bot.errors import (
    IdentityNotVerified,
    InputError,
    IntakeError,
    InvalidTransition,
    NotFound,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[IntakeError], int, str], ...] = (
    (InputError, 400, "bad_request"),
    (NotFound, 404, "not_found"),
    (IdentityNotVerified, 403, "identity_not_verified"),
    (InvalidTransition, 409, "conflict"),
    (StoreUnavailable, 503, "store_unavailable"),
)


def error_response(status: int, error: str, detail: object = None) -> web.Response:
    """The JSON error shape of SPEC §3."""
    return web.json_response({"error": error, "detail": detail}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, exc.reason.lower().replace(" ", "_"))
    except IntakeError as exc:
        for cls, status, name in _STATUS:
            if isinstance(exc, cls):
                # Our error messages name fields and reasons only, never values.
                detail = str(exc) if isinstance(exc, InputError | InvalidTransition) else None
                return error_response(status, name, detail)
        log.error("unmapped service error %s on %s", type(exc).__name__, request.path)
        return error_response(500, "internal_error")
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error")
