"""Seller redirect (§ 3.3): the seller is controller; reply generically and forward (P-1…P-5)."""

from __future__ import annotations

from typing import ClassVar

from handlers.base import Action, HandlerContext, Outcome


class SellerRedirectHandler:
    right: ClassVar[str] = "seller_redirect"
    description: ClassVar[str] = "invoice administration: the seller decides"

    def handle(self, ctx: HandlerContext) -> Outcome:
        actions = [Action("redirect_to_seller")]
        if ctx.has_seller_link:  # P-2: only a supplied number that matched links the seller
            actions.append(Action("forward_to_seller"))
        checklist = (
            "Do not handle the request substantively; act only on the seller's documented "
            "instruction (P-1, Art. 29).",
            "Forward only through a reliable link: supplied case or invoice number → client → "
            "privacy contact (P-2); otherwise ask for the invoice number.",
            "Forward by the end of the next working day (D-30); status forwarded (P-5).",
        )
        draft = ("Alektum administers the invoice on behalf of the seller, who is responsible "
                 "for your data and your request.")
        return Outcome(self.right, tuple(actions), checklist, draft, ("P-1", "P-2", "P-3",
                       "P-4", "P-5", "D-30"), needs_agent=not ctx.has_seller_link)
