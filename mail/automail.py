"""Auto-mail rules: is this mail written by a machine (auto-reply, bounce, list, our own echo)?

Auto-mail is kept and counted, but never opens or reopens a ticket and is never answered
(MAIL.md §2.4). Each rule is a small function returning a reason code or None; the first hit
wins and its code is recorded on the message, so agents can see why it was set aside.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mail.parse import ParsedMail

Rule = Callable[[ParsedMail, str], str | None]

def own_loop(mail: ParsedMail, own_domain: str) -> str | None:
    """Our own mail coming back (a forward to gdpr@, an agent's CC): our loop header or our
    Message-ID domain."""
    if any(v.strip().lower() == own_domain for v in mail.headers.get("x-intake-bot-loop", ())):
        return "own_loop"
    if mail.message_id.lower().endswith(f"@{own_domain}>"):
        return "own_message_id"
    return None


def dsn(mail: ParsedMail, own_domain: str) -> str | None:
    """A delivery status notification (bounce)."""
    return "dsn" if mail.is_dsn else None


def auto_submitted(mail: ParsedMail, own_domain: str) -> str | None:
    """RFC 3834: any value but "no" is automatic. FreeScout treats even "no" as automatic,
    which sets human mail aside; we don't (MAIL.md item 35)."""
    value = (mail.header("auto-submitted") or "").strip().lower()
    if value and value.split(";")[0].strip() != "no":
        return "auto_submitted"
    return None


_PRECEDENCE = {"bulk", "list", "junk", "auto_reply", "auto-reply"}


def precedence(mail: ParsedMail, own_domain: str) -> str | None:
    for name in ("precedence", "x-precedence"):
        if (mail.header(name) or "").strip().lower() in _PRECEDENCE:
            return "precedence"
    return None


# Vendor auto-reply headers (osTicket's isAutoReply table, MAIL.md item 36, Exchange's pair).
_VENDOR = (
    "x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply-from", "x-mail-autoreply",
    "x-ms-exchange-inbox-rules-loop",
)


def vendor_headers(mail: ParsedMail, own_domain: str) -> str | None:
    for name in _VENDOR:
        value = (mail.header(name) or "").strip().lower()
        if value and value not in {"no", "false", "0"}:
            return "vendor_autoreply"
    if (mail.header("x-auto-response-suppress") or "").strip().lower() in {"all", "oof"} and (
        _OOO_SUBJECT.search(mail.subject)
    ):
        return "vendor_autoreply"
    return None


# Out-of-office subjects in the languages we receive, for responders that set no header.
_OOO_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?reply|autosvar|automatisk svar|"
    r"automatische antwort|abwesenheitsnotiz|out of (?:the )?office|fraværende|fravaerende|"
    r"frånvaro|franvaro|ikke til stede|ikke på kontoret|ikke paa kontoret|"
    r"ferie(?:svar)?|poissa|automaattinen vastaus)\b",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster)@", re.IGNORECASE)


def out_of_office(mail: ParsedMail, own_domain: str) -> str | None:
    if _OOO_SUBJECT.search(mail.subject):
        return "out_of_office"
    return None


def daemon_sender(mail: ParsedMail, own_domain: str) -> str | None:
    """MAILER-DAEMON / postmaster mail, or the null return path of a bounce."""
    if mail.from_addr and _BOUNCE_SENDER.match(mail.from_addr):
        return "daemon_sender"
    if (mail.header("return-path") or "").strip() == "<>":
        return "null_return_path"
    return None


RULES: tuple[Rule, ...] = (
    own_loop,
    dsn,
    auto_submitted,
    precedence,
    vendor_headers,
    daemon_sender,
    out_of_office,
)


def auto_reason(mail: ParsedMail, own_domain: str) -> str | None:
    """The code of the first auto-mail rule that fires, or None for mail a person wrote."""
    domain = own_domain.lower()
    for rule in RULES:
        reason = rule(mail, domain)
        if reason:
            return reason
    return None
