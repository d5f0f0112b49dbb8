"""Matching normalisation of names, addresses, phones, e-mails and CPR numbers (RULES ID-6)."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers
from stdnum.dk import cpr as stdnum_cpr

# Letters that NFKD leaves alone (æ, ø, ß, ...) or that we spell out instead of dropping the
# accent (å, ä, ö, ü): Danish, Swedish and German spellings must all land on the same form.
_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "ø": "oe",
        "å": "aa",
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "œ": "oe",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "đ": "d",
        "ı": "i",
    }
)
# Apostrophes join ("O'Brien" -> "obrien"); every other non-alphanumeric character separates.
_APOSTROPHES = re.compile(r"['\u2019\u02bc`´]")
# After fold() the double spellings are collapsed so a<->å, o<->ø, ae<->æ (and u<->ü) meet.
_LOOSE = re.compile(r"a[ae]|oe|ue")

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_CPR_SHAPE = re.compile(r"[0-9]{6}-?[0-9]{4}")

# A house number: digits plus an optional single letter ("7B", "3 A"), not glued to more letters.
_HOUSE_NO = re.compile(r"(?<!\w)(\d+)(?:\s*([^\W\d_]))?(?!\w)(\.?)")


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text.casefold())
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def fold(text: str) -> str:
    """Return `text` casefolded, æøå/äöü spelled out, accents, punctuation and hyphens removed.

    The result is lowercase words separated by single spaces ("Ærø-Sørensen" -> "aeroe soerensen").
    """
    result = _fold_once(text)
    # Rare compatibility characters only settle after a second pass; loop so fold is idempotent.
    for _ in range(3):
        again = _fold_once(result)
        if again == result:
            break
        result = again
    return result


def loose(text: str) -> str:
    """Return fold(text) with aa/ae/oe/ue collapsed, so "Søren", "Soren" and "Soeren" meet."""
    result = fold(text)
    while True:
        shorter = _LOOSE.sub(lambda m: m.group(0)[0], result)
        if shorter == result:
            return result
        result = shorter


def name_tokens(name: str) -> tuple[str, ...]:
    """Return the loose tokens of a personal or company name, in their written order."""
    return tuple(loose(name).split())


def name_key(name: str) -> str:
    """Return the loose tokens of `name` sorted, so word order does not matter."""
    return " ".join(sorted(name_tokens(name)))


def first_last(name: str) -> tuple[str, str]:
    """Return the loose first name and surname (K2); middle names are ignored.

    A one-word name has no surname and returns (word, ""). Raises ValueError for an empty name.
    """
    tokens = name_tokens(name)
    if not tokens:
        raise ValueError("name is empty")
    if len(tokens) == 1:
        return tokens[0], ""
    return tokens[0], tokens[-1]


def street_key(street: str) -> tuple[str, str | None]:
    """Return (loose street name, house number or None) without floor and side.

    "Vestergade 12, 2. tv" -> ("vestergade", "12"); "Storgatan 3 A" -> ("storgatan", "3a").
    """
    head = street.split(",", 1)[0]
    matches = list(_HOUSE_NO.finditer(head))
    candidates = [m for m in matches if fold(head[: m.start()])]
    if candidates:
        # A number followed by a dot is a Danish ordinal (floor "2." or "Christian 4. Vej"),
        # so prefer a plain number; fall back to the dotted one when it is all there is.
        chosen = ([m for m in candidates if not m.group(3)] or candidates)[0]
        return _street_name(head[: chosen.start()]), _house_number(chosen)
    if matches and fold(head[matches[0].end() :]):  # number first: "12 Rue de la Paix"
        return _street_name(head[matches[0].end() :]), _house_number(matches[0])
    return _street_name(head), None


def _house_number(match: re.Match[str]) -> str:
    return (match.group(1).lstrip("0") or "0") + fold(match.group(2) or "")


def _street_name(text: str) -> str:
    # Initials are written "H.C.", "H. C." or "HC": join runs of one-letter words.
    name = re.sub(r"\b([a-z]) (?=[a-z]\b)", r"\1", loose(text))
    # German "Hauptstr." is the same street as "Hauptstraße".
    if name.endswith("str"):
        name += "asse"
    return name


def postcode(text: str) -> str:
    """Return the digits of a postcode ("DK-8000" -> "8000", "123 45" -> "12345")."""
    digits = "".join(c for c in text if c in "0123456789")
    if not digits:
        raise ValueError("postcode contains no digits")
    return digits


def phone_e164(text: str, default_region: str = "DK") -> str:
    """Return the phone number in E.164 form, assuming `default_region` when it has no prefix."""
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise ValueError("not a valid phone number") from None
    # Possible, not valid: the metadata lags behind newly opened number ranges, and a number
    # on file must still match the one the requester writes from. "Local only" numbers (too
    # short to dial from abroad, like "12" in Germany) are not accepted.
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValueError("not a valid phone number")
    e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164


def email(text: str) -> str:
    """Return the e-mail address stripped and lowercased; +tags and dots are kept (ID-6)."""
    address = text.strip().lower()
    if not address:
        raise ValueError("e-mail address is empty")
    if any(c.isspace() for c in address):
        raise ValueError("e-mail address contains whitespace")
    if address.count("@") != 1:
        raise ValueError("e-mail address must contain exactly one @")
    local, domain = address.split("@")
    if not local:
        raise ValueError("e-mail address has an empty local part")
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        raise ValueError("e-mail domain must be a dotted name")
    return address


@dataclass(frozen=True)
class Cpr:
    """A parsed CPR number; never log or store `digits` in plain text (RET-4)."""

    digits: str
    birth_date: date
    mod11_ok: bool

    def __repr__(self) -> str:
        # Keeps the digits out of tracebacks and debug logs that print the object.
        return f"Cpr(masked={mask_cpr(self)!r}, mod11_ok={self.mod11_ok})"


def parse_cpr(text: str) -> Cpr:
    """Parse a CPR number written DDMMYY-XXXX or DDMMYYXXXX (spaces allowed).

    Numbers failing modulus 11 are accepted and flagged (ID-6). Raises ValueError for a wrong
    length, other characters, or an impossible birth date; the message never echoes the input.
    """
    compact = "".join(text.translate(_DASHES).split())
    digits = compact.replace("-", "")
    if not compact:
        raise ValueError("CPR number is empty")
    if not all(c in "0123456789" for c in digits):
        raise ValueError("CPR number may contain only digits and a hyphen")
    if len(digits) != 10:
        raise ValueError("CPR number must have ten digits")
    if not _CPR_SHAPE.fullmatch(compact):
        raise ValueError("CPR number must be written DDMMYY-XXXX or DDMMYYXXXX")
    try:
        born: date = stdnum_cpr.get_birth_date(digits)
    except ValueError:
        raise ValueError("CPR number does not contain a valid birth date") from None
    if born > date.today():
        raise ValueError("CPR number has a birth date in the future")
    return Cpr(digits=digits, birth_date=born, mod11_ok=stdnum_cpr.checksum(digits) == 0)


def mask_cpr(c: Cpr | str) -> str:
    """Return the CPR masked as DDMMYY-XXXX, the only form that may be shown or stored."""
    digits = c.digits if isinstance(c, Cpr) else parse_cpr(c).digits
    return f"{digits[:6]}-XXXX"


# Ten digits, DDMMYY-XXXX or DDMMYYXXXX, not inside a longer number or a hyphenated code.
CPR_PATTERN = re.compile(r"(?<![\d-])(\d{6})[ -]?(\d{4})(?![\d-])")


def find_cprs(text: str) -> list[tuple[re.Match[str], Cpr]]:
    """Every CPR number in `text` with its match (numbers with no possible birth date skipped)."""
    found = []
    for match in CPR_PATTERN.finditer(text):
        try:
            found.append((match, parse_cpr(match.group(0))))
        except ValueError:
            continue
    return found


def hash_cpr(digits: str, key: bytes) -> str:
    """Return the HMAC-SHA256 hex digest of the ten CPR digits under `key` (RET-4)."""
    if not key:
        raise ValueError("CPR hash key is empty")
    compact = "".join(digits.translate(_DASHES).split()).replace("-", "")
    if len(compact) != 10 or not all(c in "0123456789" for c in compact):
        raise ValueError("CPR number must have ten digits")
    return hmac.new(key, compact.encode("ascii"), hashlib.sha256).hexdigest()
