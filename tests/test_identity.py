"""Identity matching and verification (RULES ID-3) over the demo case data, both back ends."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake_bot import identity, normalize
from intake_bot.case_import import import_cases, load_demo_if_empty
from tests.conftest import REPO

# Two different people called Anna Berg, for the ambiguous outcome.
EXTRA = [
    {"case_number": "7700001", "stage": "collection", "client_id": "C1001",
     "opened_at": "2025-01-02", "closed_at": None,
     "persons": [{"role": "debtor", "name": "Anna Berg", "cpr": None, "birth_date": "1980-02-02",
                  "emails": ["anna.berg@example.dk"], "phones": [],
                  "address": {"street": "Lindevej 3", "postcode": "4000", "city": "Roskilde",
                              "country": "DK"}}]},
    {"case_number": "7700002", "stage": "invoice", "client_id": "C1002",
     "opened_at": "2025-01-03", "closed_at": None,
     "persons": [{"role": "debtor", "name": "Anna Berg", "cpr": None, "birth_date": "1971-07-07",
                  "emails": ["berg71@example.com"], "phones": [],
                  "address": {"street": "Strandvejen 200", "postcode": "2900",
                              "city": "Hellerup", "country": "DK"}}]},
]


@pytest.fixture
async def store(sessions: async_sessionmaker[AsyncSession], cpr_key: bytes, tmp_path: Path
                ) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await load_demo_if_empty(sessions, REPO / "config" / "demo", cpr_key)
    extra = tmp_path / "extra.jsonl"
    extra.write_text("\n".join(json.dumps(c) for c in EXTRA) + "\n", encoding="utf-8")
    await import_cases(sessions, extra, cpr_key)
    yield sessions


def _cpr(text: str, key: bytes) -> list[str]:
    return [normalize.hash_cpr(normalize.parse_cpr(text).digits, key)]


MORTEN = {"4400000", "4400003", "4400021"}  # one person: invoice, collection and closed cases
# (what the requester wrote, display name, sender address, phone, CPR given, outcome, factors
# that must be true, case numbers of the verified person's rows)
CASES: list[tuple[str, str, str, str | None, str | None, str, set[str], set[str]]] = [
    # K5 + K2 + K1: the debtor writes from the address on file and names the case.
    ("Sag 4400003. Send mig en kopi af mine oplysninger.", "Morten Østergaard",
     "mortenoestergaard44@stofanet.dk", None, None, "verified", {"K1", "K2", "K5"},
     MORTEN),
    # No æøå and a reordered name still match (ID-6); K1 + K2 + K4 from an unknown address.
    ("Hej, jeg hedder Ostergaard Morten, sagsnr 4400003, foedt 23.06.1944.", "",
     "someone@else.dk", None, None, "verified", {"K1", "K2", "K4"}, MORTEN),
    # A typo in the surname ("Østergard") and the CPR compared by keyed hash (K4).
    ("Morten Østergard, cpr 230644-9471, sag 4400000", "", "x@else.dk", None, "230644-9471",
     "verified", {"K1", "K2", "K4"}, MORTEN),
    # K1 + K2 + K3: postal address with the street written without æøå.
    ("Morten Østergaard, Kaervej 54, 2300 København S. Sag 4400000.", "", "x@else.dk", None,
     None, "verified", {"K1", "K2", "K3"}, MORTEN),
    # A typo in the street name still matches the address (K3 with rapidfuzz).
    ("Morten Østergaard, Kærvje 54, 2300 København S. Sag 4400000.", "", "x@else.dk", None,
     None, "verified", {"K1", "K2", "K3"}, MORTEN),
    # K6 (SMS from the phone on file) + K2 + K1, a co-debtor without e-mail.
    ("Søren Mortensen her, sag 4400003", "", None, "+4553942210", None, "verified",
     {"K1", "K2", "K6"}, {"4400003"}),
    # Right case number, wrong name: only K1 → partial.
    ("Jens Hansen, sag 4400011. Slet mine data.", "Jens Hansen", "jens@else.dk", None, None,
     "partial", {"K1"}, set()),
    # Right name, wrong postcode: only K2 → partial (K3 needs postcode and street).
    ("Peter Andersen-Hansen, Rådhusstræde 44, 9999 Andetsted", "", "ph@else.dk", None, None,
     "partial", {"K2"}, set()),
    # Two people called Mette Hansen: the name alone fits both.
    ("Mette Hansen, Bøgevej 76, 9999 Andetsted", "Mette Hansen", "mh@else.dk", None, None,
     "ambiguous", {"K2"}, set()),
    # Case number of one person, name of another: a conflict, never verified.
    ("Jeg er Morten Østergaard, sag 4400011, Kærvej 54, 2300 København S", "", "x@else.dk",
     None, None, "partial", {"K1", "K2", "K3"}, set()),
    # The address on file alone proves nothing: K5 only → partial.
    ("Hvad har I om mig?", "", "mette93@outlook.dk", None, None, "partial", {"K5"}, set()),
    # A name two different people share, and nothing else: ambiguous.
    ("Anna Berg her. Jeg vil gerne have indsigt.", "Anna Berg", "ab@else.dk", None, None,
     "ambiguous", {"K2"}, set()),
    # Nothing fits.
    ("Hans Petersen, sag 9999999, Nørregade 1, 8000 Aarhus", "Hans Petersen", "hp@else.dk",
     None, None, "no_match", set(), set()),
]


@pytest.mark.parametrize(("text", "name", "email", "phone", "cpr", "outcome", "true", "cases"),
                         CASES)
async def test_verification_outcomes(
    store: async_sessionmaker[AsyncSession], cpr_key: bytes, text: str, name: str,
    email: str | None, phone: str | None, cpr: str | None, outcome: str, true: set[str],
    cases: set[str],
) -> None:
    # Each ID-3 outcome, with exactly the expected factors reported as matched.
    claims = identity.claims_from(text, name, email, phone, _cpr(cpr, cpr_key) if cpr else ())
    async with store() as sess:
        result = await identity.verify(sess, claims)
    assert result.outcome == outcome
    assert {k for k in identity.FACTORS if result.evidence.get(k)} == true
    assert {p.case_number for p in result.persons} == cases


async def test_conflict_is_flagged(store: async_sessionmaker[AsyncSession]) -> None:
    # The case number of one person with the name of another is recorded as a conflict.
    claims = identity.claims_from("Morten Østergaard, sag 4400011", "", "x@else.dk")
    async with store() as sess:
        result = await identity.verify(sess, claims)
    assert result.outcome == "partial" and result.evidence["conflict"] is True


async def test_evidence_holds_flags_and_ids_only(
    store: async_sessionmaker[AsyncSession],
) -> None:
    # ID-9: the evidence record carries booleans, counts and the person id, never values.
    claims = identity.claims_from("Sag 4400003", "Morten Østergaard",
                                  "mortenoestergaard44@stofanet.dk")
    async with store() as sess:
        result = await identity.verify(sess, claims)
    assert result.outcome == "verified"
    values: list[Any] = list(result.evidence.values())
    assert all(isinstance(v, bool | int) for v in values)
    assert set(result.evidence) == {*identity.FACTORS, "candidates", "person_id"}


def test_missing_factor_follows_id4_order() -> None:
    # After partial, ask for the case number first, then birth date, then postal address.
    ask = identity.missing_factor
    assert ask(identity.Verification("partial", (), {"K2": True})) == "K1"
    assert ask(identity.Verification("partial", (), {"K1": True, "K2": True})) == "K4"
    assert ask(identity.Verification("partial", (), {"K1": True, "K4": True})) == "K3"
    assert ask(identity.Verification("partial", (), {"K1": True, "K3": True, "K4": True})) is None


def test_dates_in_the_forms_people_write() -> None:
    # Birth dates written as 23.06.1944, 23/6/44, 1944-06-23 and "23. juni 1944" are read.
    from datetime import date

    for text in ("født 23.06.1944", "born 23/6/1944", "1944-06-23", "d. 23. juni 1944"):
        assert date(1944, 6, 23) in identity.claims_from(text).birth_dates, text


@pytest.mark.parametrize(("text", "kind"), [
    ("Jeg skriver på vegne af min mor, Karen Jensen.", "other"),
    ("Jeg skriver paa vegne af min far.", "other"),
    ("Som advokat for Jens Hansen anmoder vi om indsigt.", "lawyer"),
    ("We act for our client, Mr Hansen.", "lawyer"),
    ("Jeg er værge for min bror, der ikke selv kan.", "guardian"),
    ("Boet efter afdøde Hans Petersen ønsker indsigt.", "estate"),
    ("Ich schreibe im Auftrag meiner Mutter.", "other"),
    ("Send mig mine egne oplysninger.", None),
])
def test_representatives_are_recognised(text: str, kind: str | None) -> None:
    # ID-8: who writes for someone else, in the languages people write in, without æøå too.
    assert identity.representative(text) == kind


def test_authority_and_id_documents_by_file_name() -> None:
    # A power of attorney is recognised for an agent to check; ID documents are flagged (ID-5).
    assert identity.authority_document(["Fuldmagt underskrevet.pdf"])
    assert identity.authority_document(["power_of_attorney.pdf"])
    assert not identity.authority_document(["faktura.pdf"])
    assert identity.id_documents(["pas.jpg", "kørekort.png", "compass.pdf", "Passport.pdf"]) == [
        "pas.jpg", "kørekort.png", "Passport.pdf"]
