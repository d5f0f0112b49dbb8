"""Charset decisions for bodies and encoded words: declared, detected, or a western default."""

from __future__ import annotations

import codecs
import re
import warnings
from dataclasses import dataclass

from charset_normalizer import from_bytes

FALLBACK = "windows-1252"
_DETECT_BYTES = 100_000  # detection looks at a prefix; the chosen codec decodes the whole body

# Labels senders use that Python lacks, or whose real-world content is a superset (mail marked
# gb2312 carries GBK, mail marked iso-8859-1 carries windows-1252 quotes: WHATWG does the same).
_ALIASES = {
    "iso8859-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "big5": "big5hkscs",
    "x-mac-roman": "mac-roman",
}
# Codecs that exist in Python but are no mail charset; decoding with them would garble text.
_REFUSED = {"undefined", "unicode_escape", "raw_unicode_escape", "idna", "punycode", "mbcs",
            "oem"}
_LABEL = re.compile(r"[a-z0-9._:+-]{1,40}")
_META = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)
# The start of a UTF-8 multi-byte sequence (whole or cut off, like a truncated emoji). A "utf-8"
# text with none is windows-1252 in disguise: there "ø" is one byte followed by ASCII.
_UTF8_START = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


@dataclass(frozen=True)
class Decoded:
    """Text of one body part and, when a charset decision was needed, a note saying which."""

    text: str
    note: str | None = None


def resolve(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when it is unknown or unusable."""
    name = (label or "").strip().strip("\"'").lower()
    if not _LABEL.fullmatch(name):
        return None
    try:
        codec = codecs.lookup(_ALIASES.get(name, name)).name
        # Empty input skips the check: bytes-to-bytes codecs (base64, rot13) raise here.
        b"\0\0\0\0".decode(codec, errors="replace")
    except (LookupError, UnicodeError, ValueError):
        return None
    if codec in _REFUSED:
        return None
    return _ALIASES.get(codec, codec)


def safe_label(label: str | None) -> str:
    """A charset label fit for a note: senders can put anything there, so only a token."""
    name = (label or "").strip().strip("\"'").lower()
    return name if _LABEL.fullmatch(name) else "invalid"


def _is_single_byte(data: bytes) -> bool:
    return _UTF8_START.search(data) is None


def _western(data: bytes) -> str | None:
    """`data` as windows-1252 when that reads like Danish/German/English text, else None.

    charset_normalizer guesses wrong on short Nordic text (measured: "Mvh Bjørn" in
    windows-1252 came back as big5), the very bug of Zammad #3155. Real Western text has few
    non-ASCII letters; Cyrillic, Greek or CJK bytes read as windows-1252 are nearly all."""
    try:
        text = data.decode(FALLBACK)
    except UnicodeDecodeError:
        return None
    letters = [c for c in text[:_DETECT_BYTES] if c.isalpha()]
    high = sum(1 for c in letters if not c.isascii())
    return text if letters and high <= 0.25 * len(letters) else None


def _detect(data: bytes) -> str | None:
    with warnings.catch_warnings():  # a library warning must not turn into a failed parse
        warnings.simplefilter("ignore")
        best = from_bytes(data[:_DETECT_BYTES]).best()
    return resolve(best.encoding) if best is not None else None


def decode_lenient(data: bytes, label: str | None) -> str:
    """Decode without notes (encoded words): the declared codec, else UTF-8, else 1252."""
    codec = resolve(label)
    if codec is not None and codec != "ascii":
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            if not (codec == "utf-8" and _is_single_byte(data)):
                return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(FALLBACK, errors="replace")


def _guess(data: bytes, where: str, why: str, html: bool) -> Decoded:
    if html:
        meta = _META.search(data[:4096])
        codec = resolve(meta.group(1).decode("ascii")) if meta else None
        if codec is not None and codec != "ascii":
            return Decoded(data.decode(codec, errors="replace"),
                           f"charset from html meta: {codec} for {where} ({why})")
    try:
        return Decoded(data.decode("utf-8"), f"charset fallback: utf-8 for {where} ({why})")
    except UnicodeDecodeError:
        pass
    western = _western(data)
    if western is not None:
        return Decoded(western, f"charset fallback: {FALLBACK} for {where} ({why})")
    detected = _detect(data)
    if detected is not None:
        return Decoded(data.decode(detected, errors="replace"),
                       f"charset detected: {detected} for {where} ({why})")
    return Decoded(data.decode(FALLBACK, errors="replace"),
                   f"charset fallback: {FALLBACK} for {where} ({why}, detection failed)")


def decode_body(data: bytes, label: str | None, where: str, *, html: bool = False) -> Decoded:
    """Decode one text part. Invalid bytes are replaced one by one; the rest stays readable.

    Missing or unknown charsets fall back to UTF-8, a western default or detection, and the
    note says which was used (MAIL.md §2 items 4-6)."""
    if label is None or not label.strip():
        if data.isascii():
            return Decoded(data.decode("ascii"))
        return _guess(data, where, "none declared", html)
    codec = resolve(label)
    if codec is None:
        return _guess(data, where, f"unknown charset {safe_label(label)}", html)
    if codec == "ascii" and not data.isascii():
        return _guess(data, where, "8-bit text declared us-ascii", html)
    try:
        return Decoded(data.decode(codec))
    except UnicodeDecodeError:
        pass
    if codec == "utf-8" and _is_single_byte(data):
        western = data.decode(FALLBACK, errors="replace")
        return Decoded(western, f"charset mislabel: declared utf-8, decoded {FALLBACK} for {where}")
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd") - data.decode(codec, errors="ignore").count("\ufffd")
    return Decoded(text, f"charset errors: {bad} bad byte sequences replaced in {where} ({codec})")
