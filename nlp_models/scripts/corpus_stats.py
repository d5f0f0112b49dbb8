"""Write the corpus mix (counts and shares per requirement) into README.md between markers.

    python scripts/corpus_stats.py assets README.md
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

START, END = "<!-- corpus -->", "<!-- /corpus -->"


def table(assets: Path) -> str:
    rows, sizes = [], {}
    for split in ("train", "dev", "test"):
        lines = (assets / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        sizes[split] = len(lines)
        rows += [json.loads(line) for line in lines]
    n = len(rows)
    langs = Counter(r["lang"] for r in rows)
    tags = Counter(t for r in rows for t in r["tags"])
    rights = {k: int(sum(r["cats"][k] for r in rows))
              for k in ("information", "access", "rectification", "erasure", "restriction",
                        "portability", "objection", "automated_decision",
                        "consent_withdrawal", "complaint")}
    subjects = {k: int(sum(r["cats"][k] for r in rows))
                for k in ("debtor", "invoice_recipient", "survey_participant",
                          "business_contact", "unknown")}
    multi = sum(1 for r in rows if sum(r["cats"][k] for k in rights) >= 2)
    not_gdpr = sum(1 for r in rows if not r["cats"]["gdpr_related"])

    def pct(x: int) -> str:
        return f"{100 * x / n:.1f} %"

    texture = ", ".join(f"{k} {v}" for k, v in tags.most_common() if k != "chat_short")
    return "\n".join([
        "| | count / share | required |", "| --- | --- | --- |",
        f"| messages | {n:,} (train {sizes['train']:,}, dev {sizes['dev']:,}, "
        f"test {sizes['test']:,}) | ≥ 3,000 |",
        f"| Danish / English | {langs['da']:,} ({pct(langs['da'])}) / {langs['en']:,} "
        f"({pct(langs['en'])}) | ≥ 50 % / ≥ 20 % |",
        f"| Swedish / Norwegian / German / Finnish | {langs['sv']} / {langs['nb']} / "
        f"{langs['de']} / {langs['fi']} | ≥ 150 each (Finnish: detected) |",
        f"| chat-style one-liners and short texts | {pct(tags['chat_short'])} | ≥ 30 % |",
        f"| not GDPR-related | {pct(not_gdpr)} | ≥ 15 % |",
        f"| two or more rights | {pct(multi)} | ≥ 15 % |",
        "| per right | " + ", ".join(f"{k} {v}" for k, v in rights.items()) + " | ≥ 150 each |",
        "| per subject type | " + ", ".join(f"{k} {v}" for k, v in subjects.items()) + " | |",
        "", f"Texture, by tag: {texture}.",
    ])


def main(assets: Path, readme: Path) -> None:
    text = readme.read_text(encoding="utf-8")
    body = f"{START}\n{table(assets)}\n{END}"
    readme.write_text(
        re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: body, text, flags=re.S),
        encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
