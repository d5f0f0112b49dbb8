"""Deterministic fake clients and cases for the demo data set and the import benchmark."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from intake_bot.normalize import fold

# Fixed, not date.today(): the committed demo files must not change from one day to the next.
_OPENED_FIRST = date(2023, 1, 2)
_OPENED_LAST = date(2026, 10, 30)
_CLOSED_LAST = date(2026, 11, 20)
_BORN_FIRST = date(1938, 1, 1)
_BORN_LAST = date(2006, 12, 31)
_CPR_WEIGHTS = (4, 3, 2, 7, 6, 5)  # the date digits; then 4, 3, 2 and the check digit 1
_ODD, _EVEN = (1, 3, 5, 7, 9), (0, 2, 4, 6, 8)

_DK_MALE = ("Søren", "Bjørn", "Mads", "Jens", "Lars", "Niels", "Anders", "Rasmus", "Mikkel",
            "Frederik", "Jørgen", "Henrik", "Morten", "Kasper", "Thomas", "Peter", "Ole",
            "Torben", "Jørn", "Kåre", "Asbjørn", "Aage", "Bjarke", "Hans Christian", "Jens Peter",
            "Karl-Johan")
_DK_FEMALE = ("Mette", "Anne", "Hanne", "Lone", "Pia", "Camilla", "Sofie", "Ida", "Freja",
              "Signe", "Karen", "Kirsten", "Birgitte", "Bodil", "Åse", "Grethe", "Sørine",
              "Dorthe", "Tove", "Solvej", "Anne Marie", "Mai-Britt", "Lise-Lotte", "Ann-Sofie")
_DK_SURNAMES = ("Hansen", "Jensen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen",
                "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
                "Thomsen", "Poulsen", "Møller", "Mortensen", "Kjærgaard", "Aagaard",
                "Østergaard", "Brøndum", "Søndergaard", "Nørgaard", "Kjær", "Bækgaard", "Holm",
                "Frølund", "Vestergaard", "Bøgh", "Lykke", "Dalsgaard")
_DK_MIDDLE = ("Ærø", "Bach", "Skov", "Lund", "Krogh", "Dam", "Friis", "Vinther", "Bøje", "Højer")
_SE_MALE = ("Björn", "Lars", "Anders", "Örjan", "Åke", "Göran", "Erik", "Per-Olof", "Johan")
_SE_FEMALE = ("Karin", "Åsa", "Märta", "Sofia", "Ingrid", "Linnéa", "Maria", "Annika")
_SE_SURNAMES = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Lindström", "Åkesson",
                "Öberg", "Sjöberg", "Ström", "Bergqvist", "Hägglund", "Lindqvist")
_DE_MALE = ("Jürgen", "Günter", "Jörg", "Lukas", "Stefan", "Uwe", "Sönke", "Klaus")
_DE_FEMALE = ("Anna", "Käthe", "Birgit", "Ursula", "Sabine", "Jördis", "Heike")
_DE_SURNAMES = ("Müller", "Schmidt", "Schröder", "Weiß", "Köhler", "Meyer", "Schäfer", "Groß",
                "Hoffmann", "Jäger", "Krüger", "Fuchs")

_DK_STREETS = ("Vestergade", "Nørregade", "Østergade", "Søndergade", "Strandvejen", "Kongevejen",
               "Bøgevej", "Egevej", "Skovvej", "Møllevej", "Kærvej", "Ågade", "Ørstedsvej",
               "Frederiksberg Allé", "H.C. Andersens Boulevard", "Åboulevarden", "Præstøgade",
               "Jægersborg Allé", "Fælledvej", "Rådhusstræde", "Læderstræde", "Tværgade",
               "Lærkevej", "Gl. Kongevej", "Sankt Hans Gade", "Ærøgade")
_DK_TOWNS = (("8000", "Aarhus C"), ("1050", "København K"), ("2100", "København Ø"),
             ("2200", "København N"), ("2300", "København S"), ("5000", "Odense C"),
             ("9000", "Aalborg"), ("6700", "Esbjerg"), ("7100", "Vejle"), ("8600", "Silkeborg"),
             ("4000", "Roskilde"), ("3000", "Helsingør"), ("8900", "Randers"), ("6000", "Kolding"),
             ("2800", "Kongens Lyngby"), ("4700", "Næstved"), ("9800", "Hjørring"),
             ("5970", "Ærøskøbing"), ("3700", "Rønne"), ("6200", "Aabenraa"), ("8700", "Horsens"))
_SE_STREETS = ("Storgatan", "Drottninggatan", "Kungsgatan", "Södra Förstadsgatan",
               "Västra Hamngatan", "Östra Storgatan", "Sveavägen", "Linnégatan")
_SE_TOWNS = (("211", "Malmö"), ("411", "Göteborg"), ("113", "Stockholm"), ("222", "Lund"),
             ("252", "Helsingborg"), ("753", "Uppsala"))
_DE_STREETS = ("Hauptstraße", "Bahnhofstraße", "Schloßstraße", "Gartenstraße", "Mühlenweg",
               "Lindenallee", "Königstraße", "Große Straße")
_DE_TOWNS = (("20095", "Hamburg"), ("24937", "Flensburg"), ("24103", "Kiel"), ("10115", "Berlin"),
             ("23552", "Lübeck"), ("25813", "Husum"))

# Mobile ranges that phonenumbers' metadata calls valid, as (prefix, digits that follow).
_DK_MOBILE = ("20", "21", "22", "23", "24", "25", "29", "30", "31", "40", "41", "42", "50",
              "51", "52", "53", "60", "61", "71", "81", "91", "93")
_SE_MOBILE = ("70", "72", "73", "76", "79")
_DE_MOBILE = (("151", 8), ("152", 8), ("157", 8), ("160", 7), ("170", 7), ("171", 7),
              ("172", 7), ("175", 7), ("176", 8), ("177", 8), ("178", 8), ("179", 8))
_MAIL_DOMAINS = {"DK": ("gmail.com", "hotmail.com", "outlook.dk", "mail.dk", "live.dk",
                        "yahoo.dk", "stofanet.dk"),
                 "SE": ("gmail.com", "telia.com", "hotmail.se"),
                 "DE": ("gmx.de", "web.de", "t-online.de", "gmail.com")}
_MAIL_TAGS = ("bank", "regninger", "shop")

_CLIENTS = (("Fjordbyg ApS", "DK"), ("Nordlys Energi A/S", "DK"), ("Skovly Fitness ApS", "DK"),
            ("Havblik Telecom A/S", "DK"), ("Bøgely Boligudlejning ApS", "DK"),
            ("Østjysk Tandklinik ApS", "DK"), ("Kærgaard VVS ApS", "DK"),
            ("Öresund El AB", "SE"), ("Lyngby Netbutik ApS", "DK"), ("Ærø Cykler ApS", "DK"),
            ("Solstrand Camping ApS", "DK"), ("Møllegården Dyrlæger I/S", "DK"),
            ("Nordsee Versand GmbH", "DE"), ("Vesterhav Forsikring A/S", "DK"),
            ("Åbyhøj Auto ApS", "DK"), ("Grønne Hjem Rengøring ApS", "DK"),
            ("Skånska Gym AB", "SE"), ("Storebælt Vinduer A/S", "DK"),
            ("Frydenlund Optik ApS", "DK"), ("Nørrebro Cykler ApS", "DK"))
_CLIENT_STEMS = ("Nord", "Syd", "Øst", "Vest", "Fjord", "Skov", "Sø", "Strand", "Eng", "Bøge")
_CLIENT_TRADES = ("byg", "data", "energi", "handel", "service", "tekstil", "bolig", "auto")
_LEGAL_FORMS = {"ApS", "A/S", "I/S", "AB", "GmbH"}


@lru_cache(maxsize=1024)
def _fold_word(word: str) -> tuple[str, str]:
    """A name word for an e-mail local part, spelled "soeren" and "soren" (fold is slow)."""
    long = fold(word).replace(" ", "")
    return long, long.replace("oe", "o").replace("aa", "a").replace("ae", "a")


def _mail_names(name: str, short: bool) -> tuple[str, str]:
    words = name.replace("-", " ").split()
    return _fold_word(words[0])[short], _fold_word(words[-1])[short]


_T = TypeVar("_T")


# random.choice/randint go through getrandbits and dominate the 100,000-case benchmark;
# scaling one random() call is several times cheaper and just as deterministic.
def _pick(rng: random.Random, options: Sequence[_T]) -> _T:
    return options[int(rng.random() * len(options))]


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _digits(rng: random.Random, width: int) -> str:
    return f"{int(rng.random() * 10**width):0{width}d}"


def _day(rng: random.Random, first: date, last: date) -> date:
    return date.fromordinal(_between(rng, first.toordinal(), last.toordinal()))


def _cpr(rng: random.Random, born: date, male: bool, mod11: bool) -> str:
    """A fake CPR for `born`: 7th digit by the century rule, last digit odd for men."""
    yy = born.year % 100
    if born.year < 2000:
        century = "0123" + ("49" if yy >= 37 else "")
    else:
        century = ("49" if yy < 37 else "") + ("5678" if yy < 58 else "")
    head = f"{born.day:02d}{born.month:02d}{yy:02d}"
    head_sum = sum(w * int(d) for w, d in zip(_CPR_WEIGHTS, head))
    parity = _ODD if male else _EVEN
    while True:
        d7, d8, d9 = int(_pick(rng, century)), _between(rng, 0, 9), _between(rng, 0, 9)
        total = head_sum + 4 * d7 + 3 * d8 + 2 * d9
        first9 = f"{head}{d7}{d8}{d9}"
        if mod11:
            last = -total % 11
            if last in parity:
                return f"{first9}{last}"
        else:
            # Issued since 2007 without a valid check digit; ID-6 says accept them.
            failing = [d for d in parity if (total + d) % 11]
            return f"{first9}{_pick(rng, failing)}"


class _Maker:
    """Holds the random source and the values already handed out, so ids stay unique."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()
        self.people: list[dict[str, Any]] = []

    def unique(self, make: Callable[[], str]) -> str:
        while True:
            value: str = make()
            if value not in self.used:
                self.used.add(value)
                return value

    def phone(self, country: str) -> str:
        rng = self.rng
        if country == "SE":
            return self.unique(lambda: f"+46{_pick(rng, _SE_MOBILE)}{_digits(rng, 7)}")
        if country == "DE":
            prefix, width = _pick(rng, _DE_MOBILE)
            return self.unique(lambda: f"+49{prefix}{_digits(rng, width)}")
        return self.unique(
            lambda: f"+45{_pick(rng, _DK_MOBILE)}{_between(rng, 1, 9)}{_digits(rng, 5)}"
        )

    def email(self, name: str, born: date, country: str) -> str:
        rng = self.rng
        # People write "soren" as often as "soeren".
        first, last = _mail_names(name, rng.random() < 0.5)
        year = f"{born.year % 100:02d}"
        local = _pick(rng, (f"{first}.{last}", f"{first}{last}{year}", f"{first[0]}{last}",
                            f"{first}_{last}", f"{first}{year}"))
        tag = "+" + _pick(rng, _MAIL_TAGS) if rng.random() < 0.05 else ""
        domain = _pick(rng, _MAIL_DOMAINS[country])
        address = f"{local}{tag}@{domain}"
        if address in self.used:  # taken by another person: add digits, as mail services do
            address = self.unique(lambda: f"{local}{_between(rng, 2, 999)}{tag}@{domain}")
        self.used.add(address)
        if rng.random() < 0.03:
            return address[0].upper() + address[1:]  # files hold what debtors typed
        return address

    def address(self, country: str) -> dict[str, str]:
        rng = self.rng
        number = _between(rng, 1, 140)
        if country == "SE":
            prefix, city = _pick(rng, _SE_TOWNS)
            letter = _pick(rng, ("", "", "", " A", " B"))
            street = f"{_pick(rng, _SE_STREETS)} {number}{letter}"
            return {"street": street, "postcode": f"{prefix} {_between(rng, 10, 99)}",
                    "city": city, "country": "SE"}
        if country == "DE":
            postcode, city = _pick(rng, _DE_TOWNS)
            street = f"{_pick(rng, _DE_STREETS)} {number}{_pick(rng, ('', '', '', 'a', 'b'))}"
            return {"street": street, "postcode": postcode, "city": city, "country": "DE"}
        postcode, city = _pick(rng, _DK_TOWNS)
        street = f"{_pick(rng, _DK_STREETS)} {number}{_pick(rng, ('',) * 9 + ('B',))}"
        flat = rng.random()
        if flat < 0.45:
            floor = _pick(rng, ("st.", "1.", "2.", "3.", "4."))
            street += f", {floor} {_pick(rng, ('tv', 'th', 'mf'))}"
        elif flat < 0.5:
            street += ", st."
        return {"street": street, "postcode": postcode, "city": city, "country": "DK"}

    def name(self, country: str, male: bool, surname: str | None) -> str:
        rng = self.rng
        surnames: Sequence[str]
        if country == "SE":
            first, surnames = _pick(rng, _SE_MALE if male else _SE_FEMALE), _SE_SURNAMES
        elif country == "DE":
            first, surnames = _pick(rng, _DE_MALE if male else _DE_FEMALE), _DE_SURNAMES
        else:
            first, surnames = _pick(rng, _DK_MALE if male else _DK_FEMALE), _DK_SURNAMES
            if rng.random() < 0.15:
                first += " " + _pick(rng, _DK_MIDDLE)
        if surname is None:
            surname = _pick(rng, surnames)
            if country == "DK" and rng.random() < 0.06:
                surname = f"{_pick(rng, surnames)}-{surname}"
        return f"{first} {surname}"

    def person(self, *, like: dict[str, Any] | None = None, cpr: bool | None = None,
               contacts: bool = False, home: dict[str, str] | None = None,
               surname: str | None = None) -> dict[str, Any]:
        """A new person, named like `like` if given (a homonym); `cpr` and `contacts` force
        the identifiers the scripted cases rely on; `home` and `surname` make a spouse."""
        rng = self.rng
        roll = rng.random()
        country = "SE" if roll < 0.05 else "DE" if roll < 0.08 else "DK"
        if home is not None:
            country = home["country"]
        if cpr:
            country = "DK"
        name: str | None = None
        if like is not None:
            name, country = like["name"], like["address"]["country"]
        male = rng.random() < 0.5
        name = name or self.name(country, male, surname)
        born = _day(rng, _BORN_FIRST, _BORN_LAST)
        number: str | None = None
        if country == "DK" and (cpr if cpr is not None else rng.random() < 0.7):
            number = self.unique(lambda: _cpr(rng, born, male, rng.random() >= 0.1))
        show_born = contacts or rng.random() < (0.5 if number else 0.7)
        n_mail = 1 if contacts else _pick(rng, (0, 1, 1, 1, 2))
        n_phone = 1 if contacts else _pick(rng, (0, 1, 1, 1, 2))
        phone_land = country if rng.random() < 0.8 else "DK"
        person = {
            "name": name, "cpr": number,
            "birth_date": born.isoformat() if show_born else None,
            "emails": [self.email(name, born, country) for _ in range(n_mail)],
            "phones": [self.phone(phone_land) for _ in range(n_phone)],
            "address": dict(home) if home else self.address(country),
        }
        self.people.append(person)
        return person


