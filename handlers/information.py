"""Information (Arts. 13–14): general questions answered from the policy facts."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import Action, HandlerContext, Outcome


class InformationHandler:
    right: ClassVar[str] = "information"
    description: ClassVar[str] = "how, why, how long and with whom data are processed"

    def handle(self, ctx: HandlerContext) -> Outcome:
        p = ctx.policy
        draft = "\n".join((
            f"{p.controller['name']} is the controller for debt collection; for invoices we "
            "administer, the seller is.",
            "We process data for: " + "; ".join(f"{x.label_en} ({x.basis})"
                                                for x in p.purposes) + ".",
            "We may share data with: " + ", ".join(p.recipients) + ".",
            "We keep data: " + "; ".join(f"{w}: {t}" for w, t in p.retention) + ".",
            "You can complain to " + p.authority_text() + ".",
        ))
        checklist = ("Answer from the policy facts; no verification is needed (R-INF).",)
        # Only a pure information question is answered at once; with other rights in the same
        # message the acknowledgement goes out and the agent answers everything together.
        actions = (Action("answer_information"),) if ctx.rights == ("information",) else ()
        return Outcome(self.right, actions, checklist, draft, ("R-INF", "D-33"),
                       needs_agent=False)
