"""Identity: match a request to persons in the case data and verify it (RULES ID-3, ID-4, ID-9).

`claims_from` turns what the requester wrote into normalised claims (ID-6); `find_candidates`
looks up persons by indexed keys only (never a scan of all persons); `decide` applies the
factor rule K1–K6 on one person at a time. The result carries match/no-match flags only, never
the compared values (ID-9), and nothing of it may reach the requester before `verified` (ID-1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from dateutil import parser as dateparser
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from sqlalchemy import Select, and_, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from intake_bot import normalize
from intake_bot.store.models import Case, CasePerson, ContactPoint

FACTORS = ("K1", "K2", "K3", "K4", "K5", "K6")
OUTCOMES = ("verified", "partial", "ambiguous", "no_match")
MAX_CANDIDATES = 50
MAX_NAME_KEYS = 400
NAME_SIMILARITY = 85  # rapidfuzz ratio for one name word with a typo ("Jensne" ~ "Jensen")

_NUMBER = re.compile(r"(?<![\d-])\d{5,10}(?![\d-])")
_POSTCODE = re.compile(r"(?<![\d-])(?:DK-?\s?)?(\d{4})(?![\d-])")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)|"
                           r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# Names are written capitalised: runs of two to four such words are where to look for one.
_NAME_RUN = re.compile(r"\b[A-ZÆØÅÄÖÜÉ][\w'’]+(?:[ -][A-ZÆØÅÄÖÜÉ][\w'’]+){1,3}\b")
_MONTHS = {m: i + 1 for i, names in enumerate((
    ("januar", "january", "jan"), ("februar", "february", "feb"), ("marts", "march", "mars",
    "marz", "maerz", "mar"), ("april", "apr"), ("maj", "may", "mai"), ("juni", "june", "jun"),
    ("juli", "july", "jul"), ("august", "augusti", "aug"), ("september", "sep", "sept"),
    ("oktober", "october", "okt", "oct"), ("november", "nov"), ("december", "dezember", "dec",
    "dez"),
)) for m in names}
_WORD_DATE = re.compile(r"(?<!\d)(\d{1,2})\.?\s+([a-zæøåäö]+)\.?\s+(\d{4})(?!\d)", re.IGNORECASE)


@dataclass(frozen=True)
class Claims:
    """What the requester supplied, normalised for comparison (nothing looked up yet)."""

    email: str | None = None
    phone: str | None = None
    numbers: frozenset[str] = frozenset()  # digit runs that could be case numbers (K1)
    cpr_hashes: frozenset[str] = frozenset()  # keyed hashes only (RET-4)
    birth_dates: frozenset[date] = frozenset()
    postcodes: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()  # loose words of the name given and the text
    text: str = ""  # the loose text, for street names of several words
    name_keys: tuple[str, ...] = ()  # name_key of every 2- and 3-word window (candidate search)


def claims_from(
    text: str, display_name: str = "", email: str | None = None, phone: str | None = None,
    cpr_hashes: Iterable[str] = (),
) -> Claims:
    """Claims from a message: its text (subject included), the sender's display name and
    address, and the keyed hashes of CPR numbers found in it."""
    loose_text = normalize.loose(f"{display_name}\n{text}")
    tokens = loose_text.split()
    keys: list[str] = []
    runs = [normalize.name_tokens(display_name),
            *(normalize.name_tokens(m.group(0)) for m in _NAME_RUN.finditer(text))]
    for source in runs:
        for size in (2, 3):
            for i in range(len(source) - size + 1):
                keys.append(" ".join(sorted(source[i : i + size])))
    return Claims(
        email=email.lower() if email else None, phone=phone,
        numbers=frozenset(_NUMBER.findall(text)), cpr_hashes=frozenset(cpr_hashes),
        birth_dates=frozenset(_dates(text)), postcodes=frozenset(_POSTCODE.findall(text)),
        words=frozenset(tokens), text=f" {loose_text} ",
        name_keys=tuple(dict.fromkeys(keys))[:MAX_NAME_KEYS],
    )


def _dates(text: str) -> set[date]:
    found: set[date] = set()
    for m in _NUMERIC_DATE.finditer(text):
        try:
            if m.group(4):
                found.add(date(int(m.group(4)), int(m.group(5)), int(m.group(6))))
            else:
                found.add(dateparser.parse(m.group(0).replace("/", ".").replace("-", "."),
                                           dayfirst=True).date())
        except (ValueError, OverflowError, dateparser.ParserError):
            continue
    for m in _WORD_DATE.finditer(text):
        month = _MONTHS.get(normalize.fold(m.group(2)))
        if month:
            try:
                found.add(date(int(m.group(3)), month, int(m.group(1))))
            except ValueError:
                continue
    return found


@dataclass(frozen=True)
class Person:
    """A candidate person with the facts the factors compare."""

    id: int
    case_id: int
    case_number: str
    stage: str
    closed_from_stage: str | None
    client_pk: int
    first: str
    last: str
    name_key: str
    cpr_hash: str | None
    birth_date: date | None
    street_key: str | None
    postcode: str | None
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()

    @property
    def effective_stage(self) -> str | None:
        """The stage that decides the controller: a closed case counts as the stage it closed
        from (None when the case data does not say)."""
        return self.closed_from_stage if self.stage == "closed" else self.stage

    @property
    def individual(self) -> str:
        """Rows of one human on several cases share this (same CPR, or name and birth date)."""
        if self.cpr_hash:
            return f"cpr:{self.cpr_hash}"
        if self.birth_date:
            return f"nb:{self.name_key}:{self.birth_date.isoformat()}"
        return f"row:{self.id}"


@dataclass(frozen=True)
class Verification:
    """The outcome of ID-3 with its evidence record (ID-9: flags only, ids, no values)."""

    outcome: str
    persons: tuple[Person, ...] = ()  # the verified individual's rows (one per case)
    evidence: dict[str, object] = field(default_factory=dict)

    @property
    def person(self) -> Person | None:
        return self.persons[0] if self.persons else None

    @property
    def stages(self) -> frozenset[str | None]:
        """Effective stages of the verified person's cases (empty unless verified)."""
        return frozenset(p.effective_stage for p in self.persons)


