"""Tests for the deterministic demo and benchmark data generator in intake_bot.demo."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from stdnum.dk import cvr

from intake_bot import normalize
from intake_bot.demo import generate_cases, generate_clients, write_demo

DEMO_DIR = Path(__file__).resolve().parent.parent / "config" / "demo"
N = 10_000

Case = dict[str, Any]


@pytest.fixture(scope="module")
def clients() -> list[dict[str, Any]]:
    return generate_clients()


@pytest.fixture(scope="module")
def cases(clients: list[dict[str, Any]]) -> list[Case]:
    return list(generate_cases(N, clients))


@pytest.fixture(scope="module")
def persons(cases: list[Case]) -> list[dict[str, Any]]:
    return [p for case in cases for p in case["persons"]]


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_same_seed_same_output(clients: list[dict[str, Any]], cases: list[Case]) -> None:
    # The generator is deterministic: the same seed gives identical clients and cases.
    assert generate_clients() == clients
    assert list(generate_cases(500, clients)) == cases[:500]


def test_other_seed_other_output(clients: list[dict[str, Any]], cases: list[Case]) -> None:
    # A different seed gives different data.
    assert list(generate_cases(50, clients, seed=2)) != cases[:50]
    assert generate_clients(seed=2) != clients


def test_case_numbers_unique_seven_digits(cases: list[Case]) -> None:
    # Case numbers are unique 7-digit strings starting at start_number.
    numbers = [c["case_number"] for c in cases]
    assert len(set(numbers)) == N
    assert all(re.fullmatch(r"[0-9]{7}", n) for n in numbers)
    assert numbers[0] == "4400000"


def test_case_numbers_run_out() -> None:
    # A start number that would leave seven digits is refused instead of producing 8 digits.
    with pytest.raises(ValueError, match="seven digits"):
        list(generate_cases(5, [{"client_id": "C1"}], start_number=9_999_998))


def test_cases_need_clients() -> None:
    # Cases cannot be generated without a client to point to.
    with pytest.raises(ValueError, match="client"):
        next(generate_cases(1, []))


def test_stages(cases: list[Case]) -> None:
    # Stages come out roughly 40/45/15 %, and only closed cases carry closing data.
    share = {k: v / N for k, v in Counter(c["stage"] for c in cases).items()}
    assert share.keys() == {"invoice", "collection", "closed"}
    assert share["invoice"] == pytest.approx(0.40, abs=0.03)
    assert share["collection"] == pytest.approx(0.45, abs=0.03)
    assert share["closed"] == pytest.approx(0.15, abs=0.03)
    for case in cases:
        assert "2023-01-01" <= case["opened_at"] <= "2026-12-31"
        if case["stage"] == "closed":
            assert case["closed_at"] >= case["opened_at"]
            assert case["closed_from_stage"] in {"invoice", "collection"}
        else:
            assert case["closed_at"] is None and "closed_from_stage" not in case


def test_roles(cases: list[Case]) -> None:
    # Every case has one debtor; co-debtors (~15 %) and guarantors (~8 %) appear too.
    for case in cases:
        assert [p["role"] for p in case["persons"]].count("debtor") == 1
    roles = Counter(p["role"] for case in cases for p in case["persons"])
    assert roles["co_debtor"] / N == pytest.approx(0.15, abs=0.03)
    assert roles["guarantor"] / N == pytest.approx(0.08, abs=0.03)


def test_danish_letters(persons: list[dict[str, Any]]) -> None:
    # Names and streets carry æ, ø and å, and some names are double or hyphenated.
    names = " ".join(p["name"] for p in persons)
    streets = " ".join(p["address"]["street"] for p in persons)
    for letter in "æøåÆØÅ":
        assert letter in names + streets
    assert any("-" in p["name"].split()[-1] for p in persons)
    assert any(len(p["name"].split()) > 2 for p in persons)


def test_countries(persons: list[dict[str, Any]]) -> None:
    # About 5 % of persons live in Sweden and 3 % in Germany, with local address formats.
    by_country = Counter(p["address"]["country"] for p in persons)
    assert by_country.keys() == {"DK", "SE", "DE"}
    assert by_country["SE"] / len(persons) == pytest.approx(0.05, abs=0.02)
    assert by_country["DE"] / len(persons) == pytest.approx(0.03, abs=0.02)
    for p in persons:
        address = p["address"]
        pattern = {"DK": r"[0-9]{4}", "SE": r"[0-9]{3} [0-9]{2}", "DE": r"[0-9]{5}"}
        assert re.fullmatch(pattern[address["country"]], address["postcode"])
        assert normalize.street_key(address["street"])[1] is not None
        if address["country"] != "DK":
            assert p["cpr"] is None
    assert any("straße" in p["address"]["street"] for p in persons)


def test_cprs_parse_and_match_birth_date(persons: list[dict[str, Any]]) -> None:
    # Every CPR parses, matches birth_date when both are given; some fail modulus 11.
    danish = [p for p in persons if p["address"]["country"] == "DK"]
    with_cpr = [p for p in danish if p["cpr"]]
    assert len(with_cpr) / len(danish) == pytest.approx(0.70, abs=0.05)
    mod11: Counter[bool] = Counter()
    for p in with_cpr:
        assert re.fullmatch(r"[0-9]{10}", p["cpr"])
        parsed = normalize.parse_cpr(p["cpr"])
        mod11[parsed.mod11_ok] += 1
        if p["birth_date"]:
            assert parsed.birth_date.isoformat() == p["birth_date"]
    assert mod11[True] > mod11[False] > 0
    assert any(p["cpr"] is None and p["birth_date"] for p in persons)
    assert any(p["cpr"] is None and p["birth_date"] is None for p in persons)


def test_phones_are_e164(persons: list[dict[str, Any]]) -> None:
    # Every phone is already E.164, valid in the metadata, from DK, SE or DE.
    prefixes: Counter[str] = Counter()
    for phone in (ph for p in persons for ph in p["phones"]):
        assert normalize.phone_e164(phone) == phone
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone))
        prefixes[phone[:3]] += 1
    assert prefixes.keys() == {"+45", "+46", "+49"}
    assert any(len(p["phones"]) == 2 for p in persons)
    assert any(not p["phones"] for p in persons)


def test_emails_are_addresses(persons: list[dict[str, Any]]) -> None:
    # Every e-mail passes normalize.email; some have +tags or capitals, as debtors type them.
    emails = [e for p in persons for e in p["emails"]]
    for address in emails:
        assert normalize.email(address) == address.lower()
        assert address.isascii()
    assert any("+" in e for e in emails)
    assert any(e != e.lower() for e in emails)


def test_people_repeat_across_cases(cases: list[Case]) -> None:
    # The same person (name, CPR, e-mails) appears on several cases, incl. invoice and collection.
    stages: dict[str, set[str]] = {}
    for case in cases:
        for p in case["persons"]:
            if p["cpr"]:
                stages.setdefault(p["cpr"], set()).add(case["stage"])
    repeated = [s for s in stages.values() if len(s) > 1]
    assert len(repeated) > 100
    assert any({"invoice", "collection"} <= s for s in repeated)


def test_repeated_person_is_identical_but_not_shared(cases: list[Case]) -> None:
    # A repeated person has the same data on each case, in fresh containers per case.
    first, second = cases[0]["persons"][0], cases[1]["persons"][0]
    assert (cases[0]["stage"], cases[1]["stage"]) == ("invoice", "collection")
    assert first == second
    assert first["emails"] is not second["emails"]
    assert first["address"] is not second["address"]


def test_homonyms(cases: list[Case]) -> None:
    # Different people share a name, e.g. two Mette Hansens with different birth dates.
    people: dict[str, set[tuple[Any, ...]]] = {}
    for p in (p for case in cases for p in case["persons"]):
        identity = (p["cpr"], p["birth_date"], p["address"]["street"], tuple(p["emails"]))
        people.setdefault(p["name"], set()).add(identity)
    assert len(people["Mette Hansen"]) >= 2
    mettes = [c["persons"][0] for c in cases[2:4]]
    assert [m["name"] for m in mettes] == ["Mette Hansen", "Mette Hansen"]
    assert mettes[0]["birth_date"] != mettes[1]["birth_date"]
    assert mettes[0]["address"] != mettes[1]["address"]


def test_clients(clients: list[dict[str, Any]]) -> None:
    # Clients have SPEC §4 fields, valid unique CVRs, ids C1001.., and reachable contacts.
    assert [c["client_id"] for c in clients] == [f"C{1001 + i}" for i in range(20)]
    assert len({c["cvr"] for c in clients}) == 20
    for client in clients:
        assert client.keys() == {"client_id", "name", "cvr", "email", "phone", "street",
                                 "postcode", "city", "country", "privacy_contact"}
        assert cvr.is_valid(client["cvr"])
        assert normalize.email(client["email"]) == client["email"]
        assert normalize.email(client["privacy_contact"]) == client["privacy_contact"]
        assert normalize.phone_e164(client["phone"]) == client["phone"]
    legal = Counter(c["name"].split()[-1] for c in clients)
    assert legal["AB"] >= 1 and legal["GmbH"] >= 1 and legal["ApS"] + legal["A/S"] >= 15


def test_more_clients_than_the_list() -> None:
    # Asking for many clients still gives unique names and valid CVRs.
    many = generate_clients(150, seed=3)
    assert len({c["name"] for c in many}) == 150
    assert all(cvr.is_valid(c["cvr"]) for c in many)


def test_cases_reference_existing_clients(
    clients: list[dict[str, Any]], cases: list[Case]
) -> None:
    # Every client_id on a case exists, and most clients get cases.
    ids = {c["client_id"] for c in clients}
    used = {c["client_id"] for c in cases}
    assert used == ids


def test_committed_demo_files_are_current(tmp_path: Path) -> None:
    # config/demo is exactly what write_demo produces today, so it cannot drift.
    write_demo(tmp_path)
    for name in ("clients.jsonl", "cases.jsonl"):
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), name


def test_committed_demo_set() -> None:
    # The shipped demo set has 20 clients, 200 cases, and every referenced client exists.
    demo_clients = _load(DEMO_DIR / "clients.jsonl")
    demo_cases = _load(DEMO_DIR / "cases.jsonl")
    assert (len(demo_clients), len(demo_cases)) == (20, 200)
    assert {c["client_id"] for c in demo_cases} <= {c["client_id"] for c in demo_clients}
    assert {c["stage"] for c in demo_cases} == {"invoice", "collection", "closed"}
    roles = {p["role"] for c in demo_cases for p in c["persons"]}
    assert roles == {"debtor", "co_debtor", "guarantor"}
    countries = {p["address"]["country"] for c in demo_cases for p in c["persons"]}
    assert countries == {"DK", "SE", "DE"}
    assert "ø" in (DEMO_DIR / "cases.jsonl").read_text(encoding="utf-8")  # ensure_ascii=False


def test_generator_is_lazy(clients: list[dict[str, Any]]) -> None:
    # generate_cases yields one case at a time, so a benchmark can stream huge sets.
    first = list(itertools.islice(generate_cases(10**6, clients), 3))
    assert len(first) == 3
