"""winmail.dat (application/ms-tnef) opened with tnefparse: the body and the files inside."""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass

from tnefparse import TNEF  # type: ignore[import-untyped]

from mail import rtf
from mail.mime_charset import decode_lenient
from mail.mime_names import clean_filename, type_for

_MIME_TAG = 0x370E  # PR_ATTACH_MIME_TAG
_IMESSAGE = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
_MAPI_BLOCKS = {0x9003, 0x9005}  # attMAPIProps, attAttachment
_RECIPIENTS = 0x9004  # attRecipTable
MAX_OBJECTS = 5_000
MAX_PROPERTIES = 20_000
MAX_EMBEDDING = 4
# Value sizes by MAPI type, as tnefparse reads them (fixed, or sized strings and binaries).
_FIXED = {0x0002: 2, 0x000B: 2, 0x0003: 4, 0x0004: 4, 0x000A: 4, 0x0005: 8, 0x0006: 8,
          0x0007: 8, 0x0014: 8, 0x0040: 8, 0x0048: 16}
_VARIABLE = {0x0000, 0x000D, 0x001E, 0x001F, 0x0102}


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


class _Budget:
    """Counts the loops a file can make tnefparse run; too many and the file is refused."""

    def __init__(self) -> None:
        self.spent = 0

    def spend(self, count: int) -> None:
        self.spent += count
        if self.spent > MAX_PROPERTIES:
            raise ValueError("tnef: too many properties")


class _Stop(Exception):
    """The structure ends here; tnefparse stops reading this block at the same point."""


def _u32(data: bytes, offset: int) -> int:
    if offset + 4 > len(data):
        raise _Stop
    value: int = struct.unpack_from("<I", data, offset)[0]
    return value


def _values(data: bytes, offset: int, ptype: int, count: int | None, budget: _Budget,
            depth: int) -> int:
    """Offset after the values of one property, laid out as tnefparse's parse_property reads
    them: `count` values of a multi-valued property, else one (with its own count if sized)."""
    for _ in range(count or 1):
        if ptype in _FIXED:
            offset += _FIXED[ptype]
            continue
        if ptype not in _VARIABLE:
            raise _Stop  # tnefparse raises on unknown types and keeps what it read
        sizes = 1
        if not count:
            sizes = _u32(data, offset)
            offset += 4
            budget.spend(sizes)
        for _ in range(sizes):
            size = _u32(data, offset)
            start, offset = offset + 4, offset + 4 + size + (-size % 4)
            if data.startswith(_IMESSAGE, start):  # an embedded message, which tnefparse opens
                check_structure(data[start + len(_IMESSAGE):start + size], depth + 1, budget)
    return offset


def _mapi(data: bytes, offset: int, budget: _Budget, depth: int) -> int:
    """Offset after a MAPI property block, with every count charged to the budget.

    tnefparse trusts these counts: 2**32 values of a short property with nothing behind them
    loop 2**32 times. Where the structure runs out, tnefparse stops too, and so does this."""
    count = _u32(data, offset)
    offset += 4
    budget.spend(count)
    for _ in range(count):
        if offset + 4 > len(data):
            raise _Stop
        ptype, pname = struct.unpack_from("<HH", data, offset)
        offset += 4
        if pname >= 0x8000:  # named property: GUID, kind, then an id or a padded name
            kind = _u32(data, offset + 16)
            size = 0 if kind == 0 else _u32(data, offset + 20)
            offset += 24 + size + (-size % 4)
        multi = None
        if ptype & 0x1000:
            ptype ^= 0x1000
            multi = _u32(data, offset)
            offset += 4
            budget.spend(multi)
        offset = _values(data, offset, ptype, multi, budget, depth)
        offset += 2 if (multi or 1) % 2 and ptype in (0x0002, 0x000B) else 0
    return offset


def check_structure(data: bytes, depth: int = 0, budget: _Budget | None = None) -> None:
    """Raise ValueError for TNEF that would keep tnefparse busy for minutes.

    tnefparse copies the rest of the file for every object and trusts the counts inside,
    so objects, properties, values and recipients are counted here first (embedded
    messages too) and a file beyond the limits is refused; winmail.dat is then kept as is."""
    budget = budget or _Budget()
    if depth > MAX_EMBEDDING:
        raise ValueError("tnef: embedded too deep")
    offset, objects = 6, 0
    while offset + 12 < len(data):
        objects += 1
        if objects > MAX_OBJECTS:
            raise ValueError("tnef: too many objects")
        name, length = struct.unpack_from("<H", data, offset + 1)[0], _u32(data, offset + 5)
        body = data[offset + 9:offset + 9 + length]
        try:
            if name in _MAPI_BLOCKS:
                _mapi(body, 0, budget, depth)
            elif name == _RECIPIENTS:
                rows, row = _u32(body, 0), 4
                budget.spend(rows)
                for _ in range(rows):
                    row = _mapi(body, row, budget, depth)
        except _Stop:
            pass
        offset += min(len(data) - offset, length + 11)


def extract(data: bytes) -> TnefContent:
    """Read winmail.dat. Raises (ValueError and others from tnefparse) when it is not TNEF."""
    check_structure(data)
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
