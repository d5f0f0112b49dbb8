"""Test helper process: open N tickets on the configured store and print their refs."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from intake_bot.settings import load_settings
from intake_bot.store import tickets
from intake_bot.store.engine import make_engine, make_sessions


async def main(count: int) -> None:
    settings = load_settings()
    engine = make_engine(settings.database.url)
    sessions = make_sessions(engine)
    refs = []
    for _ in range(count):
        async with sessions.begin() as sess:
            new = tickets.NewTicket(channel="email", received_at=datetime.now(UTC))
            refs.append((await tickets.open_ticket(sess, new, settings.deadlines)).ref)
    await engine.dispose()
    print("\n".join(refs))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
