"""Attachment file names: decoded from RFC 2231/2047 or raw 8-bit, cleaned, or made up."""

from __future__ import annotations

import re
import unicodedata
from email.message import Message
from email.policy import compat32

from mail.mime_headers import decode_8bit, decode_words, one_line, unfold

MAX_NAME_CHARS = 200

# Extensions for made-up names. Fixed here rather than taken from `mimetypes`, whose answer
# depends on the machine's /etc/mime.types: the same mail must get the same names everywhere.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-outlook": ".msg",
    "application/zip": ".zip",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pgp-signature": ".asc",
    "application/ics": ".ics",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/tiff": ".tif",
    "image/bmp": ".bmp",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/csv": ".csv",
    "text/vcard": ".vcf",
    "text/x-vcard": ".vcf",
    "text/rfc822-headers": ".txt",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "message/rfc822": ".eml",
    "message/global": ".eml",
}
_TYPES = {ext: ctype for ctype, ext in reversed(list(EXTENSIONS.items()))}
_TYPES.update({".jpeg": "image/jpeg", ".tiff": "image/tiff", ".txt": "text/plain",
               ".eml": "message/rfc822", ".wav": "audio/wav"})
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]")


def clean_filename(name: str) -> str | None:
    """A name safe to show and store: no path, no control characters, NFC, length capped.

    Apple Mail sends decomposed (NFD) names; NFC makes "å" compare equal to what people type."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = one_line(re.sub(r"[\x00-\x1f\x7f]", " ", name)).rstrip(". ")
    if not name or set(name) == {"."}:
        return None
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        keep = MAX_NAME_CHARS - len(ext) - 1
        name = stem[:keep] + dot + ext if dot and 0 < len(ext) <= 10 else name[:MAX_NAME_CHARS]
    return name


def _needs_second_look(name: str) -> bool:
    return "\ufffd" in name or "=?" in name or not name.isprintable()


def _from_raw_headers(part: Message) -> str | None:
    """The name read again from the raw header text with 8-bit bytes decoded first.

    The default policy turns raw Latin-1 names ("r\\xe5 fil.pdf") into U+FFFD; compat32
    parsing of the already decoded text keeps the letters and still joins RFC 2231 pieces."""
    shadow = Message(policy=compat32)
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type"):
            shadow[key] = decode_8bit(unfold(str(value)))
    name = shadow.get_filename()
    return name if isinstance(name, str) else None


def filename_of(part: Message) -> str | None:
    """The decoded file name the sender gave a part (filename or name parameter), or None."""
    try:
        name = part.get_filename()
    except Exception:  # header-registry errors on hostile parameters; the raw pass follows
        name = None
    if name is None or _needs_second_look(name):
        try:
            name = _from_raw_headers(part) or name
        except Exception:  # keep whatever the first pass found
            pass
    if not name:
        return None
    return clean_filename(decode_words(decode_8bit(name)))


def made_up(content_type: str, index: int) -> str:
    """A name for a part that has none, from its type: "attachment-3.msg"."""
    return f"attachment-{index}{EXTENSIONS.get(content_type, '.bin')}"


def eml_name(subject: str) -> str:
    """The file name of an attached message: its Subject plus ".eml" ("message.eml" if none)."""
    stem = one_line(_UNSAFE.sub(" ", subject)).strip(" .")[:100].rstrip(" .")
    return f"{stem}.eml" if stem else "message.eml"


def type_for(filename: str) -> str:
    """The content type a file name suggests (for TNEF members), else application/octet-stream."""
    _, dot, ext = filename.lower().rpartition(".")
    return _TYPES.get(f".{ext}", "application/octet-stream") if dot else "application/octet-stream"
