"""Evaluation of the classifier on a labelled file: per-label and per-language figures, the
subject-type confusion matrix (printed and drawn), in the shape kept as metrics.json."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake_bot.nlp.classifier import Classification, Classifier
from intake_bot.nlp.features import message_text
from intake_bot.nlp.labels import GDPR, RIGHTS, SUBJECT_TYPES


@dataclass(frozen=True)
class Gold:
    id: str
    text: str
    rights: frozenset[str]
    subject_type: str
    gdpr_related: bool
    language: str


def load_gold(path: Path) -> list[Gold]:
    """Labelled messages from assets format ({"text", "cats"}) or raw corpus format."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if "cats" in r:
            cats = r["cats"]
            out.append(Gold(
                str(r["id"]), r["text"], frozenset(x for x in RIGHTS if cats[x] >= 0.5),
                max(SUBJECT_TYPES, key=lambda s: cats[s]), cats[GDPR] >= 0.5, r["lang"]))
        else:
            out.append(Gold(
                str(r["id"]), message_text(r.get("subject"), r["body"]), frozenset(r["rights"]),
                r["subject_type"], bool(r["gdpr_related"]), r.get("lang") or r.get("language")))
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score(gold: Sequence[Gold], pred: Sequence[Classification]) -> dict[str, Any]:
    """All figures for one set of predictions."""
    counts = {r: Counter[str]() for r in RIGHTS}
    for g, p in zip(gold, pred, strict=True):
        for r in RIGHTS:
            hit, want = r in p.rights, r in g.rights
            counts[r]["tp" if hit and want else "fp" if hit else "fn" if want else "tn"] += 1
    per_label = {r: {**_prf(c["tp"], c["fp"], c["fn"]), "support": c["tp"] + c["fn"]}
                 for r, c in counts.items()}
    present = [r for r in RIGHTS if per_label[r]["support"]]
    macro = sum(per_label[r]["f1"] for r in present) / len(present) if present else 0.0
    micro = _prf(*(sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn")))["f1"]
    n = len(gold)
    confusion = {t: dict.fromkeys(SUBJECT_TYPES, 0) for t in SUBJECT_TYPES}
    for g, p in zip(gold, pred, strict=True):
        confusion[g.subject_type][p.subject_type] += 1
    return {
        "n": n,
        "rights_macro_f1": round(macro, 4),
        "rights_micro_f1": micro,
        "rights_exact_set_accuracy": _acc(
            g.rights == frozenset(p.rights) for g, p in zip(gold, pred, strict=True)),
        "gdpr_related_accuracy": _acc(
            g.gdpr_related == p.gdpr_related for g, p in zip(gold, pred, strict=True)),
        "subject_type_accuracy": _acc(
            g.subject_type == p.subject_type for g, p in zip(gold, pred, strict=True)),
        "language_accuracy": _acc(
            g.language == p.language for g, p in zip(gold, pred, strict=True)),
        "needs_review_rate": _acc(p.needs_review for p in pred),
        # The flag is useful only if the unflagged messages are the reliable ones.
        "exact_when_not_flagged": _acc(
            g.rights == frozenset(p.rights) and g.subject_type == p.subject_type
            for g, p in zip(gold, pred, strict=True) if not p.needs_review),
        "exact_when_flagged": _acc(
            g.rights == frozenset(p.rights) and g.subject_type == p.subject_type
            for g, p in zip(gold, pred, strict=True) if p.needs_review),
        "rights_per_label": per_label,
        "subject_confusion": confusion,
    }


def _acc(flags: Iterable[bool]) -> float:
    values = list(flags)
    return round(sum(values) / len(values), 4) if values else 0.0


def evaluate(classifier: Classifier, gold: Sequence[Gold]) -> dict[str, Any]:
    """Overall figures plus the same per language."""
    pred = classifier.classify_many([g.text for g in gold])
    report = score(gold, pred)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(gold):
        by_lang[g.language].append(i)
    report["per_language"] = {
        lang: {k: v for k, v in score([gold[i] for i in idx], [pred[i] for i in idx]).items()
               if not isinstance(v, dict)}
        for lang, idx in sorted(by_lang.items())
    }
    return report


def render(report: Mapping[str, Any]) -> str:
    """The report as text for a terminal."""
    lines = [f"messages: {report['n']}", "", f"{'right':20} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}"]
    for label, m in report["rights_per_label"].items():
        lines.append(f"{label:20} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} "
                     f"{m['support']:5d}")
    lines += [
        "",
        f"rights macro F1        {report['rights_macro_f1']:.3f}",
        f"rights micro F1        {report['rights_micro_f1']:.3f}",
        f"rights exact-set acc.  {report['rights_exact_set_accuracy']:.3f}",
        f"gdpr_related accuracy  {report['gdpr_related_accuracy']:.3f}",
        f"subject_type accuracy  {report['subject_type_accuracy']:.3f}",
        f"language accuracy      {report['language_accuracy']:.3f}",
        f"needs_review rate      {report['needs_review_rate']:.3f} (rights and subject both "
        f"right: {report['exact_when_not_flagged']:.3f} unflagged, "
        f"{report['exact_when_flagged']:.3f} flagged)",
        "", "subject-type confusion (rows: gold, columns: predicted)",
        " " * 20 + "".join(f"{s[:10]:>11}" for s in SUBJECT_TYPES),
    ]
    for gold_label, row in report["subject_confusion"].items():
        lines.append(f"{gold_label:20}" + "".join(f"{row[s]:11d}" for s in SUBJECT_TYPES))
    lines += ["", f"{'language':8} {'n':>5} {'rightsF1':>9} {'microF1':>8} {'exact':>6} "
              f"{'gdpr':>6} {'subject':>8} {'lang':>6}"]
    for lang, m in report["per_language"].items():
        lines.append(f"{lang:8} {m['n']:5d} {m['rights_macro_f1']:9.3f} "
                     f"{m['rights_micro_f1']:8.3f} {m['rights_exact_set_accuracy']:6.3f} "
                     f"{m['gdpr_related_accuracy']:6.3f} {m['subject_type_accuracy']:8.3f} "
                     f"{m['language_accuracy']:6.3f}")
    return "\n".join(lines)


def plot_confusion(report: Mapping[str, Any], path: Path) -> None:
    """Draw the subject-type confusion matrix as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = [[report["subject_confusion"][g][p] for p in SUBJECT_TYPES] for g in SUBJECT_TYPES]
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.imshow(matrix, cmap="Blues")
    names = [s.replace("_", "\n") for s in SUBJECT_TYPES]
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center",
                    color="white" if value > top / 2 else "black")
    ax.set_title(f"Subject type (accuracy {report['subject_type_accuracy']:.3f}, "
                 f"n={report['n']})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
