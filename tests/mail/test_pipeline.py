"""The email channel end to end: real SMTP in, the worker's pipeline, the outbox to the sink."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from intake_bot.keys import SETTINGS
from tests.helpers.mailflow import (
    events,
    inbound,
    make_mail,
    outbox,
    send,
    settle,
    sink,
    tickets,
)
from tests.mail.conftest import StartApp

AiohttpClient = Callable[[web.Application], Any]


@pytest.fixture
async def app(start_app: StartApp, db_url: str) -> web.Application:
    return await start_app(database_url=db_url, smtp_aliases="dpo@alektumgroup.dk")


async def test_new_mail_opens_a_ticket_and_is_acknowledged(app: web.Application) -> None:
    # A request becomes a ticket with its Art. 12(3) deadline and an automatic, threaded ack.
    await send(app, make_mail())
    counts = await settle(app)
    assert counts == {"accepted": 1, "ticketed": 1, "attached": 0, "quarantined": 0,
                      "auto_mail": 0, "pending": 0}
    [ticket] = await tickets(app)
    assert ticket.requester_email == "jens@example.dk" and ticket.reply_token
    [row] = await inbound(app)
    assert row.ticket_id == ticket.id and row.subject == "Indsigt"
    assert "mine oplysninger" in (row.text or "")
    [ack] = sink(app)
    assert ack["To"] == "jens@example.dk"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Auto-Response-Suppress"] == "All"
    assert ack["In-Reply-To"] == "<m1@example.dk>"
    assert ack["Subject"] == f"Re: Indsigt [{ticket.ref}]"
    assert ack["Reply-To"] == f"gdpr+{ticket.reply_token}@alektumgroup.dk"
    body = ack.get_content()
    assert ticket.ref in body and ticket.due.strftime("%Y-%m-%d") in body  # default language
    assert "Jens" not in body  # nothing personal, not even the name they wrote with
    [sent] = await outbox(app)
    assert sent.status == "sent" and sent.ticket_id == ticket.id


async def test_same_mail_twice_and_to_two_addresses_is_one_ticket(app: web.Application) -> None:
    # An MTA retry (extra Received header) and a copy to dpo@ join the first ticket, unanswered.
    mail = make_mail()
    await send(app, mail)
    await send(app, b"Received: from relay2.example.dk by mx; Tue, 24 Nov 2026\r\n" + mail)
    await send(app, mail, rcpts=("dpo@alektumgroup.dk",))
    counts = await settle(app)
    assert counts["ticketed"] == 1 and counts["attached"] == 2
    assert len(await tickets(app)) == 1 and len(sink(app)) == 1
    assert {r.disposition_reason for r in await inbound(app)} == {"new", "duplicate"}


async def test_mail_without_message_id_is_accepted_and_deduplicated(
    app: web.Application,
) -> None:
    # No Message-ID: a deterministic id from the content still catches the second delivery.
    mail = make_mail(message_id=None)
    await send(app, mail)
    await send(app, b"Received: from b by c; Tue, 24 Nov 2026\r\n" + mail)
    counts = await settle(app)
    assert counts["ticketed"] == 1 and counts["attached"] == 1
    first = (await inbound(app))[0]
    assert first.message_id and first.message_id.startswith("<")


async def test_reply_threads_by_our_id_anywhere_in_references(app: web.Application) -> None:
    # Our ack's Message-ID in the middle of References (In-Reply-To is the client's CRM id).
    await send(app, make_mail())
    await settle(app)
    [ack] = await outbox(app)
    reply = make_mail(subject="Re: Indsigt", message_id="<m2@example.dk>",
                      In_Reply_To="<crm-77@crm.example.dk>",
                      References=f"<m1@example.dk> {ack.message_id} <crm-77@crm.example.dk>")
    await send(app, reply)
    counts = await settle(app)
    assert counts["ticketed"] == 1 and counts["attached"] == 1
    assert [r.disposition_reason for r in await inbound(app)] == ["new", "thread:our_message_id"]
    assert len(sink(app)) == 1  # a follow-up is not acknowledged again


async def test_someone_else_replying_gets_their_own_ticket(app: web.Application) -> None:
    # Another person answering the same mail never lands on the first requester's ticket.
    await send(app, make_mail())
    await settle(app)
    [ack] = await outbox(app)
    other = make_mail(sender="karen@example.dk", subject="Re: Indsigt",
                      message_id="<k1@example.dk>", In_Reply_To=ack.message_id)
    await send(app, other, sender="karen@example.dk")
    await settle(app)
    first, second = await tickets(app)
    assert second.requester_email == "karen@example.dk" and second.needs_review
    [opened] = [e for e in await events(app, second.id) if e.action == "opened"]
    assert opened.details["related_to"] == first.ref


async def test_subject_tag_counts_only_for_the_requester(app: web.Application) -> None:
    # `[GDPR-…]` from the requester attaches; the same tag from a third party opens a new ticket.
    await send(app, make_mail())
    await settle(app)
    [ticket] = await tickets(app)
    tagged = f"Vedr. min sag [{ticket.ref}]"
    await send(app, make_mail(subject=tagged, message_id="<m3@example.dk>", body="Tilføjelse."))
    await send(app, make_mail(sender="x@example.com", subject=tagged,
                              message_id="<x1@example.com>", body="Hvad står der om Jens?"),
               sender="x@example.com")
    await settle(app)
    rows = await inbound(app)
    assert [r.status for r in rows] == ["ticketed", "attached", "ticketed"]
    assert rows[1].ticket_id == ticket.id and rows[2].ticket_id != ticket.id


async def test_reply_address_token_threads(app: web.Application) -> None:
    # Mail to gdpr+<token>@ reaches the intake and joins that ticket, even with new ids.
    await send(app, make_mail())
    await settle(app)
    [ticket] = await tickets(app)
    address = f"gdpr+{ticket.reply_token}@alektumgroup.dk"
    await send(app, make_mail(subject="Svar", message_id="<m4@example.dk>"), rcpts=(address,))
    await settle(app)
    assert (await inbound(app))[1].disposition_reason == "thread:reply_address"


@pytest.mark.parametrize(("headers", "reason"), [
    ({"Auto_Submitted": "auto-replied"}, "auto:auto_submitted"),
    ({"Precedence": "bulk"}, "auto:precedence"),
    ({"X_Autoreply": "yes"}, "auto:vendor_autoreply"),
    ({"X_Intake_Bot_Loop": "intake.alektumgroup.dk"}, "auto:own_loop"),
])
async def test_auto_mail_is_kept_but_never_ticketed_or_answered(
    app: web.Application, headers: dict[str, str], reason: str
) -> None:
    # Auto-replies and our own echoes are counted as auto_mail: no ticket, no ack.
    await send(app, make_mail(subject="Automatisk svar", **headers))
    counts = await settle(app)
    assert counts["auto_mail"] == 1 and counts["ticketed"] == 0
    assert (await inbound(app))[0].disposition_reason == reason
    assert sink(app) == [] and await tickets(app) == []


async def test_auto_submitted_no_is_a_person(app: web.Application) -> None:
    # RFC 3834 "Auto-Submitted: no" is human mail (FreeScout gets this wrong).
    await send(app, make_mail(Auto_Submitted="no"))
    counts = await settle(app)
    assert counts["ticketed"] == 1 and len(sink(app)) == 1


async def test_out_of_office_reply_never_reopens_a_closed_ticket(app: web.Application) -> None:
    # An auto-reply on the thread of a closed ticket is noted there, but the ticket stays shut.
    from intake_bot.keys import SESSIONS
    from intake_bot.store import tickets as store_tickets

    await send(app, make_mail())
    await settle(app)
    [ack] = await outbox(app)
    [ticket] = await tickets(app)
    async with app[SESSIONS].begin() as sess:
        t = await store_tickets.get_ticket(sess, ticket.ref)
        await store_tickets.change_status(sess, t, "closed", "test", outcome="completed")
    ooo = make_mail(subject="Automatisk svar: Indsigt", message_id="<ooo@example.dk>",
                    In_Reply_To=ack.message_id, Auto_Submitted="auto-replied")
    await send(app, ooo)
    await settle(app)
    [after] = await tickets(app)
    assert after.status == "closed"
    assert (await inbound(app))[1].ticket_id == ticket.id
    assert len(sink(app)) == 1


async def test_requester_reply_reopens_a_closed_ticket(app: web.Application) -> None:
    # The requester writing again on a closed ticket reopens it for an agent (RULES D-32).
    from intake_bot.keys import SESSIONS
    from intake_bot.store import tickets as store_tickets

    await send(app, make_mail())
    await settle(app)
    [ticket] = await tickets(app)
    async with app[SESSIONS].begin() as sess:
        t = await store_tickets.get_ticket(sess, ticket.ref)
        await store_tickets.change_status(sess, t, "closed", "test", outcome="completed")
    await send(app, make_mail(subject=f"Re: Indsigt [{ticket.ref}]", message_id="<m9@example.dk>",
                              body="Jeg mangler stadig noget."))
    await settle(app)
    [after] = await tickets(app)
    assert after.status == "in_progress" and after.needs_review


async def test_dsn_marks_our_mail_bounced(app: web.Application) -> None:
    # A bounce of our ack is auto-mail linked to the ticket, and the outbox row shows it.
    await send(app, make_mail())
    await settle(app)
    [ack] = await outbox(app)
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.dk>\r\nTo: gdpr@alektumgroup.dk\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.example.dk>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
        " boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.dk"
        "\r\n\r\nFinal-Recipient: rfc822; jens@example.dk\r\nAction: failed\r\nStatus: 5.1.1"
        f"\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ack.message_id}"
        "\r\nSubject: Re: Indsigt\r\n\r\n--B--\r\n"
    ).encode()
    await send(app, dsn, sender="")
    counts = await settle(app)
    assert counts["auto_mail"] == 1
    [bounced] = await outbox(app)
    assert bounced.status == "bounced"
    assert (await inbound(app))[1].ticket_id == bounced.ticket_id


async def test_acknowledgements_are_rate_limited_per_sender(app: web.Application) -> None:
    # A robot writing again and again gets at most replies.ack_limit_per_hour acks (item 39).
    limit = app[SETTINGS].replies.ack_limit_per_hour
    for n in range(limit + 2):
        await send(app, make_mail(subject=f"Tak for din mail {n}", message_id=f"<r{n}@crm.dk>",
                                  body=f"Vi har modtaget din henvendelse nummer {n}."))
    counts = await settle(app)
    assert counts["ticketed"] == limit + 2
    assert len(sink(app)) == limit
    suppressed = [e for t in await tickets(app) for e in await events(app, t.id)
                  if e.action == "reply_suppressed"]
    assert len(suppressed) == 2 and suppressed[0].details == {"reason": "rate_limit"}


async def test_to_unknown_plus_address_of_other_mailbox_is_refused(app: web.Application) -> None:
    # Plus-addressing works only on the intake addresses, not as a way to relay.
    import aiosmtplib

    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await send(app, make_mail(), rcpts=("postmaster+x@alektumgroup.dk",))
    assert await inbound(app) == []


@pytest.fixture
async def demo_app(start_app: StartApp, db_url: str) -> web.Application:
    return await start_app(database_url=db_url, demo_load="true")


async def test_a_verified_requester_is_recorded_with_flags_only(
    demo_app: web.Application,
) -> None:
    # The debtor writes from the address on file with name and case number: verified (ID-3),
    # the evidence holds flags and the person id, and the ack still says nothing from records.
    await send(demo_app, make_mail(
        sender="mortenoestergaard44@stofanet.dk", subject="Indsigt",
        body="Hej. Jeg vil have en kopi af mine oplysninger. Sag 4400003.\r\n\r\n"
             "Venlig hilsen\r\nMorten Østergaard"))
    await settle(demo_app)
    [ticket] = await tickets(demo_app)
    assert ticket.verification == "verified" and ticket.person_id is not None
    assert ticket.verification_evidence["K5"] is True and ticket.verification_evidence["K1"]
    assert all(isinstance(v, bool | int) for v in ticket.verification_evidence.values())
    # Three cases (invoice, collection, closed): the company answers, an agent forwards.
    assert ticket.controller in ("company", "undetermined") and ticket.needs_review
    [ack] = sink(demo_app)
    body = ack.get_content()
    for secret in ("4400000", "4400021", "Kærvej", "2300", "Østergaard"):
        assert secret not in body


async def test_an_unverified_guess_reveals_nothing(demo_app: web.Application) -> None:
    # A stranger naming someone else's case gets the same neutral ack as anyone (ID-1).
    await send(demo_app, make_mail(
        sender="snoop@example.com", subject="Sag 4400011",
        body="Hvad skylder Mette Hansen? Sag 4400011."), sender="snoop@example.com")
    await settle(demo_app)
    [ticket] = await tickets(demo_app)
    assert ticket.verification in ("partial", "ambiguous") and ticket.person_id is None
    [ack] = sink(demo_app)
    text = ack.get_content() + str(ack["Subject"])
    for secret in ("Bøgevej", "3700", "mette93", "C1012", "Rønne"):
        assert secret not in text
