"""Rule-based entities, with CPR numbers only ever masked."""

from __future__ import annotations

import pytest

from intake_bot.nlp.entities import build_entity_pipeline, entities_of


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    return build_entity_pipeline()


@pytest.mark.parametrize("text,expected", [
    ("Mit sagsnr. er 4417823", [("CASE_NUMBER", "4417823")]),
    ("my case number is 4417823", [("CASE_NUMBER", "4417823")]),
    ("Aktenzeichen: 5512345", [("CASE_NUMBER", "5512345")]),
    ("faktura F-2026-18842 fra Fitness", [("INVOICE_NUMBER", "F-2026-18842")]),
    ("fakturanr.: 88123455", [("INVOICE_NUMBER", "88123455")]),
    ("CPR 120385-1234", [("CPR", "120385-XXXX")]),
    ("cpr 1203851234", [("CPR", "120385-XXXX")]),
    ("ring på 20 30 40 50", [("PHONE", "+4520304050")]),
    ("ring +46 70 123 45 67", [("PHONE", "+46701234567")]),
    ("mail jens@example.dk", [("EMAIL", "jens@example.dk")]),
    ("betalt 1.245,50 kr. den 12. marts 2026",
     [("AMOUNT", "1.245,50 kr."), ("DATE", "12. marts 2026")]),
    ("Betrag 49,99 EUR vom 2026-03-01", [("AMOUNT", "49,99 EUR"), ("DATE", "2026-03-01")]),
])
def test_entities(nlp, text: str, expected: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    # Each kind of entity is found with the text an agent needs.
    assert [(e.label, e.text) for e in entities_of(nlp(text))] == expected


def test_impossible_cpr_is_not_a_cpr(nlp) -> None:  # type: ignore[no-untyped-def]
    # Ten digits whose date part is impossible are not reported as a CPR number.
    assert all(e.label != "CPR" for e in entities_of(nlp("nummer 3213851234")))


def test_cpr_digits_never_leave(nlp) -> None:  # type: ignore[no-untyped-def]
    # No output field carries the last four digits of a CPR number.
    out = entities_of(nlp("Mit cpr-nr. er 120385-1234 og sag 4417823"))
    assert "1234" not in repr(out) and "120385-XXXX" in repr(out)
