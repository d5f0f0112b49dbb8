"""Outlook's compressed RTF (MS-OXRTFCP) unpacked, and RTF bodies read as text or HTML.

tnefparse hands the RTF body over still compressed unless the optional `compressed_rtf`
package is installed, and most winmail.dat bodies exist only as RTF, so both steps live here.
"""

from __future__ import annotations

import codecs
import re
import struct

MAX_RTF_BYTES = 1_000_000  # the pure-Python unpacker does ~2 MB/s; bigger bodies are cut

_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    b"\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0"
    b"\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
_LZFU = 0x75465A4C  # "LZFu"
_MELA = 0x414C454D  # "MELA": stored uncompressed

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
    """The RTF inside PR_RTF_COMPRESSED (LZFu or stored). Raises ValueError for anything else."""
    if len(data) < 16:
        raise ValueError("compressed RTF: header too short")
    _, raw_size, magic, _ = struct.unpack_from("<IIII", data)
    limit = min(raw_size, MAX_RTF_BYTES)
    if magic == _MELA:
        return data[16:16 + limit]
    if magic != _LZFU:
        raise ValueError("compressed RTF: unknown signature")
    window = bytearray(4096)
    window[:len(_PREBUF)] = _PREBUF
    write, pos, out = len(_PREBUF), 16, bytearray()
    while pos < len(data) and len(out) < limit:
        control = data[pos]
        pos += 1
        for bit in range(8):
            if pos >= len(data):
                break
            if not control & (1 << bit):
                offset, length = -1, 1  # a literal byte
            elif pos + 1 >= len(data):
                return bytes(out[:limit])
            else:
                token = (data[pos] << 8) | data[pos + 1]
                pos += 2
                offset, length = token >> 4, (token & 0xF) + 2
                if offset == write:  # the end marker points at the write position
                    return bytes(out[:limit])
            # Byte by byte: a reference may overlap the bytes it is producing.
            for i in range(length):
                if offset < 0:
                    byte = data[pos]
                    pos += 1
                else:
                    byte = window[(offset + i) & 0xFFF]
                out.append(byte)
                window[write] = byte
                write = (write + 1) & 0xFFF
    return bytes(out[:limit])


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
