"""Header decoding that survives real mail: RFC 2047 in any charset, raw 8-bit, broken words."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from mail.mime_charset import decode_lenient

MAX_HEADER_CHARS = 2_000
MAX_IDS = 500  # References of a very long thread stay whole; a hostile list is cut here

# One encoded word, terminated ("=?cs?Q?text?=") or, as broken filters leave them, cut off
# before whitespace or the end. Terminated words may hold spaces: some encoders forget to
# encode them, and the text is still better decoded than shown as "=?utf-8?Q?...".
_WORD = re.compile(
    r"=\?(?P<cs>[^?\s]{1,60})\?(?P<enc>[bBqQ])\?"
    r"(?:(?P<text>[^?]{0,1000})\?=|(?P<open>[^?\s]{1,1000})(?=\s|$))"
)
_QP_BYTE = re.compile(rb"=([0-9A-Fa-f]{2})")
_B64_JUNK = re.compile(r"[^A-Za-z0-9+/]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ID = re.compile(r"<([^<>]{1,998})>")
_BARE_ID = re.compile(r"[^@]{1,400}@[^@]{1,400}")
_SEPARATORS = re.compile(r"[\s<>,;\"()\[\]]+")
_ADDR_SPEC = re.compile(r"[^@\s<>()\[\],;:\"]{1,200}@[^@\s<>()\[\],;:\"]{1,255}")
_LOOSE_ADDR = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,200}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
MAX_ADDRESS_CHARS = 20_000  # a To: header with hundreds of recipients still fits


def decode_8bit(value: str) -> str:
    """A raw header value whose 8-bit bytes the parser kept as surrogate escapes, as text.

    UTF-8 when the bytes are valid UTF-8, windows-1252 otherwise (never "Ã¤" mojibake)."""
    if value.isascii():
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that are no escaped bytes (from UTF-16 params)
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("windows-1252", errors="replace")


def unfold(value: str) -> str:
    """One logical line: folding removed, stray CR/LF turned into spaces."""
    return _FOLD.sub("", value).replace("\r", " ").replace("\n", " ")


def _b_bytes(text: str) -> bytes | None:
    # Broken B words lose their padding or carry junk: keep what decodes instead of nothing.
    clean = _B64_JUNK.sub("", text)
    if len(clean) % 4 == 1:
        clean = clean[:-1]
    clean += "=" * (-len(clean) % 4)
    try:
        return base64.b64decode(clean)
    except (binascii.Error, ValueError):
        return None


def _q_bytes(text: str) -> bytes:
    raw = text.replace("_", " ").encode("utf-8", "replace")
    return _QP_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words leniently; text that is not a valid word stays as it is.

    Adjacent words in one charset are joined as bytes before decoding, because mailers split
    multi-byte characters (UTF-8, ISO-2022-JP escapes) across words."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[bytes] = []
    pending_cs = ""
    pos = 0

    def flush() -> None:
        if pending:
            out.append(decode_lenient(b"".join(pending), pending_cs))
            pending.clear()

    for match in _WORD.finditer(value):
        between = value[pos:match.start()]
        text = match.group("text") if match.group("text") is not None else match.group("open")
        cs = match.group("cs").split("*", 1)[0].lower()
        data = _b_bytes(text) if match.group("enc") in "bB" else _q_bytes(text)
        if data is None:  # undecodable word: keep it literally rather than lose the text
            flush()
            out.append(between + match.group(0))
            pos = match.end()
            continue
        # Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        if between and not (pending and between.isspace()):
            flush()
            out.append(between)
        if pending and cs != pending_cs:
            flush()
        pending.append(data)
        pending_cs = cs
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def decode_header(value: str) -> str:
    """A header value as display text: unfolded, 8-bit and encoded words decoded, capped."""
    text = decode_words(decode_8bit(unfold(value)))
    return _CONTROL.sub("", text)[:MAX_HEADER_CHARS]


def one_line(value: str) -> str:
    """Collapse every run of whitespace (folding, tabs, newlines) into one space."""
    return " ".join(value.split())


def extract_ids(value: str) -> list[str]:
    """Message ids ("<...>") in header order, without duplicates; bare "x@y" tokens tolerated."""
    text = decode_8bit(unfold(value))
    found = ["".join(m.split()) for m in _ID.findall(text)]
    if not found:  # split first: a regex scan for "x@y" is slow on long hostile values
        found = [t for t in _SEPARATORS.split(text) if _BARE_ID.fullmatch(t)]
    ids = dict.fromkeys(f"<{item}>" for item in found if item)
    return list(ids)[:MAX_IDS]


def usable_message_id(value: str) -> str | None:
    """The Message-ID the sender gave, if it looks like one (has an "@"), else None."""
    for candidate in extract_ids(value):
        if "@" in candidate[1:-1]:
            return candidate
    return None


def parse_addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-case addr-spec) pairs from address headers; junk entries skipped.

    Addresses are split before encoded words are decoded, so a comma inside an encoded
    display name ("Hansen, Jens") cannot split one address into two."""
    raw = [decode_8bit(unfold(v))[:MAX_ADDRESS_CHARS] for v in values[:20]]
    try:
        pairs = getaddresses(raw)
    except Exception:  # the stdlib address parser on hostile input; fall back to a scan below
        pairs = []
    result: list[tuple[str, str]] = []
    for name, addr in pairs:
        addr = addr.strip().lower()
        if _ADDR_SPEC.fullmatch(addr) and not addr.startswith("@") and not addr.endswith("@"):
            result.append((one_line(decode_words(name)).strip('"\' '), addr))
    if not result:  # "Jens Hansen jens@example.dk" and other shapes the parser cannot read
        for value in raw:
            tokens = _SEPARATORS.split(value)
            result.extend(("", t.lower()) for t in tokens if _LOOSE_ADDR.fullmatch(t))
    return result


def parse_date(value: str) -> datetime | None:
    """The Date header as an aware datetime (UTC when the zone is missing), or None."""
    try:
        parsed = parsedate_to_datetime(decode_8bit(unfold(value)).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
