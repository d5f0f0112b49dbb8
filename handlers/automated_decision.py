"""Automated decisions (Art. 22): always a human review by a supervisor."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import HandlerContext, Outcome


class AutomatedDecisionHandler:
    right: ClassVar[str] = "automated_decision"
    description: ClassVar[str] = "human review of an automated decision"

    def handle(self, ctx: HandlerContext) -> Outcome:
        checklist = (
            "Route to a supervisor with authority to change the outcome; the bot never answers "
            "the substance (R-ADM).",
            "Explain the logic of the decision (Art. 15(1)(h)), the right to give one's view "
            "and to contest (Art. 22(3)), and the result of the review.",
            "No pause credit: Art. 12(6) does not cover Art. 22.",
        )
        draft = ("A member of our staff has reviewed the decision. Here is how it was made and "
                 "what the review found.")
        return Outcome(self.right, (), checklist, draft, ("R-ADM",))
