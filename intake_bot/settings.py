"""Settings: config/defaults.toml, then an optional file, then INTAKE_<SECTION>_<KEY> variables."""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets as pysecrets
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from intake_bot.errors import ConfigError
from intake_bot.types import Environment, ExtensionMode

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = REPO_ROOT / "config" / "defaults.toml"
ENV_PREFIX = "INTAKE_"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class ServiceSettings:
    environment: Environment
    data_dir: Path
    log_level: str
    company_name: str


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    auto_upgrade: bool
    pool_size: int
    health_timeout: float


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    hostname: str
    addresses: list[str]
    aliases: list[str]
    max_bytes: int
    max_connections_per_peer: int
    tls_cert: str
    tls_key: str


@dataclass(frozen=True)
class HttpSettings:
    host: str
    port: int


@dataclass(frozen=True)
class RelaySettings:
    host: str
    port: int
    sender: str
    sink: bool
    sink_dir: Path
    message_id_domain: str
    timeout: float
    max_attempts: int
    retry_base: float


@dataclass(frozen=True)
class DemoSettings:
    load: bool
    directory: Path


@dataclass(frozen=True)
class SecretSettings:
    cpr_key: str = dataclasses.field(repr=False)
    cpr_key_file: str
    session_secret: str = dataclasses.field(repr=False)
    session_secret_file: str


@dataclass(frozen=True)
class DeadlineSettings:
    extension_mode: ExtensionMode
    identity_request_working_days: int
    reminder_days: int
    close_after_reminder_days: int
    extension_alert_working_days: int


@dataclass(frozen=True)
class NlpSettings:
    enabled: bool
    model_dir: Path


@dataclass(frozen=True)
class WorkerSettings:
    enabled: bool
    poll_interval: float
    batch_size: int
    max_attempts: int
    retry_delay: float
    claim_timeout: float
    alert_after: float


@dataclasses.dataclass(frozen=True)
class ReplySettings:
    templates: Path
    ack_limit_per_hour: int
    default_language: str


@dataclass(frozen=True)
class Settings:
    service: ServiceSettings
    database: DatabaseSettings
    smtp: SmtpSettings
    http: HttpSettings
    relay: RelaySettings
    demo: DemoSettings
    secrets: SecretSettings
    deadlines: DeadlineSettings
    nlp: NlpSettings
    worker: WorkerSettings
    replies: ReplySettings

    @property
    def is_sqlite(self) -> bool:
        return self.database.url.startswith("sqlite")

    def cpr_key(self) -> bytes:
        """The key of the CPR keyed hash (RULES RET-4), resolved by `resolve_secrets`."""
        return self.secrets.cpr_key.encode()


_SECTIONS: dict[str, type[Any]] = {
    f.name: typing.get_type_hints(Settings)[f.name] for f in dataclasses.fields(Settings)
}


def _coerce(key: str, raw: object, hint: Any) -> object:
    """Turn a TOML or environment value into the field's type, or raise naming the key."""
    origin = typing.get_origin(hint)
    from_env = isinstance(raw, str)
    if hint is bool:
        if isinstance(raw, bool):
            return raw
        if from_env and str(raw).strip().lower() in {"true", "1", "yes", "on"}:
            return True
        if from_env and str(raw).strip().lower() in {"false", "0", "no", "off"}:
            return False
        raise ConfigError(key, "expected true or false")
    if hint is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if from_env and str(raw).strip().lstrip("-").isdigit():
            return int(str(raw).strip())
        raise ConfigError(key, "expected a whole number")
    if hint is float:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        if from_env:
            try:
                return float(str(raw))
            except ValueError:
                pass
        raise ConfigError(key, "expected a number")
    if hint is Path:
        if isinstance(raw, str) and raw:
            return Path(raw)
        raise ConfigError(key, "expected a non-empty path")
    if origin is list:
        if isinstance(raw, str):
            return [part.strip() for part in raw.split(",") if part.strip()]
        if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
            return list(raw)
        raise ConfigError(key, "expected a list of strings")
    if origin is Literal:
        allowed = typing.get_args(hint)
        if raw in allowed:
            return raw
        raise ConfigError(key, "expected one of " + ", ".join(map(str, allowed)))
    if hint is str:
        if isinstance(raw, str):
            return raw
        raise ConfigError(key, "expected a string")
    raise ConfigError(key, f"unsupported setting type {hint!r}")  # pragma: no cover


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(str(path), "configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML ({exc})") from None


def _merge(base: dict[str, Any], extra: Mapping[str, Any], source: str) -> None:
    for section, values in extra.items():
        if section not in _SECTIONS:
            raise ConfigError(section, f"unknown section in {source}")
        if not isinstance(values, dict):
            raise ConfigError(section, f"expected a table in {source}")
        known = {f.name for f in dataclasses.fields(_SECTIONS[section])}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"{section}.{key}", f"unknown key in {source}")
            base.setdefault(section, {})[key] = value


