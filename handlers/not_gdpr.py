"""Not a GDPR matter (payment disputes, plans, invoice copies): hand to case handling."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import Action, HandlerContext, Outcome


class NotGdprHandler:
    right: ClassVar[str] = "not_gdpr"
    description: ClassVar[str] = "hand-off to case handling (RET-9)"

    def handle(self, ctx: HandlerContext) -> Outcome:
        checklist = ("Hand the message to case handling and close the ticket as not_gdpr; "
                     "check first that no data request is hidden in it.",)
        return Outcome(self.right, (Action("hand_to_case_handling"),), checklist, "",
                       ("RET-9",))
