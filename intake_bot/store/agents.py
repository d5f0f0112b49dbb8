"""Agent logins and API tokens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake_bot import security
from intake_bot.errors import InputError
from intake_bot.store.models import Agent, ApiToken, utcnow

ROLES = ("agent", "supervisor", "admin")


@dataclass(frozen=True)
class NewLogin:
    """The agent created plus the two secrets shown exactly once."""

    agent: Agent
    password: str
    token: str


async def add_agent(sess: AsyncSession, name: str, role: str) -> NewLogin:
    """Create an agent with a one-time password (must be changed at first login) and a token."""
    name = name.strip()
    if not name:
        raise InputError("agents add", "name", "must not be empty")
    if role not in ROLES:
        raise InputError("agents add", "role", "must be one of " + ", ".join(ROLES))
    if (await sess.execute(select(Agent.id).where(Agent.name == name))).first():
        raise InputError("agents add", "name", "an agent with this name exists already")
    password, token = security.new_password(), security.new_token()
    agent = Agent(
        name=name, role=role, password_hash=security.hash_password(password),
        must_change_password=True,
    )
    sess.add(agent)
    await sess.flush()
    sess.add(ApiToken(agent_id=agent.id, token_hash=security.token_hash(token)))
    await sess.flush()
    return NewLogin(agent, password, token)


async def agent_for_token(sess: AsyncSession, token: str) -> Agent | None:
    """The active agent owning `token`, or None; records when the token was last used."""
    row = (
        await sess.execute(
            select(ApiToken, Agent)
            .join(Agent, Agent.id == ApiToken.agent_id)
            .where(ApiToken.token_hash == security.token_hash(token))
        )
    ).first()
    if row is None:
        return None
    api_token, agent = row
    if api_token.revoked_at is not None or agent.disabled:
        return None
    api_token.last_used_at = utcnow()
    return agent
