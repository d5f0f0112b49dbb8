"""Passwords (argon2), API tokens and the keyed CPR hash: the few secrets-related primitives."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

TOKEN_PREFIX = "ib_"


def hash_password(password: str) -> str:
    """An argon2id hash (with its own salt and parameters) of `password`."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True if `password` matches; False for a wrong password or a damaged hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A one-time password for a new login: 16 random URL-safe characters."""
    return secrets.token_urlsafe(12)


def new_token() -> str:
    """A new API token; only its SHA-256 is stored (256 random bits need no slow hash)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
