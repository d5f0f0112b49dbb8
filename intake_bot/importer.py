"""Reading and validating case and client files (SPEC §4): JSON Lines or CSV, errors per line.

Validation is pure: each line becomes a normalised record or an InputError naming the line, the
field and the reason, never the value (a CPR number must not reach a terminal or a log). The
store side (`intake_bot.store.casedata`) writes records in batches.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from stdnum.dk import cvr as stdnum_cvr

from intake_bot import normalize
from intake_bot.errors import InputError

STAGES = ("invoice", "collection", "closed")
CLOSED_FROM = ("invoice", "collection")
ROLES = ("debtor", "co_debtor", "guarantor")
CASE_CSV_COLUMNS = (
    "case_number", "stage", "client_id", "opened_at", "closed_at", "role", "name", "cpr",
    "birth_date", "emails", "phones", "street", "postcode", "city", "country",
)
CLIENT_COLUMNS = (
    "client_id", "name", "cvr", "email", "phone", "street", "postcode", "city", "country",
    "privacy_contact",
)
MAX_ID_LENGTH = 32


@dataclass(frozen=True)
class PersonRecord:
    role: str
    name: str
    name_key: str
    first_name_key: str
    last_name_key: str
    cpr_hash: str | None
    cpr_masked: str | None
    birth_date: date | None
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    street: str | None
    street_key: str | None
    house_number: str | None
    postcode: str | None
    city: str | None
    country: str | None


@dataclass(frozen=True)
class CaseRecord:
    line: int
    case_number: str
    stage: str
    client_id: str
    opened_at: date | None
    closed_at: date | None
    closed_from_stage: str | None
    persons: tuple[PersonRecord, ...]

    @property
    def fingerprint(self) -> str:
        """A digest of everything imported, so an unchanged line is recognised cheaply."""
        body = {k: v for k, v in vars(self).items() if k not in ("line", "persons")}
        body["persons"] = [vars(p) for p in self.persons]
        return hashlib.sha256(
            json.dumps(body, sort_keys=True, default=str).encode()
        ).hexdigest()


@dataclass(frozen=True)
class ClientRecord:
    line: int
    client_id: str
    name: str
    cvr: str | None
    email: str | None
    phone: str | None
    street: str | None
    postcode: str | None
    city: str | None
    country: str | None
    privacy_contact: str | None

    @property
    def fingerprint(self) -> str:
        body = asdict(self)
        del body["line"]
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


Parsed = tuple[int, Mapping[str, Any] | InputError]


# --- reading -------------------------------------------------------------------------------


def _decoded_lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """Physical lines as text, or None for a line that is not valid UTF-8."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                yield number, raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield number, None


def _not_utf8(number: int) -> InputError:
    return InputError(f"line {number}", "", "not valid UTF-8")


