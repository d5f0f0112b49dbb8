"""Label sets of SPEC §1 as the models use them."""

from __future__ import annotations

RIGHTS = (
    "information", "access", "rectification", "erasure", "restriction", "portability",
    "objection", "automated_decision", "consent_withdrawal", "complaint",
)
GDPR = "gdpr_related"
RIGHTS_MODEL_LABELS = (*RIGHTS, GDPR)
SUBJECT_TYPES = ("debtor", "invoice_recipient", "survey_participant", "business_contact",
                 "unknown")
LANGUAGES = ("da", "en", "sv", "nb", "de", "fi")