def _on_case(person: dict[str, Any], role: str) -> dict[str, Any]:
    # Fresh containers per case, so a consumer mutating one case cannot change another.
    return {"role": role, "name": person["name"], "cpr": person["cpr"],
            "birth_date": person["birth_date"], "emails": list(person["emails"]),
            "phones": list(person["phones"]), "address": dict(person["address"])}


def _cvr(rng: random.Random) -> str:
    while True:
        first7 = f"{_between(rng, 1, 9)}{_digits(rng, 6)}"
        last = -sum(w * int(d) for w, d in zip((2, 7, 6, 5, 4, 3, 2), first7)) % 11
        if last < 10:
            return f"{first7}{last}"


def generate_clients(n: int = 20, seed: int = 1) -> list[dict[str, Any]]:
    """Return `n` fake clients (sellers) in SPEC §4 form with ids C1001, C1002, ...."""
    maker = _Maker(seed)
    rng = maker.rng
    names = list(_CLIENTS)
    while len(names) < n:
        base = f"{_pick(rng, _CLIENT_STEMS)}{_pick(rng, _CLIENT_TRADES)}"
        name = f"{base} {_pick(rng, ('ApS', 'A/S'))}"
        if any(name == taken for taken, _ in names):
            name = f"{base} {len(names)} ApS"
        names.append((name, "DK"))
    clients = []
    for index, (name, country) in enumerate(names[:n]):
        words = [w for w in name.split() if w not in _LEGAL_FORMS]
        domain = fold(" ".join(words)).replace(" ", "") + "." + country.lower()
        address = maker.address(country)
        clients.append({
            "client_id": f"C{1001 + index}", "name": name, "cvr": maker.unique(lambda: _cvr(rng)),
            "email": f"{_pick(rng, ('kontakt', 'info', 'kundeservice'))}@{domain}",
            "phone": maker.phone(country), **address,
            "privacy_contact": f"{_pick(rng, ('privacy', 'gdpr', 'dpo'))}@{domain}",
        })
    return clients


