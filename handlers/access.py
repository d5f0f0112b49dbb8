"""Access (Art. 15): a copy of the data and the facts of R-ACC, after verification."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import Action, HandlerContext, Outcome, identity_actions


class AccessHandler:
    right: ClassVar[str] = "access"
    description: ClassVar[str] = "copy of the personal data with purposes, recipients, source"

    def handle(self, ctx: HandlerContext) -> Outcome:
        p = ctx.policy
        checklist = (
            "Confirm the person is verified (ID-3) and answer only to a contact point on file "
            "(ID-2).",
            "Attach a copy of all personal data on every case of the person; the first copy is "
            "free, electronic if asked electronically (Art. 15(3)).",
            "Redact co-debtors' and guarantors' data (Art. 15(4)); do not refuse everything.",
            "Check with the AML officer before answering; never mention an AML investigation "
            "(HVL § 25 stk. 4).",
            "Survey call recordings are deleted after the call and cannot be given: say so.",
            "Explain the logic of automated choices of collection steps (Art. 15(1)(h), R-ADM).",
        )
        draft = "\n".join((
            "Purposes and legal bases: " + "; ".join(f"{x.label_en} ({x.basis})"
                                                     for x in p.purposes) + ".",
            "Recipients: " + ", ".join(p.recipients) + ".",
            "Sources: " + ", ".join(p.sources) + ".",
            "Retention: " + "; ".join(f"{w}: {t}" for w, t in p.retention) + ".",
            "You may ask for rectification, erasure or restriction, and object (Arts. 16–18, "
            "21). You may complain to " + p.authority_text() + ".",
        ))
        actions: tuple[Action, ...] = identity_actions(self.right, ctx)
        return Outcome(self.right, actions, checklist, draft, ("R-ACC", "ID-2", "ID-3"))
