"""Objection (Art. 21): marketing stops at once; collection is weighed with reasons."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import Action, HandlerContext, Outcome, identity_actions


class ObjectionHandler:
    right: ClassVar[str] = "objection"
    description: ClassVar[str] = "object to processing (marketing, analytics, collection)"

    def handle(self, ctx: HandlerContext) -> Outcome:
        marketing = ctx.subject_type in ("business_contact", "unknown")
        actions: tuple[Action, ...] = identity_actions(self.right, ctx)
        if marketing:
            # ID-7: stopping marketing to the address it came from needs no verification.
            actions = (Action("suppress_contact", "marketing"),)
        checklist = (
            "Direct marketing and newsletters: stop unconditionally (Art. 21(2)–(3)); keep a "
            "minimal suppression entry (RET-7).",
            "Collection for clients (Art. 6(1)(f)): weigh it; a valid unpaid claim normally "
            "prevails as a legal claim; give reasons; offer restriction meanwhile.",
            "Analytics and statistics: honour by default.",
            "Processing under Art. 6(1)(b) or (c): Art. 21 does not apply; explain.",
        )
        draft = ("We have stopped sending you marketing." if marketing else
                 "We have assessed your objection to our processing for the collection of the "
                 "claim (Art. 21(1) GDPR).")
        return Outcome(self.right, actions, checklist, draft, ("R-OBJ", "ID-7", "RET-7"))
