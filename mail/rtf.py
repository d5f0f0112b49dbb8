"""Outlook's compressed RTF (MS-OXRTFCP) unpacked, and RTF bodies read as text or HTML.

Most winmail.dat bodies exist only as compressed RTF; compressed_rtf unpacks them, and the
reader below turns RTF (including Outlook's HTML-in-RTF, \\fromhtml) into text or HTML.
"""

from __future__ import annotations

import codecs
import re

import compressed_rtf  # type: ignore[import-untyped]

MAX_RTF_BYTES = 1_000_000  # bigger bodies are cut: the text reader is pure Python

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|[\r\n]+"
    rb"|([^\\{}\r\n]+)"
)
# Groups whose text is not body text (fonts, colours, metadata, pictures, objects).
_SKIP = frozenset(
    b"fonttbl colortbl stylesheet info pict object header footer headerl headerr headerf "
    b"footerl footerr footerf listtable listoverridetable rsidtbl generator xmlnstbl "
    b"themedata colorschememapping latentstyles datastore filetbl revtbl pgdsctbl "
    b"fldinst".split()
)
_CHARS = {
    b"par": "\n", b"line": "\n", b"tab": "\t", b"emdash": "\u2014", b"endash": "\u2013",
    b"lquote": "\u2018", b"rquote": "\u2019", b"ldblquote": "\u201c", b"rdblquote": "\u201d",
    b"bullet": "\u2022", b"emspace": " ", b"enspace": " ", b"qmspace": " ",
}
_SYMBOLS = {b"\\": "\\", b"{": "{", b"}": "}", b"~": "\u00a0", b"_": "-", b"\n": "\n",
            b"\r": "\n"}


def decompress(data: bytes) -> bytes:
    """The RTF inside PR_RTF_COMPRESSED (LZFu or stored), via the compressed_rtf package.
    Raises ValueError for anything else."""
    if len(data) < 16:
        raise ValueError("compressed RTF: header too short")
    try:
        out: bytes = compressed_rtf.decompress(data)
    except Exception as exc:  # the package raises bare Exceptions for bad input
        raise ValueError(f"compressed RTF: {type(exc).__name__}") from None
    return out[:MAX_RTF_BYTES]


def _codepage(arg: bytes) -> str | None:
    """The Python codec for \\ansicpgN, or None when Python has no such code page."""
    name = "utf-8" if arg == b"65001" else f"cp{int(arg)}" if arg.isdigit() else ""
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


class _Reader:
    """An RTF token walk that keeps per-group state on an explicit stack (no recursion)."""

    def __init__(self, rtf: bytes) -> None:
        self.rtf = rtf
        self.codepage = "cp1252"
        self.from_html = b"\\fromhtml" in rtf[:2000]
        self.out: list[str] = []
        self.pending = bytearray()  # \'hh bytes: a multi-byte code page needs them together
        self.skip_chars = 0  # fallback characters still to drop after \uN

    def emit(self, text: str) -> None:
        self.flush()
        if self.skip_chars and text:
            dropped = min(self.skip_chars, len(text))
            self.skip_chars -= dropped
            text = text[dropped:]
        self.out.append(text)

    def flush(self) -> None:
        if self.pending:
            self.out.append(bytes(self.pending).decode(self.codepage, errors="replace"))
            self.pending.clear()

    def read(self) -> str:
        # Group state: (skip this group, in \*\htmltag, \htmlrtf suppression, \uc count).
        skip, tag, suppress, uc = False, False, False, 1
        stack: list[tuple[bool, bool, bool, int]] = []
        star = False
        for m in _TOKEN.finditer(self.rtf):
            word, arg, hexbyte, symbol, brace, text = m.groups()
            if brace == b"{":
                stack.append((skip, tag, suppress, uc))
                star = False
                continue
            if brace == b"}":
                self.flush()
                if stack:
                    skip, tag, suppress, uc = stack.pop()
                continue
            if symbol == b"*":
                star = True
                continue
            visible = not skip and (not self.from_html or tag or not suppress)
            if word is not None:
                if word == b"htmltag" and self.from_html:
                    tag, skip = True, False
                elif word in _SKIP or star:
                    skip = True
                elif word == b"htmlrtf":
                    suppress = arg != b"0"
                elif word == b"ansicpg" and arg:
                    self.codepage = _codepage(arg) or self.codepage
                elif word == b"uc" and arg:
                    uc = max(0, int(arg))
                elif word == b"u" and arg and visible:
                    code = int(arg) + (65536 if int(arg) < 0 else 0)
                    self.emit(chr(code) if 0 <= code < 0x110000 else "")
                    self.skip_chars = uc
                elif word in _CHARS and visible:
                    self.emit(_CHARS[word])
                star = False
                continue
            star = False
            if not visible:
                continue
            if hexbyte is not None:
                if self.skip_chars:
                    self.skip_chars -= 1
                else:
                    self.pending.append(int(hexbyte, 16))
            elif symbol is not None:
                self.emit(_SYMBOLS.get(symbol, ""))
            elif text is not None:
                self.emit(text.decode(self.codepage, errors="replace"))
        self.flush()
        return "".join(self.out)


def read_rtf(rtf: bytes) -> tuple[str, bool]:
    """The body of an RTF document: (text, True) when it encapsulates HTML, else (text, False).

    Best effort: fonts, pictures and metadata are dropped; unknown code pages become cp1252."""
    reader = _Reader(rtf[:MAX_RTF_BYTES])
    text = reader.read()
    # \uN writes characters outside the BMP as two surrogate halves; join them, drop strays.
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text, reader.from_html
