"""The request store's tables as typed SQLAlchemy models (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Stable constraint names so migrations can refer to them on both back ends.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC; SQLite has no zone type, so we normalise here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class Client(Base):
    """A seller whose invoices the company administers or collects (SPEC §4)."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    cvr: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    privacy_contact: Mapped[str | None] = mapped_column(String(254))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Case(Base):
    """An invoice-administration or collection case; upserted by case number on import."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("stage IN ('invoice', 'collection', 'closed')", name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(32), unique=True)
    stage: Mapped[str] = mapped_column(String(16))
    client_pk: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    opened_at: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[date | None] = mapped_column(Date)
    closed_from_stage: Mapped[str | None] = mapped_column(String(16))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Hash of the normalised case as imported: an unchanged line is recognised without a diff.
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(lazy="raise")
    persons: Mapped[list[CasePerson]] = relationship(
        back_populates="case", lazy="raise", cascade="all, delete-orphan",
        order_by="CasePerson.position",
    )


class CasePerson(Base):
    """A person on a case (debtor, co-debtor, guarantor) with the keys identity matching uses."""

    __tablename__ = "case_persons"
    __table_args__ = (
        CheckConstraint("role IN ('debtor', 'co_debtor', 'guarantor')", name="role"),
        Index("ix_case_persons_last_first", "last_name_key", "first_name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    first_name_key: Mapped[str] = mapped_column(String(100))
    last_name_key: Mapped[str] = mapped_column(String(100))
    # RULES RET-4: never the CPR itself; a keyed hash for matching plus the masked form.
    cpr_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    cpr_masked: Mapped[str | None] = mapped_column(String(11))
    birth_date: Mapped[date | None] = mapped_column(Date, index=True)
    street: Mapped[str | None] = mapped_column(String(200))
    street_key: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(16))
    postcode: Mapped[str | None] = mapped_column(String(16), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)

    case: Mapped[Case] = relationship(back_populates="persons", lazy="raise")
    contacts: Mapped[list[ContactPoint]] = relationship(
        back_populates="person", lazy="raise", cascade="all, delete-orphan"
    )


class ContactPoint(Base):
    """An e-mail address (lower-case) or phone number (E.164) on file for a person (K5/K6)."""

    __tablename__ = "contact_points"
    __table_args__ = (
        CheckConstraint("kind IN ('email', 'phone')", name="kind"),
        Index("ix_contact_points_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("case_persons.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(254))

    person: Mapped[CasePerson] = relationship(back_populates="contacts", lazy="raise")


class InboundMessage(Base):
    """Raw input from any channel, stored before anything else happens (SMTP 250 after commit)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        Index("ix_inbound_messages_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    envelope_from: Mapped[str | None] = mapped_column(String(998))
    envelope_to: Mapped[list[str]] = mapped_column(default=list)
    peer: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # received → processing → ticketed | attached | quarantined | auto_mail (SPEC §5)
    status: Mapped[str] = mapped_column(String(16), default="received")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A reason code for agents; never message content.
    error: Mapped[str | None] = mapped_column(String(500))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    processed_at: Mapped[datetime | None] = mapped_column()
    # When a worker took it up; a claim older than worker.claim_timeout was a crash (retaken).
    claimed_at: Mapped[datetime | None] = mapped_column()
    # Filled in by the worker from the parsed message. Text is kept with CPR numbers masked;
    # the full original is only in `raw` (sealed, see intake_bot/sealing.py).
    subject: Mapped[str | None] = mapped_column(String(998))
    sender: Mapped[str | None] = mapped_column(String(254), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(default=list)
    content_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # Why it was handled as auto-mail, or which thread rule matched ("auto:dsn", "thread:ref").
    disposition_reason: Mapped[str | None] = mapped_column(String(64))


class RefCounter(Base):
    """Last ticket number handed out per year; bumped atomically so no ref is issued twice."""

    __tablename__ = "ref_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    """A data-subject request with its labels, verification, deadlines and lifecycle."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_due", "status", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), default="new")
    rights: Mapped[list[str]] = mapped_column(default=list)
    subject_type: Mapped[str] = mapped_column(String(24), default="unknown")
    gdpr_related: Mapped[bool] = mapped_column(Boolean, default=True)
    controller: Mapped[str] = mapped_column(String(16), default="undetermined")
    language: Mapped[str | None] = mapped_column(String(8))
    needs_review: Mapped[bool] = mapped_column(Boolean, default=True)
    # RULES ID-9: the outcome plus match/no-match flags per factor; never the compared values.
    verification: Mapped[str] = mapped_column(String(16), default="pending")
    verification_evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    verification_method: Mapped[str | None] = mapped_column(String(32))
    verified_at: Mapped[datetime | None] = mapped_column()
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_persons.id", ondelete="SET NULL")
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    requester_email: Mapped[str | None] = mapped_column(String(254), index=True)
    # Secret per ticket: replies to gdpr+<token>@ and mails quoting it find the ticket.
    reply_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    subject: Mapped[str | None] = mapped_column(String(998))
    received_at: Mapped[datetime] = mapped_column()
    received_local_date: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    extended_due: Mapped[date] = mapped_column(Date)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    extension_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extension_notice_sent_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    pauses: Mapped[list[TicketPause]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="TicketPause.id"
    )