def _stage(rng: random.Random) -> str:
    roll = rng.random()
    return "invoice" if roll < 0.40 else "collection" if roll < 0.85 else "closed"


def _persons(maker: _Maker, index: int) -> list[tuple[str, dict[str, Any]]]:
    """The people on case `index`: scripted for the first five, random after that."""
    people, rng = maker.people, maker.rng
    if index == 0:
        return [("debtor", maker.person(cpr=True, contacts=True))]
    if index == 1:  # the first debtor again: one person on an invoice and a collection case
        return [("debtor", people[0]), ("co_debtor", maker.person())]
    if index in (2, 3):  # homonyms: two different people called Mette Hansen
        mette = {"name": "Mette Hansen", "address": {"country": "DK"}}
        return [("debtor", maker.person(like=mette, cpr=index == 2, contacts=True))]
    if index == 4:
        return [("debtor", maker.person()), ("guarantor", people[0])]
    if rng.random() < 0.06:
        debtor = _pick(rng, people)
    else:
        debtor = maker.person(like=_pick(rng, people) if rng.random() < 0.01 else None)
    persons = [("debtor", debtor)]
    if rng.random() < 0.15:
        # Usually a spouse: same home, often the same surname, so only the first name differs.
        home = debtor["address"] if rng.random() < 0.7 else None
        surname = debtor["name"].split()[-1] if home and rng.random() < 0.5 else None
        persons.append(("co_debtor", maker.person(home=home, surname=surname)))
    if rng.random() < 0.08:
        again = _pick(rng, people) if rng.random() < 0.2 else None
        if again is None or any(again is p for _, p in persons):
            again = maker.person()
        persons.append(("guarantor", again))
    return persons


