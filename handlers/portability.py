"""Portability (Art. 20): only data the person gave, on consent or contract; else offer access."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import HandlerContext, Outcome, identity_actions


class PortabilityHandler:
    right: ClassVar[str] = "portability"
    description: ClassVar[str] = "own data in a machine-readable format"

    def handle(self, ctx: HandlerContext) -> Outcome:
        checklist = (
            "Applies to data the person provided, processed on consent or contract (survey "
            "phone number; contact and instalment data where the company owns the claim).",
            "Not for collection for clients (Art. 6(1)(f)) or data from agencies: explain and "
            "offer access under Art. 15 instead (WP242).",
            "Deliver as JSON or CSV to a contact point on file (ID-2).",
        )
        draft = ("Enclosed are the personal data you gave us, in a machine-readable format "
                 "(Art. 20 GDPR).")
        return Outcome(self.right, identity_actions(self.right, ctx), checklist, draft,
                       ("R-POR", "ID-2"))
