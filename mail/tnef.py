"""winmail.dat (application/ms-tnef) opened with tnefparse: the body and the files inside."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from tnefparse import TNEF  # type: ignore[import-untyped]

from mail import rtf
from mail.mime_charset import decode_lenient
from mail.mime_names import clean_filename, type_for

_MIME_TAG = 0x370E  # PR_ATTACH_MIME_TAG


@dataclass(frozen=True)
class TnefFile:
    """One file carried inside winmail.dat (name as given, possibly empty)."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class TnefContent:
    """What could be read from a winmail.dat: body as text and/or HTML, and the files."""

    text: str
    html: str | None
    files: tuple[TnefFile, ...]

    @property
    def empty(self) -> bool:
        """True when nothing usable came out (then the caller keeps winmail.dat itself)."""
        return not self.text.strip() and not self.html and not self.files


def _as_text(value: object, codepage: str | None) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return decode_lenient(bytes(value).rstrip(b"\x00"), codepage)
    return ""


def _file(attachment: object, codepage: str | None) -> TnefFile:
    try:
        name = attachment.long_filename()  # type: ignore[attr-defined]
    except (UnicodeDecodeError, AttributeError):  # tnefparse decodes 8-bit names as UTF-8
        name = ""
    ctype = ""
    for attr in getattr(attachment, "mapi_attrs", ()):
        if getattr(attr, "name", None) == _MIME_TAG:
            ctype = _as_text(attr.data, codepage).strip().lower()
    name = clean_filename(_as_text(name, codepage)) or ""
    data = getattr(attachment, "data", b"")
    return TnefFile(name, ctype or type_for(name), bytes(data) if isinstance(data, bytes) else b"")


def _rtf_body(tnef: object) -> tuple[str, str | None]:
    """(text, html) from the RTF body; RTF that wraps HTML (Outlook's \\fromhtml) gives HTML."""
    packed = getattr(tnef, "rtfbody", None)
    if not isinstance(packed, bytes) or not packed:
        return "", None
    body = packed if packed.lstrip().startswith(b"{\\rtf") else rtf.decompress(packed)
    text, is_html = rtf.read_rtf(body)
    return ("", text) if is_html else (text, None)


def extract(data: bytes) -> TnefContent:
    """Read winmail.dat. Raises (ValueError and others from tnefparse) when it is not TNEF."""
    with warnings.catch_warnings():  # tnefparse uses utcfromtimestamp, deprecated in 3.12
        warnings.simplefilter("ignore")
        tnef = TNEF(data, do_checksum=False)
        codepage = tnef.codepage if isinstance(tnef.codepage, str) else None
        html = _as_text(tnef.htmlbody, codepage) or None
        text = _as_text(tnef.body, codepage)
        if not html and not text.strip():
            text, html = _rtf_body(tnef)
        files = tuple(_file(a, codepage) for a in tnef.attachments)
    return TnefContent(text, html, files)