@dataclass(frozen=True)
class SellerLink:
    """RULES P-2: the seller a supplied case/invoice number points to."""

    client_pk: int
    case_number: str


def seller_link(candidates: Sequence[Person], claims: Claims | None) -> SellerLink | None:
    """The one seller that supplied numbers matching invoice-stage cases point to, if exactly
    one (conflicting sellers: no link, so nothing is forwarded)."""
    if claims is None:
        return None
    found = {(p.client_pk, p.case_number) for p in candidates
             if p.case_number in claims.numbers and p.effective_stage == "invoice"}
    if len({pk for pk, _ in found}) != 1:
        return None
    pk, number = sorted(found)[0]
    return SellerLink(pk, number)


def _name_matches(word: str, claims: Claims) -> bool:
    if word in claims.words:
        return True
    if len(word) < 5:  # short names: a one-letter slip is another name ("Ole"/"Ola")
        return False
    return any(fuzz.ratio(word, w) >= NAME_SIMILARITY for w in claims.words
               if abs(len(w) - len(word)) <= 2)


def _street_matches(street: str, claims: Claims) -> bool:
    """The street name, normalised (ID-6), written in the message; one slip (two in long
    names) is forgiven where the name is long enough to stay unambiguous ("Kærvje")."""
    if f" {street} " in claims.text:
        return True
    if len(street) < 6:
        return False
    words = len(street.split())
    tokens = claims.text.split()
    windows = (" ".join(tokens[i : i + words]) for i in range(len(tokens) - words + 1))
    # Optimal string alignment counts a swapped pair of letters as one edit.
    allowed = 1 if len(street) < 10 else 2
    return any(OSA.distance(street, w, score_cutoff=allowed) <= allowed for w in windows)


def factors(person: Person, claims: Claims) -> dict[str, bool]:
    """K1–K6 for one person (RULES ID-3)."""
    street = person.street_key
    return {
        "K1": person.case_number in claims.numbers,
        "K2": bool(person.last) and _name_matches(person.first, claims)
        and _name_matches(person.last, claims),
        "K3": person.postcode is not None and person.postcode in claims.postcodes
        and bool(street) and _street_matches(street or "", claims),
        "K4": (person.birth_date is not None and person.birth_date in claims.birth_dates)
        or (person.cpr_hash is not None and person.cpr_hash in claims.cpr_hashes),
        "K5": claims.email is not None and claims.email in person.emails,
        "K6": claims.phone is not None and claims.phone in person.phones,
    }


def is_verified(f: dict[str, bool]) -> bool:
    """(K5 or K6) and K2 and one of K1/K3/K4; or K1 and K2 and (K3 or K4)."""
    return ((f["K5"] or f["K6"]) and f["K2"] and (f["K1"] or f["K3"] or f["K4"])) or (
        f["K1"] and f["K2"] and (f["K3"] or f["K4"]))


