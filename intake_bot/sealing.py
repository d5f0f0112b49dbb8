"""Encryption at rest for raw inbound messages, which may carry CPR numbers (RULES RET-4).

The raw bytes must be kept (nothing lost; agents can see the original), but a CPR number a
requester writes must never sit in the store in plain text. So raw input is sealed with
AES-GCM under a key derived (HKDF) from the service's CPR secret before it is written.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"IBS1"
_NONCE = 12


class Sealer:
    """Seals and opens raw messages; one instance per configured secret."""

    def __init__(self, secret: bytes) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"intake-bot raw input v1"
        ).derive(secret)
        self._aead = AESGCM(key)

    def seal(self, raw: bytes) -> bytes:
        """Ciphertext with a format tag and a fresh nonce."""
        nonce = os.urandom(_NONCE)
        return MAGIC + nonce + self._aead.encrypt(nonce, raw, MAGIC)

    def open(self, sealed: bytes) -> bytes:
        """The original bytes; raises cryptography's InvalidTag if the data or key is wrong."""
        if not sealed.startswith(MAGIC):
            raise ValueError("not a sealed message")
        nonce = sealed[len(MAGIC) : len(MAGIC) + _NONCE]
        return self._aead.decrypt(nonce, sealed[len(MAGIC) + _NONCE :], MAGIC)
