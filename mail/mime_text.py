"""Body text made usable: sanitised HTML, text derived from HTML, limits for hostile HTML."""

from __future__ import annotations

import re
import warnings
from urllib.parse import unquote

import nh3
from inscriptis import get_text  # type: ignore[import-untyped]
from inscriptis.css_profiles import CSS_PROFILES  # type: ignore[import-untyped]
from inscriptis.model.config import ParserConfig  # type: ignore[import-untyped]

PLACEHOLDER = "[HTML body too complex to display; the original is kept]"
MAX_HTML_CHARS = 2_000_000
MAX_LINKS = 5_000  # Zammad's EXCESSIVE_LINKS limit (MAIL.md §2 item 14)
MAX_TAGS = 100_000  # measured: 250,000 tags take 1.5 s to sanitise and convert
# lxml stops building the tree at depth 256 without an error, so deeper text would silently
# vanish from the derived text; refuse before that instead.
MAX_DEPTH = 240

# A tag with a bounded attribute run that stops at the next "<": linear on hostile input.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]{0,40})([^<>]{0,2000})>")
_NOT_NESTING = frozenset(
    "area base br col embed hr img input link meta param source track wbr "  # void elements
    "p li dt dd tr td th option optgroup thead tbody tfoot colgroup rt rp".split()  # auto-closed
)
_CID = re.compile(r"cid:([^\"'\s<>)]{1,500})", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_RUNS = re.compile(r"\n{3,}")
_NEWLINE_RUN = re.compile(r"\n+")
# The "strict" profile: the default ("relaxed") indents every <div> and <p> by two spaces.
_CONFIG = ParserConfig(css=CSS_PROFILES["strict"], display_links=False, display_images=False)
# cid: is how HTML mail shows its inline images; the agent UI maps it to the stored part.
_CLEANER = nh3.Cleaner(url_schemes=set(nh3.ALLOWED_URL_SCHEMES) | {"cid"})


def clean_text(text: str) -> str:
    """Line ends as "\\n" and no control characters (PostgreSQL text cannot hold NUL)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def too_complex(html: str) -> str | None:
    """Why `html` is too costly to convert ("size", "tags", "links", "nesting"), or None."""
    if len(html) > MAX_HTML_CHARS:
        return "size"
    links = depth = 0
    for count, match in enumerate(_TAG.finditer(html)):
        if count > MAX_TAGS:
            return "tags"
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        if name == "a" and not closing:
            links += 1
            if links > MAX_LINKS:
                return "links"
        if name in _NOT_NESTING or rest.endswith("/"):
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > MAX_DEPTH:
            return "nesting"
    return None


def referenced_cids(html: str) -> set[str]:
    """Content-IDs the HTML shows as inline images ("cid:..." URLs, also percent-encoded)."""
    found = {m.group(1) for m in _CID.finditer(html[:MAX_HTML_CHARS])}
    return found | {unquote(cid) for cid in found}


def sanitise(html: str) -> str:
    """HTML safe to show an agent: scripts, styles, handlers and foreign schemes removed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _CLEANER.clean(html)


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (tables and lists laid out by inscriptis)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = get_text(html, _CONFIG)
    return tidy(str(text))


def tidy(text: str) -> str:
    """Trailing spaces dropped, runs of blank lines cut to one, ends stripped."""
    lines = [line.rstrip() for line in clean_text(text).split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")


def undouble_newlines(text: str) -> str | None:
    """Outlook 2007-2010 doubles every line end in the text part of multipart/alternative
    (RT's RescueOutlook). If every line is followed by a blank one, halve the runs of line
    ends and return the result; otherwise None (the text is left as it is)."""
    lines = [line.rstrip() for line in text.split("\n")]
    filled = [i for i, line in enumerate(lines) if line]
    if len(filled) < 4 or any(i + 1 < len(lines) and lines[i + 1] for i in filled):
        return None
    joined = "\n".join(lines)
    return _NEWLINE_RUN.sub(lambda m: "\n" * max(1, len(m.group(0)) // 2), joined)
