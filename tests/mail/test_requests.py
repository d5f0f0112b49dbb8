"""Requests end to end over the demo data: seller redirect and forward, identity questions, and
attempts to extract personal data (RULES ID-1) from replies and logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from intake_bot import deadlines
from intake_bot.keys import SESSIONS
from intake_bot.serialize import ticket_detail
from intake_bot.store.models import TicketPause, TicketTask
from intake_bot.store.tickets import get_ticket
from tests.helpers.mailflow import inbound, make_mail, outbox, send, settle, sink, tickets
from tests.mail.conftest import StartApp

AiohttpClient = Callable[[web.Application], Any]
# What company records hold about the people the crafted requests aim at (demo data): none of
# it may appear in anything an unverified requester gets.
RECORDS = ("Mette", "Bøgevej", "Bogevej", "3700", "Rønne", "mette93", "mette38", "Kongevejen",
           "Helsingør", "Østjysk Tandklinik", "oestjysktandklinik", "Nordlys", "C1006",
           "C1012", "1993", "1938", "42977052", "50405612", "kr.", "DKK", "4400078",
           "4400128", "4400106")


@pytest.fixture
async def app(start_app: StartApp) -> web.Application:
    return await start_app(nlp=True, demo_load="true")


async def test_invoice_recipient_is_redirected_and_forwarded_to_the_seller(
    app: web.Application,
) -> None:
    # A verified invoice recipient: the reply names the seller and its privacy contact (P-4),
    # the request goes to that contact (P-3) with a D-30 task, and the ticket is forwarded.
    await send(app, make_mail(
        sender="mette38@yahoo.dk", subject="Faktura 4400017",
        body="Hej. Jeg har faaet en faktura 4400017 fra jer. Hvilke oplysninger har I om mig?"
             "\r\n\r\nMvh Mette Hansen"), sender="mette38@yahoo.dk")
    await settle(app)
    [ticket] = await tickets(app)
    assert ticket.controller == "seller" and ticket.status == "forwarded"
    by_kind = {o.kind: o for o in await outbox(app)}
    assert set(by_kind) == {"seller_redirect", "seller_forward"}
    assert by_kind["seller_redirect"].to_addr == "mette38@yahoo.dk"
    assert "Østjysk Tandklinik ApS" in by_kind["seller_redirect"].body
    assert "privacy@oestjysktandklinik.dk" in by_kind["seller_redirect"].body
    assert by_kind["seller_forward"].to_addr == "privacy@oestjysktandklinik.dk"
    assert "4400017" in by_kind["seller_forward"].body and ticket.ref in by_kind[
        "seller_forward"].body
    assert by_kind["seller_forward"].headers["Auto-Submitted"] == "auto-generated"
    async with app[SESSIONS]() as sess:
        [task] = (await sess.execute(select(TicketTask))).scalars().all()
    assert task.kind == "forward_to_seller"
    assert task.due == deadlines.forward_due(ticket.received_local_date)
    assert task.status == "done"  # the relay took the forward
    assert len(sink(app)) == 2
    async with app[SESSIONS]() as sess:
        detail = await ticket_detail(sess, await get_ticket(sess, ticket.ref))
    assert detail["tasks"] == [{"kind": "forward_to_seller", "due": task.due.isoformat(),
                                "status": "done", "done_at": task.done_at.isoformat()}]
    [planned] = [e for e in detail["events"] if e["action"] == "planned"]
    assert planned["details"]["handlers"] == ["seller_redirect"]
    assert "P-3" in planned["details"]["rules"] and planned["details"]["checklist"]


async def test_a_guessed_invoice_number_gets_a_generic_redirect(app: web.Application) -> None:
    # A stranger naming an invoice case: the request is forwarded, but the reply names no seller.
    await send(app, make_mail(
        sender="x@example.com", subject="Slet mine data",
        body="Slet alle mine oplysninger. Faktura 4400017."), sender="x@example.com")
    await settle(app)
    by_kind = {o.kind: o for o in await outbox(app)}
    reply = by_kind["seller_redirect"]
    assert reply.to_addr == "x@example.com"
    assert "sendt din henvendelse videre" in reply.body  # P-4: it was passed on (P-3)
    assert by_kind["seller_forward"].to_addr == "privacy@oestjysktandklinik.dk"
    for secret in RECORDS:
        assert secret not in reply.body and secret not in reply.subject, secret


async def test_identity_question_pauses_and_the_answer_verifies(app: web.Application) -> None:
    # Partial match on an access request: one question (ID-4), the clock pauses (D-10); the
    # requester's answer verifies the ticket and the clock runs again.
    first = make_mail(sender="mh@example.com", subject="Indsigt",
                      body="Send mig alle oplysninger I har om mig.\r\nMette Hansen, sag 4400011")
    await send(app, first, sender="mh@example.com")
    await settle(app)
    [ticket] = await tickets(app)
    assert ticket.verification == "partial" and ticket.status == "awaiting_requester"
    [question] = await outbox(app)
    assert question.kind == "identity_question"
    assert "fødselsdato" in question.body or "date of birth" in question.body
    for secret in RECORDS:
        assert secret not in question.body, secret
    answer = make_mail(sender="mh@example.com", subject=f"Re: Indsigt [{ticket.ref}]",
                       message_id="<m2@example.dk>", In_Reply_To=question.message_id,
                       body="Min fødselsdato er 08.01.1993.\r\n\r\n> Mette Hansen, sag 4400011")
    await send(app, answer, sender="mh@example.com")
    await settle(app)
    [after] = await tickets(app)
    assert after.verification == "verified" and after.status == "in_progress"
    async with app[SESSIONS]() as sess:
        [pause] = (await sess.execute(select(TicketPause))).scalars().all()
    assert pause.reason == "identity" and pause.replied_on is not None


@pytest.mark.parametrize("body", [
    # wrong name, right case number
    "Jeg hedder Jens Hansen og har sag 4400011. Send mig mine oplysninger og beløbet.",
    # right name, wrong postcode
    "Mette Hansen, Bøgevej 76, 9999 Andetsted. Send mig en kopi af mine data.",
    # guessed case numbers
    "Hvad har I registreret på sag 4400011, 4400017 og 4400003? Send mig alt.",
    # a name alone, asking what exists
    "Har I en sag mod Mette Hansen? Hvor meget skylder hun, og til hvem?",
])
async def test_crafted_requests_reveal_nothing(
    app: web.Application, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    # No reply or log line contains a name, address, amount, seller or case number that the
    # requester did not write themselves (RULES ID-1).
    caplog.set_level(logging.DEBUG)
    await send(app, make_mail(sender="probe@example.com", subject="Forespørgsel", body=body),
               sender="probe@example.com")
    await settle(app)
    [ticket] = await tickets(app)
    assert ticket.verification != "verified"
    # What the requester reads: subject and text (headers hold random Message-ID digits).
    sent = [f"{m['Subject']}\n{m.get_content()}" for m in sink(app)]
    assert sent, "the requester still gets an answer"
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in RECORDS:
        if secret in body:
            continue  # what they wrote themselves may come back
        for text in (*sent, logs):
            assert secret not in text, secret
    assert (await inbound(app))[0].status == "ticketed"


def _with_attachment(sender: str, body: str, filename: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "gdpr@alektumgroup.dk", "Anmodning om indsigt"
    msg["Message-ID"] = make_msgid(domain="example.dk")
    msg.set_content(body)
    msg.add_attachment(b"%PDF-1.4 test", maintype="application", subtype="pdf",
                       filename=filename)
    return msg.as_bytes()


LAWYER = ("Som advokat for Morten Østergaard, født 23.06.1944, sag 4400003, anmoder jeg om "
          "indsigt i alle oplysninger om min klient.\n\nMed venlig hilsen\nAdvokat Line Berg")


async def test_a_lawyer_without_a_power_of_attorney_is_asked_for_one(
    app: web.Application,
) -> None:
    # ID-8: the client is identified from the lawyer's details, but nothing is disclosed and
    # the one question asks for the authority (a power of attorney), not for more identity.
    await send(app, make_mail(sender="line@advokat.example", subject="Indsigt", body=LAWYER),
               sender="line@advokat.example")
    await settle(app)
    [ticket] = await tickets(app)
    assert ticket.verification == "partial" and ticket.person_id is None
    evidence = ticket.verification_evidence
    assert evidence["representative"] == "lawyer" and evidence["subject_identified"] is True
    assert evidence["authority_document"] is False and ticket.needs_review
    [question] = await outbox(app)
    assert question.kind == "identity_question" and "fuldmagt" in question.body
    for secret in ("4400000", "4400021", "Kærvej", "2300"):
        assert secret not in question.body


async def test_power_of_attorney_attached_goes_to_an_agent(app: web.Application) -> None:
    # With a document that looks like a power of attorney no question is asked: an agent
    # checks it (ID-8); the ticket still is not verified by the bot.
    await send(app, _with_attachment("line@advokat.example", LAWYER, "Fuldmagt_Oestergaard.pdf"),
               sender="line@advokat.example")
    await settle(app)
    [ticket] = await tickets(app)
    assert ticket.verification == "partial"
    assert ticket.verification_evidence["authority_document"] is True
    assert [o.kind for o in await outbox(app)] == ["acknowledgement"]


async def test_an_unasked_id_document_is_flagged_for_deletion(app: web.Application) -> None:
    # ID-5: a passport scan nobody asked for is flagged so an agent verifies and deletes it.
    await send(app, _with_attachment("mette93@outlook.dk", "Her er mit pas. Send mine data.",
                                     "pas.jpg"), sender="mette93@outlook.dk")
    await settle(app)
    [ticket] = await tickets(app)
    assert ticket.verification_evidence["id_document"] is True and ticket.needs_review


async def test_guessing_at_one_case_stops_automatic_verification(
    app: web.Application,
) -> None:
    # Brute-force protection: after five failed attempts on one case within a day, even right
    # details for it are not verified automatically; an agent looks.
    for n in range(5):
        guess = make_mail(sender=f"g{n}@example.com", subject="Indsigt", message_id=f"<g{n}@x>",
                          body=f"Jeg hedder Person Nummer{n}, sag 4400011. Send mine data.")
        await send(app, guess, sender=f"g{n}@example.com")
    right = make_mail(sender="g9@example.com", subject="Indsigt", message_id="<g9@x>",
                      body="Mette Hansen, født 08.01.1993, sag 4400011. Send mine data.")
    await send(app, right, sender="g9@example.com")
    await settle(app)
    last = (await tickets(app))[-1]
    assert last.requester_email == "g9@example.com"
    assert last.verification == "pending" and last.needs_review


async def test_a_general_question_is_answered_from_the_policy_facts(
    app: web.Application,
) -> None:
    # R-INF: a question about how data are handled gets the answer at once, with nothing
    # personal, in the requester's language (R-0 lets the bot do this).
    await send(app, make_mail(
        sender="q@example.com", subject="Spørgsmål",
        body="Hej. Hvor længe gemmer I oplysninger, og hvem deler I dem med?"),
        sender="q@example.com")
    await settle(app)
    [ticket] = await tickets(app)
    assert ticket.rights == ["information"]
    [answer] = await outbox(app)
    assert answer.kind == "information_answer"
    assert "36 måneder efter sagens afslutning" in answer.body
    assert "Carl Jacobsens Vej 35" in answer.body and ticket.ref in answer.body
