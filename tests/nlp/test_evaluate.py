"""The evaluation arithmetic, checked on a hand-computed example."""

from __future__ import annotations

from pathlib import Path

from intake_bot.nlp.classifier import Classification
from intake_bot.nlp.evaluate import Gold, plot_confusion, score


def _gold(rights: set[str], subject: str, lang: str = "da") -> Gold:
    return Gold("x", "t", frozenset(rights), subject, bool(rights), lang)


def _pred(rights: tuple[str, ...], subject: str, lang: str = "da") -> Classification:
    return Classification(rights, subject, bool(rights), lang, {}, False)


def test_scores_by_hand() -> None:
    # access: tp 1, fp 1, fn 1 → P = R = F1 = 0.5; erasure: tp 1 → 1.0; macro = 0.75.
    gold = [_gold({"access"}, "debtor"), _gold({"access", "erasure"}, "unknown"),
            _gold(set(), "debtor", "en")]
    pred = [_pred(("access",), "debtor"), _pred(("erasure",), "debtor"),
            _pred(("access",), "debtor", "da")]
    report = score(gold, pred)
    assert report["rights_per_label"]["access"] == {
        "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert report["rights_per_label"]["erasure"]["f1"] == 1.0
    assert report["rights_macro_f1"] == 0.75
    assert report["rights_micro_f1"] == round(2 * 2 / (2 * 2 + 1 + 1), 4)
    assert report["rights_exact_set_accuracy"] == round(1 / 3, 4)
    assert report["subject_type_accuracy"] == round(2 / 3, 4)
    assert report["language_accuracy"] == round(2 / 3, 4)
    assert report["gdpr_related_accuracy"] == round(2 / 3, 4)
    assert report["subject_confusion"]["unknown"]["debtor"] == 1


def test_confusion_matrix_is_drawn(tmp_path: Path) -> None:
    # The confusion matrix is written as a PNG picture.
    report = score([_gold({"access"}, "debtor")], [_pred(("access",), "debtor")])
    plot_confusion(report, tmp_path / "m.png")
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"
