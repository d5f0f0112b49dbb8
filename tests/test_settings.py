"""Settings: defaults, file and environment layers, errors that name the key, secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from intake_bot.errors import ConfigError
from intake_bot.settings import load_settings, resolve_secrets


def test_defaults_are_the_embedded_set_up() -> None:
    # Without overrides: SQLite under var/, local ports of SPEC §2, demo data on.
    s = load_settings(None, {})
    assert s.database.url == "sqlite+aiosqlite:///var/intake.db" and s.is_sqlite
    assert (s.smtp.host, s.smtp.port, s.http.host, s.http.port) == (
        "127.0.0.1", 8025, "127.0.0.1", 8080)
    assert s.smtp.addresses == ["gdpr@alektumgroup.dk"]
    assert s.smtp.max_bytes == 25 * 1024 * 1024
    assert s.demo.load is True and s.demo.directory.is_absolute()


def test_file_then_environment_override(tmp_path: Path) -> None:
    # A config file overrides defaults; INTAKE_<SECTION>_<KEY> overrides the file.
    cfg = tmp_path / "c.toml"
    cfg.write_text('[http]\nport = 9000\n[smtp]\naddresses = ["a@x.dk"]\n', encoding="utf-8")
    s = load_settings(cfg, {"INTAKE_SMTP_ADDRESSES": "gdpr@x.dk, privacy@x.dk",
                            "INTAKE_DEMO_LOAD": "false", "INTAKE_SMTP_MAX_BYTES": "2048",
                            "INTAKE_DATABASE_HEALTH_TIMEOUT": "0.5"})
    assert s.http.port == 9000
    assert s.smtp.addresses == ["gdpr@x.dk", "privacy@x.dk"]
    assert s.demo.load is False and s.smtp.max_bytes == 2048
    assert s.database.health_timeout == 0.5


@pytest.mark.parametrize("environ,key", [
    ({"INTAKE_HTTP_PORT": "eighty"}, "http.port"),
    ({"INTAKE_HTTP_PORT": "70000"}, "http.port"),
    ({"INTAKE_DEMO_LOAD": "maybe"}, "demo.load"),
    ({"INTAKE_DATABASE_URL": "mysql://x"}, "database.url"),
    ({"INTAKE_DEADLINES_EXTENSION_MODE": "r_plus_4"}, "deadlines.extension_mode"),
    ({"INTAKE_SERVICE_LOG_LEVEL": "LOUD"}, "service.log_level"),
    ({"INTAKE_SMTP_ADDRESSES": "no-at-sign"}, "smtp.addresses"),
    ({"INTAKE_HTTP_PROT": "1"}, "INTAKE_HTTP_PROT"),
])
def test_bad_values_fail_naming_the_key(environ: dict[str, str], key: str) -> None:
    # A bad value stops start-up with an error that names the setting.
    with pytest.raises(ConfigError) as err:
        load_settings(None, environ)
    assert err.value.key == key
    assert str(err.value).startswith(key)


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    # A typo in the config file is reported with section and key, not silently ignored.
    cfg = tmp_path / "c.toml"
    cfg.write_text("[smtp]\nmax_byte = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"smtp\.max_byte: unknown key"):
        load_settings(cfg, {})


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    # In production a missing CPR key is an error naming it; nothing is generated.
    s = load_settings(None, {"INTAKE_SERVICE_ENVIRONMENT": "production",
                             "INTAKE_SERVICE_DATA_DIR": str(tmp_path)})
    with pytest.raises(ConfigError) as err:
        resolve_secrets(s)
    assert err.value.key == "secrets.cpr_key"
    assert not (tmp_path / "secrets").exists()


def test_short_secret_is_rejected_without_echoing_it() -> None:
    # A too-short secret is refused, and the message does not contain it.
    s = load_settings(None, {"INTAKE_SECRETS_CPR_KEY": "hunter2"})
    with pytest.raises(ConfigError) as err:
        resolve_secrets(s)
    assert "hunter2" not in str(err.value) and err.value.key == "secrets.cpr_key"


def test_secret_from_file(tmp_path: Path) -> None:
    # secrets.*_file reads the secret from a file (e.g. a mounted secret).
    (tmp_path / "k").write_text("k" * 40 + "\n", encoding="utf-8")
    s = resolve_secrets(load_settings(None, {
        "INTAKE_SERVICE_ENVIRONMENT": "production", "INTAKE_SECRETS_CPR_KEY_FILE":
        str(tmp_path / "k"), "INTAKE_SECRETS_SESSION_SECRET": "s" * 40}))
    assert s.cpr_key() == b"k" * 40


def test_development_generates_a_stable_secret_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The dev default generates a key once, warns loudly, and reuses it on the next start.
    env = {"INTAKE_SERVICE_DATA_DIR": str(tmp_path)}
    with caplog.at_level(logging.WARNING):
        first = resolve_secrets(load_settings(None, env))
    assert any("NEVER run production" in r.getMessage() for r in caplog.records)
    second = resolve_secrets(load_settings(None, env))
    assert first.cpr_key() == second.cpr_key() and len(first.cpr_key()) >= 32
    assert (tmp_path / "secrets" / "cpr_key").stat().st_mode & 0o077 == 0
    assert first.cpr_key().decode() not in repr(first)
