"""MIME normalisation: raw mail bytes in, a `ParsedMail` out (pure, no I/O, never raises).

The helpers live beside this module: mime_headers (RFC 2047, addresses, ids), mime_charset
(charset decisions), mime_walk (the part tree), mime_names (file names), mime_text (HTML),
tnef and rtf (winmail.dat).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import default
from types import MappingProxyType

from mail.mime_headers import (
    MAX_IDS,
    decode_8bit,
    decode_header,
    extract_ids,
    one_line,
    parse_addresses,
    parse_date,
    unfold,
    usable_message_id,
)
from mail.mime_text import PLACEHOLDER, html_to_text, referenced_cids, sanitise, too_complex
from mail.mime_walk import FoundFile, Walk, walk_message

DERIVED_DOMAIN = "derived.intake-bot.invalid"
MAX_FIELDS = 1_000
MAX_VALUES_PER_NAME = 100
MAX_RAW_VALUE = 100_000  # a long References list fits; a hostile megabyte header does not
# Fields that relays add or rewrite on each delivery. A derived Message-ID must ignore them,
# or the same mail redelivered (MTA retry, a second intake address) would look new.
_TRACE = (
    b"received", b"x-received", b"return-path", b"delivered-to", b"x-delivered-to",
    b"x-original-to", b"x-original-recipient", b"envelope-to", b"x-envelope-",
    b"dkim-signature", b"x-google-dkim-signature", b"domainkey-signature", b"arc-",
    b"authentication-results", b"received-spf", b"x-spam", b"x-virus", b"x-amavis",
    b"x-ms-exchange-", b"x-microsoft-antispam", b"x-forefront-", b"x-mimecast",
    b"x-proofpoint", b"x-barracuda", b"x-ironport", b"x-rspamd", b"x-quarantine",
    b"x-greylist",
)
_FIELD_START = re.compile(rb"\r?\n(?![ \t])")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
_PARSER = BytesParser(policy=default)
# The stdlib parser with the default policy costs about 0.1 ms per MIME part and per Content-*
# parameter (measured), and more than linearly for long parameter lists. No real mail comes
# near these limits; a crafted one would otherwise hold a worker for minutes.
MAX_DELIMITERS = 5_000
MAX_CONTENT_PARAMS = 5_000
_CONTENT_FIELD = re.compile(rb"^content-[a-z-]{1,40}:[^\n]*(?:\n[ \t][^\n]*)*", re.I | re.M)


@dataclass(frozen=True)
class Attachment:
    """One file carried by the mail (MIME part, TNEF member or attached message)."""

    filename: str  # never empty: a name is made up from the type when the mail gives none
    content_type: str  # lower-case "type/subtype"
    size: int  # decoded bytes
    sha256: str  # hex of the decoded bytes
    inline: bool = False  # an image referenced by cid: from the HTML body
    content_id: str | None = None  # without angle brackets
    source: str = "mime"  # "mime" | "tnef" | "rfc822"
    data: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class ParsedMail:
    """What the intake needs from a mail; the raw bytes stay stored beside it."""

    message_id: str  # "<...>"; derived from the content when the mail has none
    message_id_derived: bool
    in_reply_to: tuple[str, ...]  # "<...>" ids
    references: tuple[str, ...]  # "<...>" ids, in header order
    subject: str
    from_addr: str | None  # lower-case addr-spec, None when there is no usable From
    from_name: str
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None  # timezone-aware
    # Every header, lower-case name → decoded values in order (capped in length).
    headers: Mapping[str, tuple[str, ...]]
    text: str  # the whole plain-text body, quoted history included (HTML converted if needed)
    html: str | None  # sanitised HTML when the mail had an HTML body
    attachments: tuple[Attachment, ...]
    is_dsn: bool  # a delivery status notification (multipart/report; report-type=delivery-status)
    dsn_original_ids: tuple[str, ...]  # Message-IDs of the mails a DSN reports on
    notes: tuple[str, ...]  # decisions and defects for agents ("charset fallback: …")
    content_key: str  # hex digest of the content, stable across redelivery (dedupe)
    # Why the mail cannot be acted on (it goes to quarantine for an agent), or None.
    fatal: str | None = None
    # report-type of a multipart/report ("delivery-status", "disposition-notification"), or None.
    report_type: str | None = None

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), or None."""
        values = self.headers.get(name.lower())
        return values[0] if values else None


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse raw RFC 5322 bytes into a ParsedMail. Never raises for any input.

    A mail that cannot be used at all still comes back, with `fatal` set to a short reason
    ("no_headers", "no_from", "parse_error:<ExceptionType>") and whatever could be read."""
    data = bytes(raw) if isinstance(raw, bytes | bytearray | memoryview) else b""
    try:
        return _parse(data)
    except Exception as exc:  # last line of defence: one mail must never stop the intake
        return _unreadable(data, f"parse_error:{type(exc).__name__}")


def derive_message_id(raw: bytes) -> str:
    """A deterministic "<sha256[:40]@derived.intake-bot.invalid>" for a mail without one.

    Hashes the header fields minus trace fields, and the body with line ends normalised, so
    a redelivered copy (new Received, Delivered-To, DKIM, spam headers) gets the same id."""
    return f"<{hashlib.sha256(_stable_content(raw)).hexdigest()[:40]}@{DERIVED_DOMAIN}>"


def _stable_content(raw: bytes) -> bytes:
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    cut = min(ends) if ends else len(raw)
    head, body = raw[:cut], raw[cut:]
    if head.startswith(b"From "):  # an mbox separator line added by local delivery
        head = head.partition(b"\n")[2]
    fields = []
    for line in _FIELD_START.split(head):
        name, colon, value = line.partition(b":")
        key = name.strip().lower()
        if colon and key.startswith(_TRACE):
            continue
        fields.append(key + colon + b" ".join(value.split()))
    return b"\n".join(fields) + b"\n\n" + body.replace(b"\r\n", b"\n").strip()


def _too_complex(raw: bytes) -> str | None:
    """Why the MIME structure of `raw` is too costly to parse ("parts", "params"), or None."""
    if raw.count(b"\n--") > MAX_DELIMITERS:
        return "parts"
    if raw.count(b";") > MAX_CONTENT_PARAMS:  # cheap gate before the regex scan
        params = sum(m.group(0).count(b";") for m in _CONTENT_FIELD.finditer(raw))
        if params > MAX_CONTENT_PARAMS:
            return "params"
    return None


def _raw_headers(msg: Message, notes: list[str]) -> dict[str, list[str]]:
    """Lower-case name → raw values (8-bit decoded, unfolded; encoded words still encoded)."""
    out: dict[str, list[str]] = {}
    for index, (name, value) in enumerate(msg.raw_items()):
        if index >= MAX_FIELDS:
            notes.append(f"headers: more than {MAX_FIELDS} fields, the rest not read")
            break
        values = out.setdefault(one_line(decode_8bit(str(name))).lower()[:100], [])
        if len(values) < MAX_VALUES_PER_NAME:
            values.append(decode_8bit(unfold(str(value)[:MAX_RAW_VALUE])))
    return out


def _storable(text: str) -> str:
    """`text` safe for a UTF-8 database column: no NUL, surrogate halves joined or replaced.

    Codecs such as UTF-7 and TNEF's UTF-16 strings can yield lone surrogates, which no
    UTF-8 encoder (and so no PostgreSQL text column) accepts."""
    if not _UNSTORABLE.search(text):
        return text
    text = text.replace("\x00", "")
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _first(raw: dict[str, list[str]], name: str) -> str:
    values = raw.get(name)
    return values[0] if values else ""


def _all_ids(raw: dict[str, list[str]], name: str) -> tuple[str, ...]:
    ids: dict[str, None] = {}
    for value in raw.get(name, []):
        ids.update(dict.fromkeys(extract_ids(value)))
    return tuple(ids)[:MAX_IDS]


def _addresses(raw: dict[str, list[str]], name: str) -> tuple[str, ...]:
    found = [addr for _, addr in parse_addresses(raw.get(name, []))]
    return tuple(dict.fromkeys(found))


def _sender(raw: dict[str, list[str]], notes: list[str]) -> tuple[str, str | None]:
    """(display name, address) of the author: From, or Sender when From has no address."""
    pairs = parse_addresses(raw.get("from", []))
    if not pairs and raw.get("sender"):
        pairs = parse_addresses(raw["sender"])
        if pairs:
            notes.append("from: no usable address, Sender used")
    if len(pairs) > 1:
        notes.append("from: several addresses, the first is used")
    return pairs[0] if pairs else ("", None)


def _render_html(raw_html: str, need_text: bool, notes: list[str]) -> tuple[str | None, str]:
    """(sanitised HTML or None, text derived from it or "") with the limits of MAIL.md item 14."""
    reason = too_complex(raw_html)
    if reason is None:
        try:
            return sanitise(raw_html), html_to_text(raw_html) if need_text else ""
        except Exception as exc:  # RecursionError, parser errors: fall back to the placeholder
            reason = type(exc).__name__
    shown = ": placeholder shown" if need_text else ""
    notes.append(f"html too complex ({reason}): not rendered{shown}")
    return None, PLACEHOLDER if need_text else ""


def _bodies(walk: Walk, notes: list[str]) -> tuple[str, str | None]:
    """(text, sanitised html). Plain text wins; HTML is converted only when there is none."""
    text = "\n\n".join(p.strip("\n") for p in walk.plain if p.strip())
    raw_html = "\n".join(walk.html) or walk.tnef_html or ""
    html = None
    if raw_html.strip():
        html, derived = _render_html(raw_html, not text, notes)
        text = text or derived
    if not text.strip() and walk.tnef_text.strip():
        text = walk.tnef_text.strip("\n")
    return text, html


def _attachments(walk: Walk, notes: list[str]) -> tuple[Attachment, ...]:
    """Attachments in mail order; an identical file (same bytes, same name) is kept once."""
    cids = referenced_cids("\n".join(walk.html) or walk.tnef_html or "")
    unique: dict[tuple[str, str], Attachment] = {}
    for found in walk.files:
        attachment = _attachment(found, cids)
        unique.setdefault((attachment.sha256, attachment.filename), attachment)
    if len(unique) < len(walk.files):  # the note names no file: names can be personal data
        notes.append(f"attachments: {len(walk.files) - len(unique)} identical duplicates "
                     "stored once")
    return tuple(unique.values())


def _attachment(found: FoundFile, cids: set[str]) -> Attachment:
    return Attachment(
        filename=_storable(found.filename),
        content_type=found.content_type,
        size=len(found.data),
        sha256=hashlib.sha256(found.data).hexdigest(),
        inline=found.content_id is not None and found.content_id in cids,
        content_id=found.content_id,
        source=found.source,
        data=found.data,
    )


def _content_key(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")  # a separator no decoded text contains
    return digest.hexdigest()


def _load(raw: bytes) -> tuple[Message, str | None]:
    """The parsed message, and why only its headers could be read (or None)."""
    reason = _too_complex(raw)
    if reason is not None:
        return _PARSER.parsebytes(raw, headersonly=True), f"mime_too_complex:{reason}"
    try:
        return _PARSER.parsebytes(raw), None
    except Exception as exc:  # deep multipart nesting makes the stdlib parser recurse
        return _PARSER.parsebytes(raw, headersonly=True), f"parse_error:{type(exc).__name__}"


def _header_map(raw_headers: dict[str, list[str]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({_storable(name): tuple(_storable(decode_header(v)) for v in values)
                             for name, values in raw_headers.items()})


def _parse(raw: bytes) -> ParsedMail:
    notes: list[str] = []
    msg, fatal = _load(raw)
    raw_headers = _raw_headers(msg, notes)
    message_id = usable_message_id(_first(raw_headers, "message-id"))
    if message_id is None and "message-id" in raw_headers:
        notes.append("message-id unusable: derived from the content")
    from_name, from_addr = _sender(raw_headers, notes)
    mailer = (_first(raw_headers, "x-mailer") + _first(raw_headers, "user-agent")).lower()
    if fatal is None:
        walk = walk_message(msg, outlook="outlook" in mailer)
    else:  # only the headers were read; the body is in the raw mail for the agent
        walk = Walk(notes=[f"body not read ({fatal})"])
    text, html = _bodies(walk, notes)
    text, html = _storable(text), None if html is None else _storable(html)
    attachments = _attachments(walk, notes)
    is_dsn = walk.report_type == "delivery-status"
    if not raw_headers:
        fatal = fatal or "no_headers"
    elif from_addr is None and not is_dsn:
        fatal = fatal or "no_from"
    subject = _storable(one_line(decode_header(_first(raw_headers, "subject"))))
    date = parse_date(_first(raw_headers, "date")) if "date" in raw_headers else None
    final_id = message_id or derive_message_id(raw)
    return ParsedMail(
        message_id=final_id,
        message_id_derived=message_id is None,
        in_reply_to=_all_ids(raw_headers, "in-reply-to"),
        references=_all_ids(raw_headers, "references"),
        subject=subject,
        from_addr=from_addr,
        from_name=_storable(from_name),
        reply_to=next(iter(_addresses(raw_headers, "reply-to")), None),
        to=_addresses(raw_headers, "to"),
        cc=_addresses(raw_headers, "cc"),
        date=date,
        headers=_header_map(raw_headers),
        text=text,
        html=html,
        attachments=attachments,
        is_dsn=is_dsn,
        dsn_original_ids=tuple(dict.fromkeys(walk.dsn_ids)),
        notes=tuple(dict.fromkeys(walk.notes + notes)),
        content_key=_content_key(final_id, from_addr or "", subject,
                                 date.isoformat() if date else "", text,
                                 *(a.sha256 for a in attachments)),
        fatal=fatal,
        report_type=walk.report_type,
    )


def _unreadable(raw: bytes, reason: str) -> ParsedMail:
    """The ParsedMail of a mail nothing could be read from: ids only, for quarantine."""
    try:
        message_id = derive_message_id(raw)
    except Exception:  # MemoryError and the like: an id from the plain hash still works
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:40]}@{DERIVED_DOMAIN}>"
    return ParsedMail(
        message_id=message_id, message_id_derived=True, in_reply_to=(), references=(),
        subject="", from_addr=None, from_name="", reply_to=None, to=(), cc=(), date=None,
        headers=MappingProxyType({}), text="", html=None, attachments=(), is_dsn=False,
        dsn_original_ids=(), notes=(f"unreadable: {reason}",),
        content_key=_content_key(message_id), fatal=reason,
    )
