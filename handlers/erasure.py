"""Erasure (Art. 17): erase what is not needed; refuse what an open claim needs, with reasons."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import HandlerContext, Outcome, identity_actions


class ErasureHandler:
    right: ClassVar[str] = "erasure"
    description: ClassVar[str] = "delete personal data"

    def handle(self, ctx: HandlerContext) -> Outcome:
        active = "collection" in ctx.stages
        checklist = (
            "Open collection case: refuse erasure of the data the claim needs, Art. 17(3)(e) "
            "(legal claims) and 17(3)(b) (bookkeeping, AML), with reasons and the right to "
            "complain (Art. 12(4))." if active else
            "No open collection case: check the 17(1) grounds and RET-5 (36 months after "
            "closure); erase unless a legal hold applies.",
            "Erase at once what is not needed: marketing data, superseded contact data.",
            "Notify the client and other recipients of what was erased (Art. 19).",
        )
        draft = (
            "We cannot delete the information we need to pursue the claim while the case is "
            "open (Art. 17(3)(e) GDPR). We have deleted the information we do not need. You "
            "may complain to Datatilsynet." if active else
            "We have deleted your personal data, except what the law requires us to keep."
        )
        return Outcome(self.right, identity_actions(self.right, ctx), checklist, draft,
                       ("R-ERA", "RET-5", "ID-7"))