def decide(candidates: Sequence[Person], claims: Claims) -> Verification:
    """Apply ID-3: all factors must point to the same person."""
    scored = [(p, factors(p, claims)) for p in candidates]
    verified = [(p, f) for p, f in scored if is_verified(f)]
    individuals = {p.individual for p, _ in verified}
    if len(individuals) == 1:
        # Every case of that individual, also those the message did not name (access needs all).
        [who] = individuals
        persons = tuple(p for p, _ in scored if p.individual == who)
        return Verification("verified", persons, _evidence(verified[0][1], verified[0][0], 1))
    matched = [(p, f) for p, f in scored if any(f.values())]
    if not matched:
        nothing: dict[str, object] = {**{k: False for k in FACTORS}, "candidates": 0}
        return Verification("no_match", (), nothing)
    if len(individuals) > 1:
        return Verification("ambiguous", (), _evidence(verified[0][1], None, len(individuals)))
    # A case number of one person and the name of another is a conflict, not a match (ID-3).
    by_case = {p.individual for p, f in matched if f["K1"]}
    by_name = {p.individual for p, f in matched if f["K2"]}
    conflict = bool(by_case and by_name and not by_case & by_name)
    best_count = max(sum(f.values()) for _, f in matched)
    best = [(p, f) for p, f in matched if sum(f.values()) == best_count]
    best_individuals = {p.individual for p, _ in best}
    outcome = "ambiguous" if len(best_individuals) > 1 and not conflict else "partial"
    flags = {k: any(f[k] for _, f in matched) for k in FACTORS}
    evidence: dict[str, object] = {**flags, "candidates": len({p.individual for p, _ in matched}),
                "conflict": conflict}
    return Verification(outcome, (), evidence)


def _evidence(flags: dict[str, bool], person: Person | None, individuals: int
              ) -> dict[str, object]:
    out: dict[str, object] = {**flags, "candidates": individuals}
    if person is not None:
        out["person_id"] = person.id
    return out


# ID-8: someone writing for the data subject. Cues over the loose text (normalize.loose: no
# æøå, aa/ae/oe collapsed, lower case), so "på vegne af" and "paa vegne af" both read "pa vegne af".
_REPRESENTATIVE = (
    ("estate", re.compile(r"\b(dodsbo|afdode|afdoede|boet efter|deceased|estate of|late (?:mother|"
                          r"father|husband|wife)|dodsbo|nachlass|verstorbene)\b")),
    ("guardian", re.compile(r"\b(varge|vargemal|guardian|betreuer|forvaltare|verge for)\b")),
    ("parent", re.compile(r"\b(min (?:son|datter|dotter) (?:pa|er) \d{1,2} ar|"
                          r"mit barn|my (?:son|daughter) (?:is|aged) \d{1,2}|"
                          r"foraldremyndighed|foreldreansvar)\b")),
    ("lawyer", re.compile(r"\b(advokat\w*|lawyer|attorney|solicitor|rechtsanwalt\w*|"
                          r"min klient|vores klient|our client|my client|meine mandantin|"
                          r"meinen mandanten|var klient)\b")),
    ("other", re.compile(r"\b(pa vegne af|pa vegne av|on behalf of|for min (?:mor|far|"
                         r"mand|kone|bror|soster)|for my (?:mother|father|husband|wife)|"
                         r"fuldmagt|fullmakt|power of attorney|vollmacht|im auftrag|"
                         r"galdsradgiver|debt counsellor|socialradgiver)\b")),
)
_AUTHORITY_FILE = re.compile(r"(fuldmagt|fullmakt|power.?of.?attorney|vollmacht|poa\b|"
                             r"skifteretsattest|vargemalsbevis|letter.?of.?authority)",
                             re.IGNORECASE)
# ID-5: identity documents nobody asked for (they must be deleted after use).
_ID_DOCUMENT_FILE = re.compile(r"(\bpas\b|\bpass\b|passport|korekort|driving.?licen|"
                               r"sundhedskort|sygesikring|id.?kort|id.?card|legitimation|"
                               r"personalausweis|reisepass)", re.IGNORECASE)


def representative(text: str) -> str | None:
    """The kind of representative the text shows (ID-8), or None for the data subject."""
    folded = normalize.loose(text)
    for kind, pattern in _REPRESENTATIVE:
        if pattern.search(folded):
            return kind
    return None


def authority_document(filenames: Iterable[str]) -> bool:
    """Whether an attachment looks like a power of attorney or similar (an agent checks it)."""
    return any(_AUTHORITY_FILE.search(normalize.loose(name)) for name in filenames)


def id_documents(filenames: Iterable[str]) -> list[str]:
    """Attachments that look like identity documents (ID-5: never asked for; delete after use)."""
    return [name for name in filenames if _ID_DOCUMENT_FILE.search(normalize.loose(name))]


