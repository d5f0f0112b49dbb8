"""The linear companion: the naive-Bayes scaling folded into the weights reads plain features
exactly as the scaled regression did, and a saved model scores as it did before saving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from intake_bot.nlp import linear
from intake_bot.nlp.labels import GDPR, RIGHTS, SUBJECT_TYPES
from intake_bot.nlp.linear import LinearModel, linear_input

PHRASES = {
    "information": "hvor længe gemmer I oplysninger om folk",
    "access": "send mig en kopi af alt hvad I har om mig",
    "rectification": "min adresse er forkert, ret den venligst",
    "erasure": "slet mine oplysninger med det samme",
    "restriction": "stop behandlingen indtil sagen er undersøgt",
    "portability": "send mine data som csv fil til min bank",
    "objection": "afmeld mig jeres nyhedsbrev og reklamer",
    "automated_decision": "var det en computer der besluttede det om mig",
    "consent_withdrawal": "jeg trækker mit samtykke til optagelsen tilbage",
    "complaint": "jeg klager til datatilsynet over jeres behandling",
}
NOT_GDPR = ["jeg har betalt regningen i går", "kan jeg få en afdragsordning",
            "send en kopi af fakturaen", "jeg er på ferie til mandag"]


def _corpus() -> tuple[list[str], list[dict[str, float]]]:
    texts, cats = [], []
    for n in range(4):
        for i, (right, phrase) in enumerate(PHRASES.items()):
            texts.append(f"{phrase} sag {n}{i}")
            subject = SUBJECT_TYPES[(n + i) % len(SUBJECT_TYPES)]
            cats.append({**{r: float(r == right) for r in RIGHTS}, GDPR: 1.0,
                         **{s: float(s == subject) for s in SUBJECT_TYPES}})
        for j, text in enumerate(NOT_GDPR):
            subject = SUBJECT_TYPES[(n + j) % len(SUBJECT_TYPES)]
            texts.append(f"{text} nr {n}{j}")
            cats.append({**{r: 0.0 for r in RIGHTS}, GDPR: 0.0,
                         **{s: float(s == subject) for s in SUBJECT_TYPES}})
    return texts, cats


@pytest.fixture(scope="module")
def model() -> LinearModel:
    texts, cats = _corpus()
    return LinearModel.fit(texts, cats)


def test_folded_scaling_scores_like_the_scaled_regression() -> None:
    texts, cats = _corpus()
    vectorizer = linear._vectorizer()
    x = vectorizer.fit_transform([linear_input(t) for t in texts])
    y = np.array([c["erasure"] >= 0.5 for c in cats])
    folded = linear._fit_scaled(x, (x > 0).astype(np.float32), y)
    present = (x > 0).astype(np.float32)
    pos = np.asarray(present[y].sum(axis=0)).ravel() + 1.0
    neg = np.asarray(present[~y].sum(axis=0)).ravel() + 1.0
    ratio = np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float32)
    explicit = LogisticRegression(C=linear.NB_C, max_iter=3000, class_weight="balanced").fit(
        x.multiply(ratio).tocsr(), y)
    np.testing.assert_allclose(folded.predict_proba(x), explicit.predict_proba(
        x.multiply(ratio).tocsr()), atol=1e-5)
    # and the scaling is what makes the difference: the plain features alone score otherwise
    assert not np.allclose(explicit.predict_proba(x), explicit.predict_proba(
        x.multiply(ratio).tocsr()), atol=1e-3)


def test_scores_average_the_plain_and_scaled_regressions(model: LinearModel) -> None:
    text = "slet mine oplysninger nu"
    x = model.vectorizer.transform([linear_input(text)])
    plain = model.binary["erasure"].predict_proba(x)[0, 1]
    scaled = model.scaled["erasure"].predict_proba(x)[0, 1]
    assert set(model.scaled) == {*RIGHTS, GDPR}
    assert model.scores([text])[0]["erasure"] == pytest.approx((plain + scaled) / 2)
    assert model.scores([text])[0]["erasure"] > 0.5 > model.scores([text])[0]["complaint"]


def test_saved_model_scores_as_before(model: LinearModel, tmp_path: Path) -> None:
    texts = ["jeg klager over jer", "hvad har I om mig", "betalt i går"]
    model.save(tmp_path / "linear")
    loaded = LinearModel.load(tmp_path / "linear")
    assert loaded.mix == model.mix
    for a, b in zip(loaded.scores(texts), model.scores(texts), strict=True):
        assert a == pytest.approx(b)
