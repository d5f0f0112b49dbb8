"""Per-request-type handlers, one module each, all with the interface of handlers/base.py."""

from __future__ import annotations

from handlers.access import AccessHandler
from handlers.automated_decision import AutomatedDecisionHandler
from handlers.base import Handler, HandlerContext, Outcome
from handlers.complaint import ComplaintHandler
from handlers.consent_withdrawal import ConsentWithdrawalHandler
from handlers.erasure import ErasureHandler
from handlers.information import InformationHandler
from handlers.not_gdpr import NotGdprHandler
from handlers.objection import ObjectionHandler
from handlers.portability import PortabilityHandler
from handlers.rectification import RectificationHandler
from handlers.restriction import RestrictionHandler
from handlers.seller_redirect import SellerRedirectHandler

REGISTRY: dict[str, Handler] = {h.right: h for h in (
    AccessHandler(), RectificationHandler(), ErasureHandler(), RestrictionHandler(),
    PortabilityHandler(), ObjectionHandler(), AutomatedDecisionHandler(), InformationHandler(),
    ConsentWithdrawalHandler(), ComplaintHandler(), SellerRedirectHandler(), NotGdprHandler(),
)}


def plan(ctx: HandlerContext, gdpr_related: bool) -> list[Outcome]:
    """The handlers' outcomes for a ticket: the seller redirect when the seller is controller,
    the hand-off when it is no GDPR matter, else one outcome per right."""
    if not gdpr_related:
        return [REGISTRY["not_gdpr"].handle(ctx)]
    if ctx.controller == "seller":
        return [REGISTRY["seller_redirect"].handle(ctx)]
    return [REGISTRY[right].handle(ctx) for right in ctx.rights if right in REGISTRY]


__all__ = ["REGISTRY", "Handler", "HandlerContext", "Outcome", "plan"]