class TicketPause(Base):
    """A stop-the-clock request to the requester (RULES D-10 … D-16)."""

    __tablename__ = "ticket_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(16))
    reacts_to: Mapped[date] = mapped_column(Date)
    sent_on: Mapped[date] = mapped_column(Date)
    replied_on: Mapped[date | None] = mapped_column(Date)
    reminder_sent_on: Mapped[date | None] = mapped_column(Date)
    # D-11: a question asked after identity was established earns no credit, even if the
    # ticket's verification changes later; so the fact is kept as it was when we asked.
    identity_established: Mapped[bool] = mapped_column(Boolean, default=False)


class TicketEvent(Base):
    """Append-only audit trail: who did what when; details carry no personal values."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Agent(Base):
    """A person who reviews tickets in the web UI or through the API."""

    __tablename__ = "agents"
    __table_args__ = (
        CheckConstraint("role IN ('agent', 'supervisor', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """An API token, kept only as its SHA-256 (tokens are long random strings)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class OutboxMessage(Base):
    """Outgoing mail, queued durably and sent by the outbox worker with retries."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        # The per-sender acknowledgement limit counts recent mail to one address.
        Index("ix_outbox_to_addr_created", "to_addr", "created_at"),
        UniqueConstraint("message_id", name="uq_outbox_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(255))
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(500))
    claimed_at: Mapped[datetime | None] = mapped_column()


class MailKey(Base):
    """The content key of every mail that opened or joined a ticket: a second delivery of the
    same mail (MTA retry, a copy to a second intake address) finds its ticket here. The primary
    key makes two workers racing on copies of one mail collide instead of opening two tickets."""

    __tablename__ = "mail_keys"

    content_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id", ondelete="CASCADE"))


class TicketTask(Base):
    """A piece of work on a ticket with its own due date, e.g. the forward to the seller
    (RULES D-30) or the invoice part of a mixed case (§ 3.1)."""

    __tablename__ = "ticket_tasks"
    __table_args__ = (Index("ix_ticket_tasks_status_due", "status", "due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    # The mail that completes the task once the relay has taken it (e.g. the seller forward).
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()


class Suppression(Base):
    """A contact point that must get no more survey SMS or marketing (RULES RET-7): a keyed
    hash of the address or number only, with the purpose and the date."""

    __tablename__ = "suppressions"
    __table_args__ = (
        UniqueConstraint("purpose", "value_hash", name="uq_suppressions_purpose_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))  # survey | marketing
    value_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VerificationAttempt(Base):
    """A failed verification that named a case (brute-force protection, RULES ID-3/ID-4): many
    failures on one case within a day stop automatic verification for it."""

    __tablename__ = "verification_attempts"
    __table_args__ = (Index("ix_verification_attempts_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
