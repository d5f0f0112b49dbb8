"""Policy facts (config/policy.toml): controller, purposes and legal bases, recipients,
sources, retention and the supervisory authority, loaded once and checked at start-up."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake_bot.errors import ConfigError

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "config" / "policy.toml"


@dataclass(frozen=True)
class Purpose:
    id: str
    label_da: str
    label_en: str
    basis: str


@dataclass(frozen=True)
class PolicyFacts:
    controller: dict[str, str]
    authority: dict[str, str]
    purposes: tuple[Purpose, ...]
    recipients: tuple[str, ...]
    sources: tuple[str, ...]
    retention: tuple[tuple[str, str], ...]
    recipients_da: tuple[str, ...]
    retention_da: tuple[tuple[str, str], ...]

    def authority_text(self) -> str:
        """Datatilsynet's contact details on one line (R-CPL)."""
        a = self.authority
        return f"{a['name']}, {a['address']}, {a['phone']}, {a['email']}, {a['web']}"


def load_policy(path: Path = DEFAULT_FILE) -> PolicyFacts:
    """Read and check the policy facts; a missing entry names its key."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), f"cannot read policy facts ({exc})") from None
    try:
        return PolicyFacts(
            controller={k: str(v) for k, v in data["controller"].items()},
            authority={k: str(data["supervisory_authority"][k])
                       for k in ("name", "address", "phone", "email", "web")},
            purposes=tuple(Purpose(p["id"], p["label_da"], p["label_en"], p["basis"])
                           for p in data["purposes"]),
            recipients=tuple(data["recipients"]),
            sources=tuple(data["sources"]),
            retention=tuple((r["what"], r["period"]) for r in data["retention"]),
            recipients_da=tuple(data["recipients_da"]),
            retention_da=tuple((r["what_da"], r["period_da"]) for r in data["retention"]),
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"policy.{exc}", "missing or malformed") from None
