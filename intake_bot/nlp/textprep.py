"""Text normalisation before classification: cut quoted history, forwarded headers, signatures
and disclaimers (the full text stays with the ticket for agents), then fold for the models."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A line that starts quoted history in any of the languages we see; everything from it on is
# earlier mail (usually our own), not the new request.
_REPLY_MARKERS = re.compile(
    r"""^\s*(
        -{2,}\s*(original\s+message|oprindelig\s+meddelelse|ursprüngliche\s+nachricht|
                 ursprungligt\s+meddelande|opprinnelig\s+melding|alkuperäinen\s+viesti)\s*-{2,}
      | (on|den|d\.|am|le|pe|på)\s.{3,160}\s(wrote|skrev|schrieb|a\s+écrit|kirjoitti)
        (\s.{0,160})?:?\s*$
      | .{3,160}\s(wrote|skrev|schrieb|kirjoitti)(\s.{0,160})?:\s*$
      | (from|fra|från|von|lähettäjä)\s*:\s*.+$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Header lines of a forwarded or pasted mail: dropped, but the forwarded body is kept (a
# forwarded collection letter tells who the writer is).
_FORWARD_MARKER = re.compile(
    r"^\s*-{2,}\s*(forwarded message|videresendt (besked|meddelelse|melding)|"
    r"vidarebefordrat meddelande|weitergeleitete nachricht|välitetty viesti)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(
    r"^\s*(from|fra|från|von|sent|sendt|skickat|gesendet|to|til|till|an|cc|subject|emne|ämne|"
    r"betreff|date|dato|datum|aihe|päivämäärä)\s*:.*$",
    re.IGNORECASE,
)
_SIGNATURE_START = re.compile(
    r"^\s*(--\s*|__+|"
    r"(med\s+)?venlig(e)?\s+hilsen?|mvh\.?|m\.v\.h\.?|vh\.?|hilsen|de\s+bedste\s+hilsner|"
    r"best\s+regards|kind\s+regards|regards|br|best|cheers|thanks(\s+in\s+advance)?|sincerely|"
    r"yours\s+(sincerely|faithfully)|"
    r"med\s+vänlig(a)?\s+hälsning(ar)?|mvh|vänliga\s+hälsningar|hälsningar|"
    r"med\s+vennlig\s+hilsen|vennlig\s+hilsen|"
    r"mit\s+freundlichen\s+grü(ß|ss)en|mfg|viele\s+grü(ß|ss)e|beste\s+grü(ß|ss)e|"
    r"ystävällisin\s+terveisin|terveisin)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
_SENT_FROM = re.compile(
    r"^\s*(sent from my|sendt fra min|skickat från min|sendt fra min|von meinem|"
    r"lähetetty).{0,40}$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"(fortrolig|confidential|intended recipient|tiltænkt|vertraulich|konfidentiell|"
    r"konfidensiell|luottamuksellinen|privileged|modtaget denne e-?mail ved en fejl|"
    r"received this (e-?mail|message) in error)",
    re.IGNORECASE,
)
_SIGNATURE_MAX_LINES = 8


@dataclass(frozen=True)
class Prepared:
    """The message split for classification: the new text, and what was cut from it."""

    core: str
    cut: str

    @property
    def has_cut(self) -> bool:
        return bool(self.cut.strip())


def prepare(text: str) -> Prepared:
    """Split `text` into the writer's new words and the quoted, forwarded-header, signature and
    disclaimer parts. Never returns an empty core for a non-empty message: if cutting would
    leave nothing, the text is kept whole."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut: list[str] = []
    kept: list[str] = []
    in_forward = False
    for i, line in enumerate(lines):
        if _FORWARD_MARKER.match(line):
            in_forward = True
            cut.append(line)
            continue
        if in_forward and _HEADER_LINE.match(line):
            cut.append(line)
            continue
        if not in_forward and _REPLY_MARKERS.match(line) and any(k.strip() for k in kept):
            cut.extend(lines[i:])
            break
        if line.lstrip().startswith(">"):
            cut.append(line)
            continue
        kept.append(line)
    kept = _strip_signature(kept, cut)
    paragraphs = "\n".join(kept).split("\n\n")
    core_parts = []
    for para in paragraphs:
        if _DISCLAIMER.search(para) and len(paragraphs) > 1:
            cut.append(para)
        else:
            core_parts.append(para)
    core = "\n\n".join(core_parts).strip()
    if not core:
        return Prepared(text.strip(), "")
    return Prepared(core, "\n".join(cut).strip())


def _strip_signature(lines: list[str], cut: list[str]) -> list[str]:
    """Cut from a closing phrase or 'Sent from my …' on, when little follows it."""
    for i, line in enumerate(lines):
        if _SENT_FROM.match(line):
            cut.extend(lines[i:])
            return lines[:i]
    for i in range(len(lines) - 1, -1, -1):
        if _SIGNATURE_START.match(lines[i]) and len(lines) - i <= _SIGNATURE_MAX_LINES:
            if any(x.strip() for x in lines[:i]):
                cut.extend(lines[i:])
                return lines[:i]
    return lines


_FOLD = str.maketrans({
    "æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e",
})
_NON_WORD = re.compile(r"[^\w§@.,:;?!%/+\-]+")


def fold(text: str) -> str:
    """Lower-case and fold letters the way people type without æøå/äöü: æ→ae, ø→o, å→a,
    ä→a, ö→o, ü→u, ß→ss; other accents are dropped. Models see this form only, so "sletning"
    typed on a foreign keyboard and "søgning" written "sogning" meet their trained forms."""
    text = text.lower().translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", text).split())