def _env_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """INTAKE_<SECTION>_<KEY> variables for known sections; an unknown key there is an error."""
    out: dict[str, dict[str, str]] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        for section, cls in _SECTIONS.items():
            if rest.startswith(section + "_"):
                key = rest[len(section) + 1 :]
                if key not in {f.name for f in dataclasses.fields(cls)}:
                    raise ConfigError(name, "unknown setting")
                out.setdefault(section, {})[key] = value
                break
    return out


def load_settings(
    path: Path | None = None, environ: Mapping[str, str] = os.environ
) -> Settings:
    """Load defaults, then `path`, then environment overrides; raise ConfigError naming the key."""
    raw: dict[str, Any] = {}
    _merge(raw, _read_toml(DEFAULTS_FILE), str(DEFAULTS_FILE))
    if path is not None:
        _merge(raw, _read_toml(path), str(path))
    _merge(raw, _env_overrides(environ), "the environment")
    sections: dict[str, Any] = {}
    for section, cls in _SECTIONS.items():
        hints = typing.get_type_hints(cls)
        values = raw.get(section, {})
        kwargs = {}
        for f in dataclasses.fields(cls):
            key = f"{section}.{f.name}"
            if f.name not in values:
                raise ConfigError(key, "missing")
            kwargs[f.name] = _coerce(key, values[f.name], hints[f.name])
        sections[section] = cls(**kwargs)
    # Shipped data (demo cases, trained models, reply templates) is found from the checkout,
    # not the working directory.
    for section, key in (("demo", "directory"), ("nlp", "model_dir"), ("replies", "templates")):
        shipped: Path = getattr(sections[section], key)
        if not shipped.is_absolute():
            sections[section] = dataclasses.replace(sections[section],
                                                    **{key: REPO_ROOT / shipped})
    settings = Settings(**sections)
    _validate(settings)
    return settings


def _validate(s: Settings) -> None:
    if not s.database.url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            "database.url", "must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    for key, port in (("smtp.port", s.smtp.port), ("http.port", s.http.port),
                      ("relay.port", s.relay.port)):
        if not 0 <= port <= 65535:
            raise ConfigError(key, "must be between 0 and 65535")
    if not s.smtp.addresses:
        raise ConfigError("smtp.addresses", "at least one intake address is needed")
    for addr in [*s.smtp.addresses, *s.smtp.aliases]:
        if addr.count("@") != 1:
            raise ConfigError("smtp.addresses", "each address needs exactly one @")
    if s.smtp.max_connections_per_peer < 1:
        raise ConfigError("smtp.max_connections_per_peer", "must be at least 1")
    if s.smtp.max_bytes < 1024:
        raise ConfigError("smtp.max_bytes", "must be at least 1024")
    if s.database.pool_size < 1:
        raise ConfigError("database.pool_size", "must be at least 1")
    if s.worker.batch_size < 1:
        raise ConfigError("worker.batch_size", "must be at least 1")
    if s.worker.poll_interval <= 0:
        raise ConfigError("worker.poll_interval", "must be positive")
    if bool(s.smtp.tls_cert) != bool(s.smtp.tls_key):
        raise ConfigError("smtp.tls_cert", "STARTTLS needs both smtp.tls_cert and smtp.tls_key")
    for key, value in (("worker.max_attempts", s.worker.max_attempts),
                       ("relay.max_attempts", s.relay.max_attempts)):
        if value < 1:
            raise ConfigError(key, "must be at least 1")
    if s.replies.ack_limit_per_hour < 0:
        raise ConfigError("replies.ack_limit_per_hour", "must not be negative")
    if s.service.log_level.upper() not in logging.getLevelNamesMapping():
        raise ConfigError("service.log_level", "not a logging level")


def _secret(s: Settings, name: str) -> str:
    value: str = getattr(s.secrets, name)
    file_name: str = getattr(s.secrets, f"{name}_file")
    if not value and file_name:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError:
            raise ConfigError(f"secrets.{name}_file", "cannot be read") from None
    if value:
        if len(value) < MIN_SECRET_LENGTH:
            raise ConfigError(f"secrets.{name}", f"must be at least {MIN_SECRET_LENGTH} characters")
        return value
    if s.service.environment != "development":
        raise ConfigError(
            f"secrets.{name}",
            f"missing: set INTAKE_SECRETS_{name.upper()} or secrets.{name}_file",
        )
    # Development only: generate once and keep it, so keyed hashes stay stable across restarts.
    path = s.service.data_dir / "secrets" / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = pysecrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value)
    log.warning(
        "!!! secrets.%s was not configured: generated a development secret in %s. "
        "NEVER run production like this: set INTAKE_SECRETS_%s or secrets.%s_file. !!!",
        name, path, name.upper(), name,
    )
    return value


def resolve_secrets(s: Settings) -> Settings:
    """Settings with secrets filled in from the environment, files or (development) generated."""
    resolved = dataclasses.replace(
        s.secrets, cpr_key=_secret(s, "cpr_key"), session_secret=_secret(s, "session_secret")
    )
    return dataclasses.replace(s, secrets=resolved)
