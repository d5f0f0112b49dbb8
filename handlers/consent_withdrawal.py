"""Consent withdrawal (Art. 7(3)): stop the survey SMS to the number or address at once."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import Action, HandlerContext, Outcome


class ConsentWithdrawalHandler:
    right: ClassVar[str] = "consent_withdrawal"
    description: ClassVar[str] = "withdraw consent (survey SMS, call recording)"

    def handle(self, ctx: HandlerContext) -> Outcome:
        checklist = (
            "Remove the contact point from survey sending at once (ID-7: the contact point "
            "itself is enough).",
            "Confirm without any other data; past processing stays lawful (Art. 7(3)).",
        )
        draft = "We have stopped sending you our satisfaction survey."
        return Outcome(self.right, (Action("suppress_contact", "survey"),), checklist, draft,
                       ("R-CON", "ID-7", "RET-7"), needs_agent=False)