def missing_factor(v: Verification) -> str | None:
    """The one factor to ask for after `partial`/`ambiguous`, in ID-4's order (case number,
    birth date, postal address), skipping what already matched; None when nothing is left."""
    for factor in ("K1", "K4", "K3"):
        if not v.evidence.get(factor):
            return factor
    return None


async def find_candidates(sess: AsyncSession, claims: Claims) -> list[Person]:
    """Persons any claim points to, at most MAX_CANDIDATES. Each key is its own indexed lookup
    (an OR across tables defeats the planners' index use); strong keys rank first."""
    lookups: list[Select[int]] = []
    if claims.email:
        lookups.append(select(ContactPoint.person_id).where(
            ContactPoint.kind == "email", ContactPoint.value == claims.email))
    if claims.phone:
        lookups.append(select(ContactPoint.person_id).where(
            ContactPoint.kind == "phone", ContactPoint.value == claims.phone))
    if claims.numbers:
        lookups.append(select(CasePerson.id).join(Case, Case.id == CasePerson.case_id)
                       .where(Case.case_number.in_(sorted(claims.numbers))))
    if claims.cpr_hashes:
        lookups.append(select(CasePerson.id).where(
            CasePerson.cpr_hash.in_(sorted(claims.cpr_hashes))))
    if claims.name_keys:
        lookups.append(select(CasePerson.id).where(CasePerson.name_key.in_(claims.name_keys)))
    if claims.birth_dates and claims.postcodes:
        lookups.append(select(CasePerson.id).where(
            CasePerson.birth_date.in_(sorted(claims.birth_dates)),
            CasePerson.postcode.in_(sorted(claims.postcodes))))
    if not lookups:
        return []
    # One round trip: each lookup stays its own indexed query (ordered, capped), joined with
    # UNION ALL and tagged with its rank, so strong keys still come first.
    branches = []
    for rank, lookup in enumerate(lookups):
        capped = lookup.order_by(lookup.selected_columns[0]).limit(MAX_CANDIDATES).subquery()
        branches.append(select(literal(rank).label("rank"), capped.c[0].label("person_id")))
    rows = (await sess.execute(union_all(*branches))).all()
    person_ids: dict[int, None] = {}
    for row in sorted(rows, key=lambda r: (r.rank, r.person_id)):
        person_ids.setdefault(row.person_id, None)
    return await _load(sess, list(person_ids)[:MAX_CANDIDATES])


async def _load(sess: AsyncSession, ids: Sequence[int]) -> list[Person]:
    if not ids:
        return []
    rows = (await sess.execute(
        select(CasePerson, Case.case_number, Case.stage, Case.closed_from_stage, Case.client_pk)
        .join(Case, Case.id == CasePerson.case_id).where(CasePerson.id.in_(ids))
    )).all()
    contacts: dict[int, dict[str, set[str]]] = {}
    for c in (await sess.execute(
        select(ContactPoint).where(ContactPoint.person_id.in_(ids))
    )).scalars():
        contacts.setdefault(c.person_id, {"email": set(), "phone": set()})[c.kind].add(c.value)
    out = []
    for person, case_number, stage, closed_from, client_pk in rows:
        found = contacts.get(person.id, {})
        out.append(Person(
            id=person.id, case_id=person.case_id, case_number=case_number, stage=stage,
            closed_from_stage=closed_from, client_pk=client_pk,
            first=person.first_name_key, last=person.last_name_key, name_key=person.name_key,
            cpr_hash=person.cpr_hash, birth_date=person.birth_date,
            street_key=person.street_key, postcode=person.postcode,
            emails=frozenset(found.get("email", ())), phones=frozenset(found.get("phone", ())),
        ))
    return out


async def verify(sess: AsyncSession, claims: Claims) -> Verification:
    """Find candidates and decide (ID-3); a verified individual comes with all their cases."""
    return await with_all_cases(sess, decide(await find_candidates(sess, claims), claims))


async def with_all_cases(sess: AsyncSession, result: Verification) -> Verification:
    """A verified result with every case of that individual, also cases not named (access)."""
    person = result.person
    if person is None or not (person.cpr_hash or person.birth_date):
        return result
    same = (CasePerson.cpr_hash == person.cpr_hash if person.cpr_hash else and_(
        CasePerson.name_key == person.name_key, CasePerson.birth_date == person.birth_date))
    ids = (await sess.execute(select(CasePerson.id).where(same).limit(MAX_CANDIDATES))
           ).scalars().all()
    rows = [p for p in await _load(sess, ids) if p.individual == person.individual]
    return Verification("verified", tuple(sorted(rows, key=lambda p: p.case_number)),
                        result.evidence)
