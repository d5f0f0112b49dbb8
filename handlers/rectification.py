"""Rectification (Art. 16): correct or complete data; contact data only with confirmation."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import HandlerContext, Outcome, identity_actions


class RectificationHandler:
    right: ClassVar[str] = "rectification"
    description: ClassVar[str] = "correct or complete personal data"

    def handle(self, ctx: HandlerContext) -> Outcome:
        checklist = (
            "A new address, e-mail or phone needs `verified` and a confirmation to the old "
            "contact point before the change (R-REC).",
            "A dispute about the amount or the debt itself is not rectification: hand it to "
            "case handling as a payment dispute.",
            "'I am not the debtor' / identity theft: apply restriction (R-RES) and route to a "
            "supervisor.",
            "After correcting, notify the client and other recipients (Art. 19).",
        )
        draft = ("We have corrected the information you pointed out. We have also told those "
                 "we shared it with (Art. 16 and 19 GDPR).")
        return Outcome(self.right, identity_actions(self.right, ctx), checklist, draft,
                       ("R-REC", "ID-7"))
