"""Tests for the ID-6 matching normalisation in intake_bot.normalize."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake_bot.normalize import (
    Cpr,
    email,
    first_last,
    fold,
    hash_cpr,
    loose,
    mask_cpr,
    name_key,
    name_tokens,
    parse_cpr,
    phone_e164,
    postcode,
    street_key,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Søren", "soeren"),
        ("ÆRØ", "aeroe"),
        ("Åse", "aase"),
        ("Björn Müller", "bjoern mueller"),
        ("Hauptstraße", "hauptstrasse"),
        ("Linnéa", "linnea"),
        ("  Anne-Marie \t Hansen  ", "anne marie hansen"),
        ("Jensen - Møller", "jensen moeller"),
        ("O'Brien", "obrien"),
        ("Vestergade 12, 2. tv", "vestergade 12 2 tv"),
        ("A/S", "a s"),
        ("A\u030ase", "aase"),  # å written as a + combining ring
        ("", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    # fold spells out æøå/äöü, strips accents and punctuation, and leaves single spaces.
    assert fold(text) == expected


@pytest.mark.parametrize(
    "spellings",
    [
        ("Søren", "Soren", "Soeren", "SØREN"),
        ("Ærø", "Aero", "Aeroe", "Ærøe"),
        ("Åse", "Aase", "Ase"),
        ("Kjærgaard", "Kjargard", "Kjaergaard", "Kjærgård"),
        ("Bjørn", "Björn", "Bjoern", "Bjorn"),
        ("Müller", "Mueller", "Muller"),
    ],
)
def test_loose_spellings_meet(spellings: tuple[str, ...]) -> None:
    # loose maps a<->å, o<->ø, ae<->æ (and u<->ü) so every spelling of one name meets.
    assert len({loose(s) for s in spellings}) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("Hansen", "Hanson"), ("Mette", "Mads"), ("Lund", "Lind")],
)
def test_loose_keeps_different_names_apart(a: str, b: str) -> None:
    # loose only merges the vowel spellings; other differences stay different.
    assert loose(a) != loose(b)


@pytest.mark.parametrize(
    ("name", "tokens", "key", "pair"),
    [
        ("Søren Ærø Hansen", ("soren", "aro", "hansen"), "aro hansen soren", ("soren", "hansen")),
        ("Hansen Søren", ("hansen", "soren"), "hansen soren", ("hansen", "soren")),
        ("Anne-Marie Kjærgaard", ("anne", "marie", "kjargard"), "anne kjargard marie",
         ("anne", "kjargard")),
        ("Mette Jensen-Møller", ("mette", "jensen", "moller"), "jensen mette moller",
         ("mette", "moller")),
        ("Cher", ("cher",), "cher", ("cher", "")),
    ],
)
def test_name_forms(name: str, tokens: tuple[str, ...], key: str, pair: tuple[str, str]) -> None:
    # name_tokens keeps order, name_key sorts, first_last ignores middle names (K2).
    assert name_tokens(name) == tokens
    assert name_key(name) == key
    assert first_last(name) == pair


def test_name_key_ignores_order_and_spelling() -> None:
    # "Hansen, Søren" and "Soeren Hansen" are the same key.
    assert name_key("Hansen, Søren") == name_key("Soeren Hansen")


@pytest.mark.parametrize("name", ["", "   ", "-", "!?"])
def test_first_last_rejects_empty(name: str) -> None:
    # A name without letters cannot give a first name and surname.
    with pytest.raises(ValueError, match="name is empty"):
        first_last(name)


@pytest.mark.parametrize(
    ("street", "expected"),
    [
        ("Vestergade 12, 2. tv", ("vestergade", "12")),
        ("Nørregade 7B, st.", ("norregade", "7b")),
        ("Norregade 7 b", ("norregade", "7b")),
        ("Hauptstraße 5", ("hauptstrasse", "5")),
        ("Hauptstr. 5", ("hauptstrasse", "5")),
        ("Storgatan 3 A", ("storgatan", "3a")),
        ("Vestergade 12 2. tv", ("vestergade", "12")),
        ("Vestergade 12 st", ("vestergade", "12")),
        ("Vestergade 012", ("vestergade", "12")),
        ("Bahnhofstraße 12-14", ("bahnhofstrasse", "12")),
        ("H.C. Andersens Boulevard 27, 3. th", ("hc andersens boulevard", "27")),
        ("HC Andersens Boulevard 27", ("hc andersens boulevard", "27")),
        ("Christian 4. Vej 5", ("christian 4 vej", "5")),
        ("Ågade", ("agade", None)),
        ("12 High Street", ("high street", "12")),
        ("", ("", None)),
        ("Aagade", ("agade", None)),
    ],
)
def test_street_key(street: str, expected: tuple[str, str | None]) -> None:
    # street_key splits the street name from the house number and drops floor and side.
    assert street_key(street) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8000", "8000"), ("DK-8000", "8000"), ("123 45", "12345"), (" 20095 ", "20095")],
)
def test_postcode(text: str, expected: str) -> None:
    # Postcodes keep only their digits.
    assert postcode(text) == expected


@pytest.mark.parametrize("text", ["", "Aarhus", "DK-"])
def test_postcode_without_digits(text: str) -> None:
    # A postcode without digits is an error, not an empty match key.
    with pytest.raises(ValueError, match="no digits"):
        postcode(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 34 56 78", "+4512345678"),
        ("+45 20 12 34 56", "+4520123456"),
        ("0045 12345678", "+4512345678"),
        ("+46 70 123 45 67", "+46701234567"),
        ("+49 151 23456789", "+4915123456789"),
        ("(+45) 2012-3456", "+4520123456"),
    ],
)
def test_phone_e164(text: str, expected: str) -> None:
    # Phones become E.164, with +45 assumed when the number has no prefix.
    assert phone_e164(text) == expected


def test_phone_default_region() -> None:
    # A national Swedish number needs the SE region to get +46.
    assert phone_e164("070-123 45 67", default_region="SE") == "+46701234567"


@pytest.mark.parametrize(
    ("text", "region"),
    [("", "DK"), ("abc", "DK"), ("1234", "DK"), ("+45 1234567890123", "DK"), ("++45", "DK"),
     ("12", "DE"), ("+49 12", "DK"), ("070", "SE")],
)
def test_phone_invalid(text: str, region: str) -> None:
    # Impossible and local-only numbers raise ValueError with a fixed message.
    with pytest.raises(ValueError, match="^not a valid phone number$"):
        phone_e164(text, region)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Soren.Hansen@Gmail.COM", "soren.hansen@gmail.com"),
        ("  mette+bank@mail.dk \n", "mette+bank@mail.dk"),
        ("m.e.t.t.e@mail.dk", "m.e.t.t.e@mail.dk"),
        ("sø@post.dk", "sø@post.dk"),
    ],
)
def test_email(text: str, expected: str) -> None:
    # E-mails are stripped and lowercased; +tags and dots are kept (ID-6).
    assert email(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("soren hansen@mail.dk", "whitespace"),
        ("soren.mail.dk", "exactly one @"),
        ("a@b@mail.dk", "exactly one @"),
        ("@mail.dk", "empty local part"),
        ("soren@localhost", "dotted name"),
        ("soren@mail..dk", "dotted name"),
        ("soren@.dk", "dotted name"),
        ("soren@", "dotted name"),
    ],
)
def test_email_invalid(text: str, reason: str) -> None:
    # Malformed addresses raise ValueError naming the reason, never the address.
    with pytest.raises(ValueError, match=reason) as info:
        email(text)
    assert not text.strip() or text.strip() not in str(info.value)


@pytest.mark.parametrize(
    "text", ["120385-1234", "1203851234", " 120385 1234 ", "120385\u20131234", "12 03 85 12 34"]
)
def test_parse_cpr_forms(text: str) -> None:
    # DDMMYY-XXXX, DDMMYYXXXX, spaces and a pasted en dash all give the same number.
    assert parse_cpr(text) == Cpr("1203851234", date(1985, 3, 12), mod11_ok=False)


@pytest.mark.parametrize(
    ("text", "born"),
    [
        ("010137-4001", date(1937, 1, 1)),
        ("010136-4001", date(2036, 1, 1) if date.today() >= date(2036, 1, 1) else None),
        ("010120-4001", date(2020, 1, 1)),
        ("010158-5001", date(1858, 1, 1)),
        ("010199-0001", date(1999, 1, 1)),
        ("010105-9001", date(2005, 1, 1)),
        ("010140-9001", date(1940, 1, 1)),
        ("290200-4001", date(2000, 2, 29)),
    ],
)
def test_parse_cpr_century(text: str, born: date | None) -> None:
    # The 7th digit decides the century; a birth date in the future is rejected.
    if born is None:
        with pytest.raises(ValueError, match="future"):
            parse_cpr(text)
    else:
        assert parse_cpr(text).birth_date == born


@pytest.mark.parametrize(
    ("text", "mod11_ok"), [("211062-5629", True), ("211062-5628", False), ("0101370001", False)]
)
def test_parse_cpr_accepts_failing_mod11(text: str, mod11_ok: bool) -> None:
    # Modulus 11 only sets a flag: numbers issued since 2007 may fail it (ID-6).
    assert parse_cpr(text).mod11_ok is mod11_ok


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (" - ", "ten digits"),
        ("120385-123", "ten digits"),
        ("12038512345", "ten digits"),
        ("120385-12a4", "only digits and a hyphen"),
        ("120385/1234", "only digits and a hyphen"),
        ("1203851-234", "DDMMYY-XXXX"),
        ("120385--1234", "DDMMYY-XXXX"),
        ("311185-1234", "valid birth date"),
        ("001385-1234", "valid birth date"),
        ("290201-1234", "valid birth date"),
    ],
)
def test_parse_cpr_errors(text: str, reason: str) -> None:
    # Bad CPR numbers raise ValueError giving the reason and no digits at all.
    with pytest.raises(ValueError, match=reason) as info:
        parse_cpr(text)
    assert not any(c.isdigit() for c in str(info.value))


def test_cpr_repr_hides_digits() -> None:
    # A Cpr printed in a log or traceback shows only the masked form.
    cpr = parse_cpr("120385-1234")
    assert "1234" not in repr(cpr) and "1234" not in str(cpr)
    assert "120385-XXXX" in repr(cpr)


@pytest.mark.parametrize("value", ["1203851234", "120385-1234", parse_cpr("1203851234")])
def test_mask_cpr(value: Cpr | str) -> None:
    # mask_cpr gives DDMMYY-XXXX from a Cpr or a string.
    assert mask_cpr(value) == "120385-XXXX"


def test_hash_cpr() -> None:
    # hash_cpr is HMAC-SHA256 of the ten digits, hyphen or not, and depends on the key.
    expected = hmac.new(b"k1", b"1203851234", hashlib.sha256).hexdigest()
    assert hash_cpr("1203851234", b"k1") == expected
    assert hash_cpr("120385-1234", b"k1") == expected
    assert hash_cpr("1203851234", b"k2") != expected


@pytest.mark.parametrize(("digits", "key"), [("1203851234", b""), ("120385123", b"k"),
                                              ("12038512x4", b"k")])
def test_hash_cpr_errors(digits: str, key: bytes) -> None:
    # No hash without a key or from anything but ten digits.
    with pytest.raises(ValueError) as info:
        hash_cpr(digits, key)
    assert not any(c.isdigit() for c in str(info.value))


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    # Folding twice changes nothing, so stored keys can be folded again safely.
    once = fold(text)
    assert fold(once) == once
    assert once == " ".join(once.split())
    assert once == once.casefold()


@given(st.text())
def test_loose_absorbs_fold(text: str) -> None:
    # loose(fold(x)) == loose(x), and loose is idempotent too.
    assert loose(fold(text)) == loose(text)
    assert loose(loose(text)) == loose(text)


_CPRISH = st.text(alphabet="0123456789- \u2013x", max_size=14) | st.from_regex(
    r"[0-9]{6}-?[0-9]{4}", fullmatch=True
)


@given(_CPRISH)
def test_parse_cpr_errors_never_echo_input(text: str) -> None:
    # Error messages end up in logs, so they never contain any digit of the input.
    try:
        parse_cpr(text)
    except ValueError as exc:
        assert not any(c.isdigit() for c in str(exc))


@given(st.text(max_size=40))
def test_phone_only_raises_value_error(text: str) -> None:
    # Any text either gives an E.164 number or the one fixed ValueError.
    try:
        result = phone_e164(text)
    except ValueError as exc:
        assert str(exc) == "not a valid phone number"
    else:
        assert result.startswith("+") and result[1:].isdigit()