def read_jsonl(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[Parsed]:
    """(line number, object or error) for each non-blank line of a JSON Lines file."""
    for number, text in _decoded_lines(path):
        if text is None:
            yield number, _not_utf8(number)
            continue
        if progress:
            progress(len(text.encode()))
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, InputError(f"line {number}", "", f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            yield number, InputError(f"line {number}", "", "expected a JSON object")
            continue
        yield number, obj


def read_csv_rows(
    path: Path, required: Iterable[str], progress: Callable[[int], None] | None = None
) -> Iterator[Parsed]:
    """(line number, row dict or error) for each data row of a CSV file with a header."""
    skipped: list[int] = []  # lines that were not UTF-8, reported before the next row
    last_line = 0

    def feed() -> Iterator[str]:
        nonlocal last_line
        for number, text in _decoded_lines(path):
            if text is None:
                skipped.append(number)
                continue
            last_line = number
            if progress:
                progress(len(text.encode()))
            yield text

    reader = csv.DictReader(feed())
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        yield 1, InputError("line 1", "header", "missing column(s): " + ", ".join(missing))
        return
    for row in reader:
        while skipped:
            bad = skipped.pop(0)
            yield bad, _not_utf8(bad)
        if None in row:
            yield last_line, InputError(f"line {last_line}", "", "more fields than header columns")
            continue
        if all(not (v or "").strip() for v in row.values()):
            continue
        yield last_line, {k: (v or "").strip() for k, v in row.items()}
    for bad in skipped:
        yield bad, _not_utf8(bad)


def case_objects_from_csv(rows: Iterable[Parsed]) -> Iterator[Parsed]:
    """Group person rows by case number into SPEC §4 case objects (first row's line number).

    A case with a bad row is rejected whole: importing it without that person would be wrong.
    """
    cases: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    broken: dict[str, int] = {}
    for number, row in rows:
        if isinstance(row, InputError):
            yield number, row
            continue
        key = str(row.get("case_number", "")).strip()
        if not key:
            yield number, InputError(f"line {number}", "case_number", "missing")
            continue
        person = {
            "role": row.get("role"), "name": row.get("name"), "cpr": row.get("cpr") or None,
            "birth_date": row.get("birth_date") or None,
            "emails": _split(row.get("emails")), "phones": _split(row.get("phones")),
            "address": {k: row.get(k) for k in ("street", "postcode", "city", "country")},
        }
        case_fields = {
            "case_number": key, "stage": row.get("stage"), "client_id": row.get("client_id"),
            "opened_at": row.get("opened_at") or None, "closed_at": row.get("closed_at") or None,
            "closed_from_stage": row.get("closed_from_stage") or None,
        }
        if key not in cases:
            cases[key] = {**case_fields, "persons": [person]}
            first_line[key] = number
            continue
        differing = [k for k, v in case_fields.items() if cases[key][k] != v]
        if differing:
            broken.setdefault(key, number)
            yield number, InputError(
                f"line {number}", differing[0],
                f"differs from line {first_line[key]} of the same case",
            )
            continue
        cases[key]["persons"].append(person)
    for key, obj in cases.items():
        if key in broken:
            yield first_line[key], InputError(
                f"line {first_line[key]}", "",
                f"case not imported because line {broken[key]} of it is bad",
            )
        else:
            yield first_line[key], obj


def _split(value: Any) -> list[str]:
    return [p.strip() for p in str(value or "").split(";") if p.strip()]


# --- validation ----------------------------------------------------------------------------


class _Fields:
    """Reads typed fields from one input object; every error names the line and the field."""

    def __init__(self, line: int, obj: Mapping[str, Any], prefix: str = "") -> None:
        self.line, self.obj, self.prefix = line, obj, prefix

    def fail(self, field: str, reason: str) -> InputError:
        return InputError(f"line {self.line}", self.prefix + field, reason)

    def text(self, field: str, required: bool = False, max_length: int = 200) -> str | None:
        value = self.obj.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(field, "missing")
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise self.fail(field, "expected text")
        text = " ".join(str(value).split())
        if len(text) > max_length:
            raise self.fail(field, f"longer than {max_length} characters")
        return text

    def choice(self, field: str, allowed: tuple[str, ...], required: bool = True) -> str | None:
        value = self.text(field, required)
        if value is not None and value not in allowed:
            raise self.fail(field, "must be one of " + ", ".join(allowed))
        return value

    def date(self, field: str) -> date | None:
        value = self.text(field)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(field, "not a date (YYYY-MM-DD)") from None

    def identifier(self, field: str) -> str:
        value = self.text(field, required=True, max_length=MAX_ID_LENGTH)
        assert value is not None
        if not all(ch.isalnum() or ch in "-_/." for ch in value):
            raise self.fail(field, "may contain only letters, digits and - _ / .")
        return value

    def strings(self, field: str) -> list[str]:
        value = self.obj.get(field)
        if value is None:
            return []
        if isinstance(value, str):
            return _split(value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(field, "expected a list of strings")
        return [v for v in value if v.strip()]

    def convert(self, field: str, value: str, fn: Callable[[str], str]) -> str:
        try:
            return fn(value)
        except ValueError as exc:
            raise self.fail(field, str(exc) or "invalid") from None


def _country(f: _Fields, field: str = "country") -> str | None:
    value = f.text(field)
    if value is None:
        return None
    if len(value) != 2 or not value.isalpha():
        raise f.fail(field, "expected a two-letter country code (ISO 3166)")
    return value.upper()


def validate_person(
    line: int, obj: Mapping[str, Any], index: int, cpr_key: bytes
) -> PersonRecord:
    """Normalise one person of a case per RULES ID-6; the CPR is hashed and masked here."""
    f = _Fields(line, obj, f"persons[{index}].")
    role = f.choice("role", ROLES)
    name = f.text("name", required=True)
    assert role is not None and name is not None
    address = obj.get("address") or {}
    if not isinstance(address, Mapping):
        raise f.fail("address", "expected an object")
    a = _Fields(line, address, f"persons[{index}].address.")
    country = _country(a)
    region = country or "DK"

    cpr_hash = cpr_masked = None
    birth = f.date("birth_date")
    cpr_text = f.text("cpr", max_length=20)
    if cpr_text is not None:
        try:
            cpr = normalize.parse_cpr(cpr_text)
        except ValueError as exc:
            raise f.fail("cpr", str(exc) or "invalid") from None
        if birth is not None and birth != cpr.birth_date:
            raise f.fail("birth_date", "does not agree with the date part of the CPR number")
        birth = birth or cpr.birth_date
        cpr_hash = normalize.hash_cpr(cpr.digits, cpr_key)
        cpr_masked = normalize.mask_cpr(cpr)

    try:
        first, last = normalize.first_last(name)
    except ValueError:
        raise f.fail("name", "has no letters") from None
    street = a.text("street")
    street_key = house = None
    if street is not None:
        street_key, house = normalize.street_key(street)
    postcode_text = a.text("postcode", max_length=16)
    postcode = a.convert("postcode", postcode_text, normalize.postcode) if postcode_text else None
    return PersonRecord(
        role=role, name=name, name_key=normalize.name_key(name),
        first_name_key=first, last_name_key=last,
        cpr_hash=cpr_hash, cpr_masked=cpr_masked, birth_date=birth,
        emails=tuple(dict.fromkeys(
            f.convert(f"emails[{i}]", e, normalize.email) for i, e in enumerate(f.strings("emails"))
        )),
        phones=tuple(dict.fromkeys(
            f.convert(f"phones[{i}]", p, lambda v: normalize.phone_e164(v, region))
            for i, p in enumerate(f.strings("phones"))
        )),
        street=street, street_key=street_key, house_number=house, postcode=postcode,
        city=a.text("city", max_length=100), country=country,
    )


def validate_case(line: int, obj: Mapping[str, Any], cpr_key: bytes) -> CaseRecord:
    """A SPEC §4 case object as a normalised record, or InputError naming line and field."""
    f = _Fields(line, obj)
    stage = f.choice("stage", STAGES)
    assert stage is not None
    closed_from = f.choice("closed_from_stage", CLOSED_FROM, required=False)
    if closed_from and stage != "closed":
        raise f.fail("closed_from_stage", "only for cases with stage closed")
    opened, closed = f.date("opened_at"), f.date("closed_at")
    if opened and closed and closed < opened:
        raise f.fail("closed_at", "is before opened_at")
    persons = obj.get("persons")
    if not isinstance(persons, list) or not persons:
        raise f.fail("persons", "expected a non-empty list")
    if not all(isinstance(p, Mapping) for p in persons):
        raise f.fail("persons", "each person must be an object")
    return CaseRecord(
        line=line,
        case_number=f.identifier("case_number"),
        stage=stage,
        client_id=f.identifier("client_id"),
        opened_at=opened,
        closed_at=closed,
        closed_from_stage=closed_from,
        persons=tuple(validate_person(line, p, i, cpr_key) for i, p in enumerate(persons)),
    )


def validate_client(line: int, obj: Mapping[str, Any]) -> ClientRecord:
    """A SPEC §4 client object as a normalised record, or InputError naming line and field."""
    f = _Fields(line, obj)
    cvr = f.text("cvr", max_length=16)
    if cvr is not None:
        cvr = stdnum_cvr.compact(cvr)
        if not stdnum_cvr.is_valid(cvr):
            raise f.fail("cvr", "not a valid CVR number")
    email = f.text("email", max_length=254)
    privacy = f.text("privacy_contact", max_length=254)
    phone = f.text("phone", max_length=32)
    country = _country(f)
    postcode = f.text("postcode", max_length=16)
    return ClientRecord(
        line=line,
        client_id=f.identifier("client_id"),
        name=f.text("name", required=True) or "",
        cvr=cvr,
        email=f.convert("email", email, normalize.email) if email else None,
        phone=f.convert("phone", phone, lambda v: normalize.phone_e164(v, country or "DK"))
        if phone else None,
        street=f.text("street"),
        postcode=f.convert("postcode", postcode, normalize.postcode) if postcode else None,
        city=f.text("city", max_length=100),
        country=country,
        privacy_contact=f.convert("privacy_contact", privacy, normalize.email)
        if privacy else None,
    )
