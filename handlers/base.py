"""The contract every request-type handler follows, and the values it returns.

A handler never acts itself: it returns what the bot may do at once (RULES R-0: acknowledge, ask,
redirect, suppress, answer general questions) and what the agent must check and decide, with a
draft that cites the rule it follows. The pipeline carries the actions out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

from intake_bot.policy import PolicyFacts

# What the bot may do without an agent (RULES R-0).
# Without any of these the requester gets the acknowledgement (ref and due date).
ActionKind = Literal[
    "answer_information",  # R-INF: general questions answered from the policy facts
    "ask_identity",  # ID-4: one missing factor, or the neutral no-match text
    "redirect_to_seller",  # P-4 reply to the requester
    "forward_to_seller",  # P-3 forward to the seller's privacy contact (D-30)
    "suppress_contact",  # ID-7: stop survey SMS / marketing to the contact point it came from
    "hand_to_case_handling",  # RET-9: not a GDPR matter
]


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    detail: str = ""  # e.g. the factor to ask for ("K1"); never a personal value


@dataclass(frozen=True)
class Outcome:
    """A handler's answer: immediate actions, the agent's checklist and a draft answer."""

    right: str
    actions: tuple[Action, ...] = ()
    checklist: tuple[str, ...] = ()
    draft: str = ""
    rules: tuple[str, ...] = ()  # the rules the checklist and draft follow (RULES.md ids)
    needs_agent: bool = True


@dataclass(frozen=True)
class HandlerContext:
    """What a handler may look at: labels and the verification result, never raw case data."""

    rights: tuple[str, ...]
    subject_type: str
    controller: str
    verification: str  # pending | verified | partial | ambiguous | no_match
    missing_factor: str | None
    stages: frozenset[str]  # stages of the verified person's cases (empty before verified)
    has_seller_link: bool  # P-2: a supplied case/invoice number matched an invoice-stage case
    language: str
    policy: PolicyFacts
    representative: str | None = None  # ID-8: lawyer, guardian, parent, estate, other
    authority_document: bool = False  # a power of attorney or the like is attached

    @property
    def verified(self) -> bool:
        return self.verification == "verified"


class Handler(Protocol):
    """One request type. Adding a right means one module and one line in handlers/__init__."""

    right: ClassVar[str]
    description: ClassVar[str]

    def handle(self, ctx: HandlerContext) -> Outcome: ...


# ID-7: actions that disclose or change data need `verified`.
NEEDS_VERIFICATION = frozenset({
    "access", "rectification", "erasure", "restriction", "portability", "objection",
})


def identity_actions(right: str, ctx: HandlerContext) -> tuple[Action, ...]:
    """Ask for identity when this right needs it and the requester is not verified (ID-4)."""
    if right not in NEEDS_VERIFICATION or ctx.verified or ctx.controller == "seller":
        return ()
    if ctx.representative is not None:
        # ID-8: authority first; with a document attached an agent checks it, we ask nothing.
        return () if ctx.authority_document else (Action("ask_identity", "authority"),)
    if ctx.verification == "no_match" or ctx.missing_factor is None:
        return (Action("ask_identity", "no_match"),)
    return (Action("ask_identity", ctx.missing_factor),)
