"""Raw corpus files → assets/{train,dev,test}.jsonl with every label as 0.0/1.0 (STYLE 12).

Train and dev come from assets/raw/train_*.jsonl (dev: a stable 15 % by id hash); test comes
only from assets/raw/test.jsonl, written separately and never used for training or thresholds.
A training text that also occurs in the test file is dropped from training (leakage guard).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

from intake_bot.nlp.features import message_text
from intake_bot.nlp.labels import GDPR, LANGUAGES, RIGHTS, SUBJECT_TYPES

DEV_PERCENT = 15


def load(path: Path) -> list[dict[str, object]]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        r = json.loads(line)
        rights = r["rights"]
        problems = [x for x in rights if x not in RIGHTS]
        if problems or r["subject_type"] not in SUBJECT_TYPES or r["lang"] not in LANGUAGES:
            sys.exit(f"{path.name} line {number}: unknown label")
        if not r["gdpr_related"] and rights:
            sys.exit(f"{path.name} line {number}: rights on a non-GDPR message")
        records.append(r)
    return records


def to_asset(r: dict[str, object], source: str) -> dict[str, object]:
    rights = set(r["rights"])  # type: ignore[arg-type]
    cats = {label: float(label in rights) for label in RIGHTS}
    cats[GDPR] = float(bool(r["gdpr_related"]))
    cats.update({s: float(s == r["subject_type"]) for s in SUBJECT_TYPES})
    cats.update({f"lang_{c}": float(c == r["lang"]) for c in LANGUAGES})
    return {"id": r["id"], "lang": r["lang"], "channel": r["channel"],
            "text": message_text(str(r.get("subject") or ""), str(r["body"])),
            "cats": cats, "tags": r.get("tags", []),
            # The file a message came from: one writer and brief (scripts/crossval.py).
            "source": source}


def main(raw: Path, out: Path) -> None:
    test = [to_asset(r, "test") for r in load(raw / "test.jsonl")]
    test_texts = {t["text"] for t in test}
    splits: dict[str, list[dict[str, object]]] = {"train": [], "dev": []}
    dropped = 0
    for path in sorted(raw.glob("train_*.jsonl")):
        for r in load(path):
            asset = to_asset(r, path.stem)
            if asset["text"] in test_texts:
                dropped += 1
                continue
            bucket = int(hashlib.sha256(str(r["id"]).encode()).hexdigest(), 16) % 100
            splits["dev" if bucket < DEV_PERCENT else "train"].append(asset)
    splits["test"] = test
    for name, rows in splits.items():
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        langs = Counter(str(r["lang"]) for r in rows)
        print(f"{name}: {len(rows)} messages {dict(sorted(langs.items()))}")
    if dropped:
        print(f"dropped {dropped} training texts that also occur in the test split")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
