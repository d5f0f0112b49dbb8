"""Rule-based entities: case and invoice numbers (spaCy Matcher, anchored on their keywords),
CPR numbers (python-stdnum, always masked), e-mails, phones, dates and amounts (patterns)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from intake_bot import normalize

CASE_WORDS = (
    "sag", "sagen", "sagsnr", "sagsnummer", "sagsnummeret", "inkassosag", "case", "ref",
    "reference", "referencenummer", "referensnummer", "ärende", "ärendenummer", "arende",
    "saksnummer", "sak", "saken", "saksnr", "aktenzeichen", "az", "vorgang", "vorgangsnummer",
    "asia", "asianumero", "viite", "kundenummer", "kundenr", "customer",
)
INVOICE_WORDS = (
    "faktura", "fakturaen", "fakturanr", "fakturanummer", "fakturanummeret", "invoice",
    "inv", "rechnung", "rechnungsnummer", "rechnungsnr", "regning", "regningen",
    "regningsnummer", "lasku", "laskun", "laskunumero", "fakturan", "fakturanumret",
)
_FILLER = {"LOWER": {"REGEX": r"^(nr|no|nummer|nummeret|number|numero|numret|is|er|är|ist|on|"
                             r"lautet|med|with|mit|på|for|für|#|:|-|\.)\.?:?$"}, "OP": "*"}


def _words(words: tuple[str, ...]) -> dict[str, object]:
    """A token that is one of `words`, also written with a trailing period or colon."""
    return {"LOWER": {"REGEX": r"^(" + "|".join(map(re.escape, words)) + r")[.:]?$"}}


_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)\d{2}[\s-]?(?:\d[\s-]?){6,11}\d(?!\d)"  # international
    r"|(?<![\w-])\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}(?![\w-])"  # Danish 8 digits
)
_MONTHS = (
    r"jan(uar|uary|vier|uari|)?|feb(ruar|ruary|ruari|)?|mar(ts|ch|s|z|)?|märz|apr(il|)?|"
    r"maj|may|mai|jun(i|e|)?|jul(i|y|)?|aug(ust|usti|)?|sep(tember|t|)?|okt(ober|)?|"
    r"oct(ober|)?|nov(ember|)?|dec(ember|)?|dez(ember|)?|des(ember|)?"
)
_DATE = re.compile(
    r"(?<!\d)(\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-](\d{4}|\d{2})"
    rf"|\d{{1,2}}\.?\s(?:{_MONTHS})\.?(\s\d{{4}})?)(?!\d)",
    re.IGNORECASE,
)
_CURRENCY = r"(kr\.?|dkk|sek|nok|eur|euro|€|\$|usd|chf|£)"
_NUMBER = r"\d{1,3}(?:[.\s ]\d{3})*(?:,\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?<![\w.,])(?:{_CURRENCY}\s?({_NUMBER})|({_NUMBER})\s?{_CURRENCY}(?![a-z]))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Entity:
    label: str
    text: str


@Language.factory("intake_entities")
def make_intake_entities(nlp: Language, name: str) -> IntakeEntities:
    return IntakeEntities(nlp)


class IntakeEntities:
    """Sets doc.ents from keyword-anchored matches and validated patterns."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = Matcher(nlp.vocab)
        number = {"TEXT": {"REGEX": r"^\d{5,10}$"}}
        ident = {"TEXT": {"REGEX": r"^[A-Za-z0-9][A-Za-z0-9/-]{2,24}$"}, "LIKE_EMAIL": False}
        self.matcher.add("CASE_NUMBER", [[_words(CASE_WORDS), _FILLER, number]])
        self.matcher.add("INVOICE_NUMBER", [[_words(INVOICE_WORDS), _FILLER,
                                             ident, {"TEXT": {"REGEX": r"^[-/]$"}, "OP": "?"},
                                             {"TEXT": {"REGEX": r"^\d+$"}, "OP": "?"}]])

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for match_id, start, end in self.matcher(doc):
            label = doc.vocab.strings[match_id]
            # The keyword and filler words are context; the entity is what follows them.
            first = start + 1
            while first < end - 1 and not any(ch.isdigit() for ch in doc[first].text):
                first += 1
            span = doc[first:end]
            if any(ch.isdigit() for ch in span.text):
                spans.append(Span(doc, span.start, span.end, label=label))
        matches = [("CPR", m) for m, _ in normalize.find_cprs(doc.text)] + [
            (label, m) for label, pattern in (("PHONE", _PHONE), ("DATE", _DATE),
                                              ("AMOUNT", _AMOUNT))
            for m in pattern.finditer(doc.text)]
        for label, m in matches:
            found = doc.char_span(m.start(), m.end(), label=label, alignment_mode="expand")
            if found is not None:
                spans.append(found)
        spans += [Span(doc, t.i, t.i + 1, label="EMAIL") for t in doc if t.like_email]
        # Longest wins; on a tie the earlier rule (case/invoice numbers, then CPR) is kept.
        doc.ents = filter_spans(spans)
        return doc


def build_entity_pipeline() -> Language:
    nlp = spacy.blank("xx")
    nlp.add_pipe("intake_entities")
    return nlp


def entities_of(doc: Doc) -> list[Entity]:
    """The entities of a processed doc; CPR numbers only ever in masked form (SPEC §2)."""
    out: list[Entity] = []
    for ent in doc.ents:
        text = ent.text
        if ent.label_ == "CPR":
            text = normalize.mask_cpr(text)
        elif ent.label_ == "PHONE":
            try:
                text = normalize.phone_e164(text)
            except ValueError:
                continue
        out.append(Entity(ent.label_, text))
    return out
