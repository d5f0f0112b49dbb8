"""Fixtures for the email channel: the service built by the production factory, started on
ephemeral ports, with the trained classifier shared across tests where they need it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from intake_bot.app import create_app
from intake_bot.keys import CLASSIFIER
from intake_bot.nlp.classifier import Classifier

StartApp = Callable[..., Awaitable[web.Application]]


@pytest.fixture(scope="session")
def classifier() -> Iterator[Classifier]:
    """The shipped classifier, loaded once for every test that needs it (about 2 s a load)."""
    shared = Classifier()
    yield shared
    shared.close()


@pytest.fixture
def start_app(aiohttp_client: Callable[[web.Application], Any],
              make_settings: Callable[..., Any], request: pytest.FixtureRequest) -> StartApp:
    """Start the service with settings overrides (make_settings keywords); `nlp=True` gives it
    the shared classifier. The worker polls quickly so tests settle fast."""

    async def start(*, nlp: bool = False, **env: str) -> web.Application:
        app = await create_app(make_settings(**{"worker_poll_interval": "0.1", **env}))
        if nlp:
            app[CLASSIFIER] = request.getfixturevalue("classifier")
        client: TestClient[Any, Any] = await aiohttp_client(app)
        return client.app

    return start
