"""Reply templates: one TOML file per kind in config/replies, a table per language.

Templates are read and checked once at start-up (a missing field or placeholder is a
configuration error then, not a failed mail later) and chosen by the detected language.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from intake_bot.errors import ConfigError

REQUIRED = ("subject", "body", "date_format")


@dataclass(frozen=True)
class Rendered:
    language: str
    subject: str
    body: str


@dataclass(frozen=True)
class Template:
    language: str
    fields: dict[str, str]

    def render(self, **values: str | date) -> Rendered:
        """Fill the placeholders; dates are formatted with the language's date_format."""
        text_values = {
            k: v.strftime(self.fields["date_format"]) if isinstance(v, date) else v
            for k, v in values.items()
        }
        # Optional paragraphs (e.g. due_paragraph) are templates themselves; an empty value
        # passed by the caller leaves them out.
        for key, raw in self.fields.items():
            if key not in (*REQUIRED,) and key not in text_values:
                text_values[key] = raw.format(**text_values)
        body = self.fields["body"].format(**text_values).strip() + "\n"
        while "\n\n\n" in body:
            body = body.replace("\n\n\n", "\n\n")
        return Rendered(self.language, self.fields["subject"].format(**text_values), body)


class Templates:
    """All reply templates, by kind and language."""

    def __init__(self, directory: Path, default_language: str) -> None:
        self.default_language = default_language
        self._kinds: dict[str, dict[str, Template]] = {}
        for path in sorted(directory.glob("*.toml")):
            self._kinds[path.stem] = _load(path)
        for kind, by_language in self._kinds.items():
            if default_language not in by_language:
                raise ConfigError(f"replies.{kind}", f"no {default_language!r} template")

    def get(self, kind: str, language: str | None) -> Template:
        """The template for `kind` in `language`, else in the default language."""
        try:
            by_language = self._kinds[kind]
        except KeyError:
            raise ConfigError(f"replies.{kind}", "no such reply template") from None
        return by_language.get(language or "", by_language[self.default_language])

    def languages(self, kind: str) -> list[str]:
        return sorted(self._kinds.get(kind, {}))


def _load(path: Path) -> dict[str, Template]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), f"cannot read reply template ({exc})") from None
    out: dict[str, Template] = {}
    for language, fields in data.items():
        if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
            raise ConfigError(f"{path.stem}.{language}", "expected a table of strings")
        missing = [k for k in REQUIRED if k not in fields]
        if missing:
            raise ConfigError(f"{path.stem}.{language}", "missing " + ", ".join(missing))
        for key, text in fields.items():
            for _, name, _, _ in string.Formatter().parse(text):
                if name is not None and not name.isidentifier():
                    raise ConfigError(f"{path.stem}.{language}.{key}", "bad placeholder")
        out[language] = Template(language, dict(fields))
    return out
