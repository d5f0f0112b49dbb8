"""Complaint (Art. 77): point to Datatilsynet, offer internal handling, never discourage."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import HandlerContext, Outcome


class ComplaintHandler:
    right: ClassVar[str] = "complaint"
    description: ClassVar[str] = "dissatisfied with how data are handled"

    def handle(self, ctx: HandlerContext) -> Outcome:
        checklist = (
            "Give the right to complain to Datatilsynet, or in the EU/EEA country of residence "
            "or work (Art. 77(1)), and the right to a judicial remedy (Art. 79).",
            "Offer handling by the privacy team; never discourage the complaint.",
            "Handle any request inside the complaint as its own right, with its own deadline.",
        )
        draft = ("You have the right to complain to " + ctx.policy.authority_text() + ". You "
                 "may also complain in the EU country where you live or work, and go to court. "
                 "Our privacy team will also look into your complaint.")
        return Outcome(self.right, (), checklist, draft, ("R-CPL",))
