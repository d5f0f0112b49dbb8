"""Property tests: parse_mail never raises and always returns a well-formed ParsedMail."""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from email.message import EmailMessage
from email.policy import compat32

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mail.parse import ParsedMail, parse_mail
from tests.mail.test_parse import MANIFEST, load_fixture

SETTINGS = settings(max_examples=250, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ID_SHAPE = re.compile(r"<[^<>\s]+>")
# The big pathological fixtures have their own tests; mutating them only slows the search.
SMALL_FIXTURES = [load_fixture(e["file"]) for e in MANIFEST
                  if (len(load_fixture(e["file"])) < 40_000)]
CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "windows-1251", "gb2312", "iso-2022-jp",
            "utf-7", "utf-16", "us-ascii", "x-user-defined", "unknown-8bit", "b0gus", "",
            "base64", "rot13", "undefined", "idna", "utf-8*da", "\"utf-8"]
ENCODINGS = ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "garbage",
             "BASE64 ", "uuencode", ""]
TYPES = ["text/plain", "text/html", "application/pdf", "image/png", "application/ms-tnef",
         "message/rfc822", "text/rfc822-headers", "message/delivery-status", "text/calendar",
         "application/octet-stream", "multipart/mixed", "garbage", "text/plain; format=flowed"]
SUBTYPES = ["mixed", "alternative", "related", "report; report-type=delivery-status", "digest",
            "signed", "x-bogus"]
# Header text built from random characters and the pieces that trip decoders.
HEADER_TEXT = st.lists(st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
    st.sampled_from(["=?", "?=", "?Q?", "?B?", "=?utf-8?Q?", "=?x-bogus?B?", "=F8", "_", "<",
                     ">", "@", ",", ";", '"', "\\", " ", "=?iso-2022-jp?B?GyRC?="])),
    max_size=12).map("".join)


def check(mail: ParsedMail) -> None:
    """What every caller may rely on, whatever the input."""
    assert isinstance(mail, ParsedMail)
    assert isinstance(mail.subject, str) and isinstance(mail.text, str)
    assert ID_SHAPE.fullmatch(mail.message_id), mail.message_id
    assert all(ID_SHAPE.fullmatch(i) for i in mail.in_reply_to + mail.references)
    assert re.fullmatch(r"[0-9a-f]{64}", mail.content_key)
    assert "\x00" not in mail.text and "\x00" not in mail.subject
    strings = [mail.subject, mail.text, mail.from_name, mail.html or "", *mail.notes]
    strings += [v for values in mail.headers.values() for v in values]
    for value in strings:
        value.encode("utf-8")  # storable: no lone surrogates
    for values in mail.headers.values():
        assert all(len(v) <= 2000 for v in values)
    for att in mail.attachments:
        att.filename.encode("utf-8")
        assert att.filename and att.size == len(att.data)
        assert att.sha256 == hashlib.sha256(att.data).hexdigest()
    if mail.date is not None:
        assert mail.date.tzinfo is not None


@SETTINGS
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    # Any byte string at all gives a well-formed ParsedMail.
    check(parse_mail(raw))


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["From", "To", "Cc", "Subject", "Message-ID",
                                           "References", "In-Reply-To", "Date", "Reply-To",
                                           "Sender", "Content-Type", "X-Mailer"]),
                          HEADER_TEXT,
                          st.sampled_from(["utf-8", "latin-1"])), max_size=12),
       st.binary(max_size=500))
def test_random_headers_never_raise(headers: list[tuple[str, str, str]], body: bytes) -> None:
    # Headers of random text, raw 8-bit in two encodings, half-made encoded words: no crash.
    raw = b"".join(f"{name}: {value}\r\n".encode(enc, "replace") for name, value, enc in headers)
    check(parse_mail(raw + b"\r\n" + body))


@st.composite
def mutated_fixture(draw: st.DrawFn) -> bytes:
    """A fixture cut, spliced, bit-flipped or with a header line swapped for junk."""
    raw = bytearray(draw(st.sampled_from(SMALL_FIXTURES)))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(raw)))
        kind = draw(st.sampled_from(["cut", "insert", "flip", "delete", "junk-header"]))
        if kind == "cut":
            del raw[pos:]
        elif kind == "insert":
            raw[pos:pos] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "flip" and pos < len(raw):
            raw[pos] ^= draw(st.integers(1, 255))
        elif kind == "delete":
            del raw[pos:pos + draw(st.integers(1, 200))]
        elif kind == "junk-header":
            raw[0:0] = draw(st.sampled_from([b"Content-Type", b"Subject", b"From", b"Date",
                                             b"Content-Transfer-Encoding"])) + b": " + \
                draw(st.binary(max_size=60)).replace(b"\n", b" ") + b"\r\n"
    return bytes(raw)


@SETTINGS
@given(mutated_fixture())
def test_mutated_fixtures_never_raise(raw: bytes) -> None:
    # Damaged versions of the real fixtures still parse to a well-formed ParsedMail.
    check(parse_mail(raw))


