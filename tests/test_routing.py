"""Controller routing, RULES §3.1, row by row, and the handlers' plans for each request type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import handlers
from handlers.base import HandlerContext
from intake_bot import identity, pipeline
from intake_bot.nlp.classifier import Classification
from intake_bot.policy import load_policy
from intake_bot.replies import Templates
from intake_bot.settings import load_settings
from tests.conftest import REPO

POLICY = load_policy()
TEMPLATES = Templates(REPO / "config" / "replies", "en")


def _person(pid: int, stage: str, number: str, closed_from: str | None = None,
            client: int = 1) -> identity.Person:
    return identity.Person(
        id=pid, case_id=pid, case_number=number, stage=stage, closed_from_stage=closed_from,
        client_pk=client, first="mette", last="hansen", name_key="hansen mette",
        cpr_hash="h", birth_date=None, street_key=None, postcode=None)


def _item(subject_type: str, persons: tuple[identity.Person, ...] = (),
          numbers: frozenset[str] = frozenset(), candidates: tuple[identity.Person, ...] = (),
          gdpr: bool = True) -> pipeline.Intake:
    item = pipeline.Intake(inbound_id=1, channel="email", received_at=datetime.now(UTC), raw=b"")
    item.classification = Classification(
        rights=("access",) if gdpr else (), subject_type=subject_type, gdpr_related=gdpr,
        language="da", scores={}, needs_review=False)
    item.claims = identity.Claims(numbers=numbers)
    item.candidates = candidates or persons
    item.verification = identity.Verification("verified" if persons else "no_match", persons)
    return item


ROWS: list[tuple[str, Any, str, list[str]]] = [
    # debtor with a collection case → the company handles it
    ("debtor", (_person(1, "collection", "4400011"),), "company", []),
    # invoice recipient with an invoice case → the seller is controller
    ("invoice_recipient", (_person(2, "invoice", "4400017"),), "seller", []),
    # the same person on an invoice and a collection case → company, plus a forward for the rest
    ("debtor", (_person(3, "collection", "4400003"), _person(4, "invoice", "4400000")),
     "company", ["also an invoice case: forward that part to the seller"]),
    # a closed case follows the stage it closed from
    ("debtor", (_person(5, "closed", "4400085", "collection"),), "company", []),
    ("debtor", (_person(6, "closed", "4400105", "invoice"),), "seller", []),
    # a closed case without closed_from_stage: an agent decides
    ("debtor", (_person(7, "closed", "4400999"),), "undetermined",
     ["closed case without closed_from_stage"]),
    # survey participants and business contacts: the company
    ("survey_participant", (), "company", []),
    ("business_contact", (), "company", []),
    # unknown and nothing matched: never guess a controller
    ("unknown", (), "undetermined", []),
]


@pytest.mark.parametrize(("subject_type", "persons", "controller", "reasons"), ROWS)
async def test_routing_rows(subject_type: str, persons: tuple[identity.Person, ...],
                            controller: str, reasons: list[str]) -> None:
    # Each row of RULES §3.1 gives its controller (and the agent's note where one is due).
    item = _item(subject_type, persons)
    ctx = pipeline.StepContext(None, load_settings(environ={}), None, TEMPLATES, POLICY)
    await pipeline.route(ctx, item)
    assert item.controller == controller
    assert item.review_reasons == reasons


async def test_a_supplied_invoice_number_links_the_seller_without_verification() -> None:
    # P-2: an unverified requester naming an invoice-stage case number is routed to its seller,
    # and a number matching two sellers' cases links neither.
    one = _person(8, "invoice", "4400017", client=6)
    item = _item("unknown", (), numbers=frozenset({"4400017"}), candidates=(one,))
    ctx = pipeline.StepContext(None, load_settings(environ={}), None, TEMPLATES, POLICY)
    await pipeline.route(ctx, item)
    assert item.controller == "seller"
    two = _person(9, "invoice", "4400018", client=7)
    item = _item("unknown", (), numbers=frozenset({"4400017", "4400018"}),
                 candidates=(one, two))
    assert identity.seller_link(item.candidates, item.claims) is None


def _ctx(**kw: Any) -> HandlerContext:
    base: dict[str, Any] = dict(
        rights=(), subject_type="debtor", controller="company", verification="verified",
        missing_factor=None, stages=frozenset({"collection"}), has_seller_link=False,
        language="da", policy=POLICY)
    return HandlerContext(**{**base, **kw})


def test_every_request_type_has_a_handler_with_the_same_interface() -> None:
    # One module per request type (SPEC §1 rights, the seller redirect, the not-GDPR hand-off).
    rights = {"information", "access", "rectification", "erasure", "restriction",
              "portability", "objection", "automated_decision", "consent_withdrawal",
              "complaint"}
    assert set(handlers.REGISTRY) == rights | {"seller_redirect", "not_gdpr"}
    for name, handler in handlers.REGISTRY.items():
        outcome = handler.handle(_ctx(rights=(name,)))
        assert outcome.right == name and outcome.rules and outcome.checklist


@pytest.mark.parametrize(("right", "verification", "expected"), [
    ("access", "partial", ["ask_identity:K4"]),
    ("access", "no_match", ["ask_identity:no_match"]),
    ("access", "verified", []),
    ("erasure", "ambiguous", ["ask_identity:K4"]),
    ("information", "no_match", ["answer_information:"]),  # nothing personal: answered (R-INF)
    ("complaint", "no_match", []),
    ("consent_withdrawal", "no_match", ["suppress_contact:survey"]),  # ID-7
    ("automated_decision", "partial", []),  # always to a supervisor (R-ADM)
])
def test_immediate_actions_follow_id7(right: str, verification: str,
                                      expected: list[str]) -> None:
    # Rights that disclose or change data ask for one identity factor first; protective ones act.
    ctx = _ctx(rights=(right,), verification=verification,
               missing_factor=None if verification == "no_match" else "K4")
    [outcome] = handlers.plan(ctx, gdpr_related=True)
    assert [f"{a.kind}:{a.detail}" for a in outcome.actions] == expected


def test_erasure_during_active_collection_cites_art_17_3() -> None:
    # An open collection case: the draft refuses erasure of what the claim needs (Art. 17(3)(e)).
    [outcome] = handlers.plan(_ctx(rights=("erasure",)), gdpr_related=True)
    assert "17(3)(e)" in outcome.draft and "R-ERA" in outcome.rules
    [closed] = handlers.plan(_ctx(rights=("erasure",), stages=frozenset({"closed"})), True)
    assert "17(3)(e)" not in closed.draft


def test_seller_and_not_gdpr_take_precedence() -> None:
    # The seller as controller gets the redirect (and forward only with a link); a non-GDPR
    # message is handed to case handling.
    [seller] = handlers.plan(_ctx(rights=("access",), controller="seller"), True)
    assert [a.kind for a in seller.actions] == ["redirect_to_seller"]
    [linked] = handlers.plan(_ctx(rights=("access",), controller="seller",
                                  has_seller_link=True), True)
    assert [a.kind for a in linked.actions] == ["redirect_to_seller", "forward_to_seller"]
    [other] = handlers.plan(_ctx(rights=()), gdpr_related=False)
    assert other.right == "not_gdpr"


def test_complaint_and_information_drafts_name_datatilsynet() -> None:
    # R-CPL and R-INF: the supervisory authority's contact details come from config/policy.toml.
    for right in ("complaint", "information"):
        [outcome] = handlers.plan(_ctx(rights=(right,)), True)
        assert "Carl Jacobsens Vej 35, 2500 Valby" in outcome.draft
