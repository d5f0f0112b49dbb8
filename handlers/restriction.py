"""Restriction (Art. 18): freeze processing while a ground applies; automated steps stop."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import HandlerContext, Outcome, identity_actions


class RestrictionHandler:
    right: ClassVar[str] = "restriction"
    description: ClassVar[str] = "stop using the data for now"

    def handle(self, ctx: HandlerContext) -> Outcome:
        checklist = (
            "Find the ground: accuracy contested, unlawful but not erased, needed for the "
            "person's legal claims, or an objection pending (Art. 18(1)(a)–(d)).",
            "Set the restricted flag on the person and case: letters and dunning stop; only a "
            "supervisor may allow steps that preserve the claim.",
            "Tell the person before the restriction is lifted (Art. 18(3)); notify recipients "
            "(Art. 19).",
        )
        draft = ("We have restricted the use of your personal data while we look into the "
                 "matter. We will tell you before the restriction is lifted.")
        return Outcome(self.right, identity_actions(self.right, ctx), checklist, draft,
                       ("R-RES", "ID-7"))
