"""A typo-tolerant cue lexicon: words that signal a right, a kind of writer or a non-GDPR
message, in the six languages we see. Matches become extra tokens (``cue_erasure`` …) that the
trained models weigh like any other word; rapidfuzz lets "slete" and "oplysniger" count."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

# Stems in folded form (see textprep.fold): a token matches a stem it starts with.
CUES: dict[str, tuple[str, ...]] = {
    "information": (
        "opbevar", "gemmer", "retsgrundlag", "hjemmel", "dataansvarlig", "databeskyttelsesraad",
        "dpo", "privatlivspolitik", "persondatapolitik", "formaal", "retention", "legal basis",
        "controller", "privacy policy", "lagrer", "lagra", "sparar", "behandlingsgrund",
        "rechtsgrundlage", "speicher", "datenschutzerklarung", "datenschutzbeauftragt",
        "sailyt", "tietosuojaseloste",
    ),
    "access": (
        "indsigt", "indsig", "kopi", "registerindsigt", "oplysninger", "access", "copy",
        "subject access", "sar", "dsar", "registerutdrag", "utdrag", "innsyn", "auskunft",
        "selbstauskunft", "kopie", "tietopyyn", "tarkastus",
    ),
    "rectification": (
        "ret ", "rette", "rettelse", "korriger", "opdater", "forkert", "rectif", "correct",
        "update", "wrong", "rattelse", "ratta", "felaktig", "retting", "endre", "feil",
        "berichtig", "korrigier", "falsch", "oikaise", "korjat",
    ),
    "erasure": (
        "slet", "slette", "sletning", "fjern", "glem", "delete", "erase", "erasure", "remove",
        "forgotten", "radera", "radering", "glomd", "ta bort", "slett", "sletting", "losch",
        "loesch", "entfern", "vergessen", "poista", "poisto",
    ),
    "restriction": (
        "begraens", "begrans", "blokering", "sperr", "frys", "indefrys", "restrict", "freeze",
        "suspend", "pause", "begransning", "spärr", "begrensning", "einschrank", "sperrung",
        "rajoit",
    ),
    "portability": (
        "portabilitet", "dataportabilitet", "overfor", "overfoer", "csv", "excel", "json",
        "xml", "maskinlaesbar", "maskinlasbar", "portab", "machine readable",
        "machine-readable", "transfer", "overfora", "overfore", "ubertrag", "uebertrag",
        "siirrettav",
    ),
    "objection": (
        "indsigelse", "indsigels", "protest", "object", "objection", "opt out", "unsubscribe",
        "afmeld", "nyhedsbrev", "newsletter", "markedsforing", "marketing", "profilering",
        "profiling", "invand", "invandning", "avregistr", "nyhetsbrev", "reserver",
        "motsetter", "innsigelse", "widerspruch", "widersprech", "abbestell", "abmeld",
        "werbung", "vastust", "uutiskirje", "statistik", "statistics", "analyse",
    ),
    "automated_decision": (
        "automat", "algoritm", "algorithm", "computer", "robot", "maskine", "menneske",
        "human", "score", "scoring", "kreditvurder", "kreditvaerd", "profil", "automatiser",
        "automatis", "manuel", "manual review", "automatisk", "manniska", "menneskelig",
        "automatisiert", "mensch", "automaattis", "ihminen",
    ),
    "consent_withdrawal": (
        "samtykke", "samtykk", "consent", "tilbagekald", "traekker", "fortryder", "withdraw",
        "revoke", "samtycke", "aterkalla", "tilbakekall", "einwillig", "widerruf", "widerrufe",
        "suostumu", "peruutan",
    ),
    "complaint": (
        "klage", "klager", "klagen", "datatilsynet", "tilsyn", "complain", "complaint",
        "supervisory", "ico", "imy", "integritetsskydd", "anmeld", "anmal", "beschwer",
        "aufsichtsbehord", "datenschutzbehord", "valitus", "tietosuojavaltuutet", "breach",
        "ulovlig", "illegal", "olaglig", "rechtswidrig",
    ),
    "subj_debtor": (
        "inkasso", "rykker", "purring", "purre", "inkassovarsel", "betalingspaakrav",
        "betalingspakrav", "foged", "gaeld", "gald", "skyld", "debt", "collection",
        "debtor", "inkassokrav", "paminnelse", "betalningsforelaggande", "kronofogd",
        "namsmann", "mahnung", "forderung", "schuld", "perinta", "velka", "udlaeg",
    ),
    "subj_invoice": (
        "faktura", "invoice", "regning", "rechnung", "lasku", "saelger", "salger", "seller",
        "butik", "webshop", "abonnement", "subscription", "kob", "kobt", "kjop", "kop",
        "verkaufer", "handler", "shop",
    ),
    "subj_survey": (
        "tilfredshed", "undersoegelse", "undersogelse", "survey", "sms", "optag", "optagelse",
        "recording", "recorded", "enkat", "nojdhet", "kundeundersok", "umfrage", "aufzeichn",
        "aufnahme", "kysely", "tyytyvaisyy", "nauhoit",
    ),
    "subj_business": (
        "samarbejd", "kunde hos", "leverandor", "supplier", "partner", "our company",
        "vores virksomhed", "cvr", "aps", "a/s", "gmbh", "ab ", "oy ", "tilbud", "offer",
        "b2b", "firma", "virksomhed", "company", "unternehmen", "foretag", "yritys",
    ),
    "not_gdpr": (
        "afdrag", "afdragsordning", "betalingsaftale", "betalt", "paid", "payment plan",
        "installment", "instalment", "kontonummer", "kontonr", "reg nr", "gebyr", "fee",
        "out of office", "fravaerende", "ferie", "vacation", "abwesend", "urlaub",
        "ansogning", "application", "cv", "job", "stilling", "bewerbung", "lottery",
        "vundet", "winner", "klik her", "click here", "password", "adgangskode",
        "avbetalning", "betalningsplan", "nedbetaling", "ratenzahlung", "bezahlt",
        "maksusuunnitelma", "maksettu",
    ),
}

_PHRASES = {label: tuple(s for s in stems if " " in s) for label, stems in CUES.items()}
_WORD_STEMS = {label: tuple(s for s in stems if " " not in s) for label, stems in CUES.items()}
_ALL_STEMS = sorted({s for stems in _WORD_STEMS.values() for s in stems})
_STEM_LABELS: dict[str, tuple[str, ...]] = {
    s: tuple(label for label, stems in _WORD_STEMS.items() if s in stems) for s in _ALL_STEMS
}
_TOKEN = re.compile(r"[a-z0-9/]+")
# A cue within this many words after a negation is marked as negated ("jeg klager IKKE",
# "no complaint", "inte radera"): the models weigh `cue_neg_complaint` on its own.
NEGATIONS = frozenset({
    "ikke", "ik", "ikk", "ingen", "intet", "not", "no", "dont", "don", "doesnt", "isnt",
    "never", "without", "inte", "icke", "ingen", "ikkje", "nicht", "kein", "keine", "keinen",
    "ohne", "ei", "ala", "ilman",
})
NEGATION_SCOPE = 3
FUZZY_MIN_LENGTH = 5
FUZZY_CUTOFF = 84.0


@lru_cache(maxsize=65536)
def _token_labels(token: str) -> tuple[str, ...]:
    """Labels whose stem the token starts with; failing that, a close typo of a stem."""
    hits = [s for s in _ALL_STEMS if token.startswith(s) and (len(s) >= 4 or token == s)]
    if hits:  # the longest stem decides: "indsigelse" is an objection, not "indsig(t)"
        longest = max(map(len, hits))
        hits = [s for s in hits if len(s) == longest]
    if not hits and len(token) >= FUZZY_MIN_LENGTH:
        # Compare against the token's own length of each stem's start, so "oplysniger" meets
        # "oplysninger" and "slete" meets "slette", but short tokens never guess.
        best = process.extractOne(
            token, _ALL_STEMS, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF,
            processor=None,
        )
        if best is not None and len(best[0]) >= FUZZY_MIN_LENGTH:
            hits = [best[0]]
    return tuple(sorted({label for s in hits for label in _STEM_LABELS[s]}))


def cue_labels(folded: str, negation: bool = True) -> list[str]:
    """Cue labels found in folded text, in order of first appearance; a cue right after a
    negation comes out as ``neg_<label>``."""
    found: dict[str, None] = {}
    padded = f" {folded} "
    for label, phrases in _PHRASES.items():
        if any(f" {p}" in padded for p in phrases):
            found[label] = None
    last_negation = -NEGATION_SCOPE - 1
    tokens = _TOKEN.findall(folded)
    for i, token in enumerate(tokens):
        if negation and token in NEGATIONS:
            last_negation = i
            continue
        # Before the cue ("jeg gør ikke indsigelse") or right after it ("jeg klager ikke").
        negated = negation and (
            i - last_negation <= NEGATION_SCOPE
            or (i + 1 < len(tokens) and tokens[i + 1] in NEGATIONS)
        )
        for label in _token_labels(token):
            found[f"neg_{label}" if negated else label] = None
    return list(found)


def cue_tokens(labels: Iterable[str]) -> str:
    """The extra words appended to the model input, e.g. ``cue_erasure cue_subj_debtor``."""
    return " ".join(f"cue_{label}" for label in labels)