def _leaf(ctype: str, charset: str, cte: str, body: bytes, name: str | None,
          disposition: str | None) -> EmailMessage:
    part = EmailMessage(policy=compat32)
    part["Content-Type"] = ctype + (f'; charset="{charset}"' if charset else "")
    if cte:
        part["Content-Transfer-Encoding"] = cte
    if disposition:
        part["Content-Disposition"] = disposition + (f'; filename="{name}"' if name else "")
    if name is not None:
        part.set_param("name", name)
    # Latin-1 maps each byte to one character, so _serialise can write the bytes back exactly.
    part.set_payload(body.decode("latin-1"))
    return part


def _multipart(subtype: str, parts: list[EmailMessage]) -> EmailMessage:
    container = EmailMessage(policy=compat32)
    container["Content-Type"] = f"multipart/{subtype}"
    container.set_payload(list(parts))  # type: ignore[arg-type]
    return container


LEAVES = st.builds(
    _leaf, st.sampled_from(TYPES), st.sampled_from(CHARSETS), st.sampled_from(ENCODINGS),
    st.one_of(st.binary(max_size=300), st.text(max_size=100).map(lambda t: t.encode("utf-8")),
              st.sampled_from([b"=?=\r\n=ZZ", b"begin 644 x\r\n#86)C\r\n`\r\nend\r\n",
                               b"\x78\x9f\x3e\x22\x01\x00\x01\x03\x90", b"\r\n--\r\n"])),
    st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
                                 max_size=30)),
    st.sampled_from([None, "inline", "attachment", "garbage;;="]))
def _serialise(msg: EmailMessage, depth: int = 0) -> bytes:
    """Bytes of `msg` written by hand: the stdlib generator refuses some of the broken trees
    (bogus charsets, 8-bit in message/rfc822) that real senders still produce."""
    head = b"".join(f"{k}: {v}\r\n".encode("utf-8", "surrogateescape") for k, v in msg.items())
    payload = msg.get_payload()
    if not isinstance(payload, list):
        return head + b"\r\n" + str(payload or "").encode("latin-1", "replace")
    boundary = f"b{depth}x"
    head = head.replace(b"Content-Type: multipart/", b"X-Was: ", 1)
    head += f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n'.encode()
    body = b"".join(f"--{boundary}\r\n".encode() + _serialise(part, depth + 1) + b"\r\n"
                    for part in payload if isinstance(part, EmailMessage))
    return head + b"\r\n" + body + f"--{boundary}--\r\n".encode()


TREES = st.recursive(LEAVES, lambda children: st.builds(
    _multipart, st.sampled_from(SUBTYPES), st.lists(children, max_size=4)), max_leaves=12)


@SETTINGS
@given(TREES, HEADER_TEXT, st.one_of(st.none(), HEADER_TEXT))
def test_random_mime_trees_never_raise(tree: EmailMessage, subject: str,
                                       message_id: str | None) -> None:
    # Random nesting, bogus charsets and transfer encodings, odd file names: no crash.
    tree["From"] = "Jens Hansen <jens@example.dk>"
    tree["Subject"] = subject
    if message_id is not None:
        tree["Message-ID"] = message_id
    try:
        raw = tree.as_bytes()
    except (UnicodeError, LookupError, AttributeError, ValueError):
        raw = _serialise(tree)
    check(parse_mail(raw))


def _tnef_object(level: int, name: int, atp: int, body: bytes) -> bytes:
    return struct.pack("<BHHI", level, name, atp, len(body)) + body + b"\x00\x00"


# MAPI property blocks with counts and types chosen to hit tnefparse's trusting loops.
MAPI_BLOCKS = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda n, t, p, c, tail: struct.pack("<IHHI", n, t, p, c) + tail,
              st.sampled_from([0, 1, 2, 7, 2**16, 2**32 - 1]),
              st.sampled_from([0x0002, 0x1002, 0x000B, 0x001E, 0x101E, 0x0102, 0x1102, 0x0003,
                               0x0048, 0x0001, 0x000D, 0x001F]),
              st.sampled_from([0x3701, 0x3707, 0x370E, 0x1009, 0x1000, 0x8005, 0x3FDE]),
              st.sampled_from([0, 1, 3, 2**31, 2**32 - 1]),
              st.binary(max_size=24)))
TNEF_BLOBS = st.lists(st.builds(
    _tnef_object, st.sampled_from([1, 2]),
    st.sampled_from([0x9003, 0x9004, 0x9005, 0x9002, 0x800F, 0x8010, 0x8004, 0x9006, 0x9007,
                     0x8008, 0x800C, 0x8013, 0x8005]),
    st.sampled_from([0x0001, 0x0003, 0x0006, 0x0007, 0x0008]), MAPI_BLOCKS), max_size=8).map(
    lambda objects: struct.pack("<IH", 0x223E9F78, 1) + b"".join(objects))


@SETTINGS
@given(TNEF_BLOBS)
def test_random_winmail_dat_never_raises_or_hangs(blob: bytes) -> None:
    # Crafted winmail.dat (huge counts, bad types, truncation) never escapes or stalls parsing.
    raw = (b"From: a@example.dk\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: application/ms-tnef; name=winmail.dat\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(blob) + b"--b--\r\n")
    mail = parse_mail(raw)
    check(mail)
    assert mail.attachments or any(n.startswith("tnef: extracted") for n in mail.notes)
