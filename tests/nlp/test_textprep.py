"""Text preparation: what the models see of a message, and what is kept out of it."""

from __future__ import annotations

import pytest

from intake_bot.nlp.textprep import fold, prepare

GMAIL_DA = """Hej

Jeg vil gerne have slettet mine oplysninger.

Den tir. 3. mar. 2026 kl. 10.14 skrev Alektum Kundeservice <kundeservice@alektum.dk>:
> Kære kunde
> Vi skriver vedrørende inkassosag 4417823 og beløbet 1.245,50 kr."""

OUTLOOK_EN = """Please send me a copy of everything you hold.

-----Original Message-----
From: Alektum <noreply@alektum.dk>
Sent: 3 March 2026 10:14
To: me@example.com
Subject: Reminder
We remind you of the outstanding amount."""

FORWARDED_DA = """Hvad er det her for noget? Jeg kender ikke firmaet.

---------- Videresendt besked ---------
Fra: Alektum A/S <inkasso@alektum.dk>
Dato: 1. mar. 2026
Emne: Inkassovarsel
Til: jens@example.dk

Inkassovarsel vedrørende faktura 88123455."""

SIGNED = """Slet mit telefonnummer fra jeres lister.

Med venlig hilsen
Jens Jensen
Vestergade 12
8000 Aarhus C"""

DISCLAIMER = """Our client requests restriction of processing pending review.

This e-mail is confidential and intended solely for the addressee. If you have received this
message in error, please notify the sender."""


def test_quoted_reply_is_cut() -> None:
    # A Danish reply with quoted history keeps only the new request.
    p = prepare(GMAIL_DA)
    assert p.core == "Hej\n\nJeg vil gerne have slettet mine oplysninger."
    assert "inkassosag 4417823" in p.cut


def test_outlook_original_message_block_is_cut() -> None:
    # The Outlook "Original Message" block and everything after it is history.
    p = prepare(OUTLOOK_EN)
    assert p.core == "Please send me a copy of everything you hold."
    assert "outstanding amount" in p.cut


def test_forwarded_letter_keeps_body_drops_headers() -> None:
    # A forwarded collection letter still tells who the writer is; its headers do not.
    p = prepare(FORWARDED_DA)
    assert "Inkassovarsel vedrørende faktura" in p.core
    assert "Fra: Alektum" not in p.core and "Til: jens@example.dk" not in p.core


def test_signature_and_disclaimer_are_cut() -> None:
    # Closing phrase with name and address, and a legal disclaimer, are not the request.
    assert prepare(SIGNED).core == "Slet mit telefonnummer fra jeres lister."
    p = prepare(DISCLAIMER)
    assert p.core == "Our client requests restriction of processing pending review."
    assert "confidential" in p.cut


def test_sent_from_phone_line_is_cut() -> None:
    # "Sendt fra min iPhone" and what follows is cut.
    assert prepare("slet mig\n\nSendt fra min iPhone").core == "slet mig"


def test_core_is_never_empty() -> None:
    # A message that is only a quote or a closing phrase is kept whole rather than emptied.
    assert prepare("> citat\n> mere").core == "> citat\n> mere"
    assert prepare("Med venlig hilsen").core == "Med venlig hilsen"


@pytest.mark.parametrize("text,folded", [
    ("Søg om SLETNING af mine Oplysninger!", "sog om sletning af mine oplysninger!"),
    ("Ændre min adresse på Nørregade", "aendre min adresse pa norregade"),
    ("Löschung    der Daten — bitte", "loschung der daten bitte"),
    ("Straße", "strasse"),
])
def test_fold(text: str, folded: str) -> None:
    # Folding is the form people type without æøå/äöü, lower-cased, spaces collapsed.
    assert fold(text) == folded