_SCRIPTED_STAGES = ("invoice", "collection", "collection", "invoice", "closed")


def generate_cases(n: int, clients: Sequence[dict[str, Any]], seed: int = 1,
                   start_number: int = 4400000) -> Iterator[dict[str, Any]]:
    """Yield `n` fake cases in SPEC §4 form, with repeat debtors and homonyms among them."""
    client_ids = [c["client_id"] for c in clients]
    if n > 0 and not client_ids:
        raise ValueError("cases need at least one client")
    maker = _Maker(seed)
    rng = maker.rng
    number = start_number
    for index in range(n):
        if not 10**6 <= number < 10**7:
            raise ValueError("case numbers ran out of seven digits")
        stage = _SCRIPTED_STAGES[index] if index < len(_SCRIPTED_STAGES) else _stage(rng)
        opened = _day(rng, _OPENED_FIRST, _OPENED_LAST)
        case: dict[str, Any] = {
            "case_number": str(number), "stage": stage, "client_id": _pick(rng, client_ids),
            "opened_at": opened.isoformat(), "closed_at": None,
        }
        if stage == "closed":
            closed = min(opened + timedelta(days=_between(rng, 20, 600)), _CLOSED_LAST)
            case["closed_at"] = closed.isoformat()
            case["closed_from_stage"] = "invoice" if rng.random() < 0.4 else "collection"
        case["persons"] = [_on_case(person, role) for role, person in _persons(maker, index)]
        yield case
        number += _between(rng, 1, 9)


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_demo(directory: Path, n_cases: int = 200, n_clients: int = 20, seed: int = 1) -> None:
    """Write `clients.jsonl` and `cases.jsonl` for the demo set into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    clients = generate_clients(n_clients, seed)
    _write_jsonl(directory / "clients.jsonl", clients)
    _write_jsonl(directory / "cases.jsonl", generate_cases(n_cases, clients, seed))


if __name__ == "__main__":
    write_demo(Path("config/demo"))
