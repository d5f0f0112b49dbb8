"""Write the figures of trained/metrics.json into README.md between the figures markers.

    python scripts/report.py trained/metrics.json README.md
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

START, END = "<!-- figures -->", "<!-- /figures -->"


def markdown(m: dict[str, Any]) -> str:
    lines = [
        f"On the {m['n']} messages of the held-out test split:", "",
        "| figure | value |", "| --- | --- |",
        f"| rights macro-F1 | {m['rights_macro_f1']:.3f} |",
        f"| rights micro-F1 | {m['rights_micro_f1']:.3f} |",
        f"| rights exact-set accuracy | {m['rights_exact_set_accuracy']:.3f} |",
        f"| gdpr_related accuracy | {m['gdpr_related_accuracy']:.3f} |",
        f"| subject-type accuracy | {m['subject_type_accuracy']:.3f} |",
        f"| language accuracy | {m['language_accuracy']:.3f} |",
        f"| share flagged needs_review | {m['needs_review_rate']:.3f} |",
        f"| rights and subject type both right, unflagged / flagged | "
        f"{m['exact_when_not_flagged']:.3f} / {m['exact_when_flagged']:.3f} |",
        "", "| right | precision | recall | F1 | n |", "| --- | --- | --- | --- | --- |",
    ]
    for label, r in m["rights_per_label"].items():
        lines.append(f"| {label} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} "
                     f"| {r['support']} |")
    lines += ["", "| language | n | rights macro-F1 | exact set | gdpr_related | subject type "
              "| language |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for lang, r in m["per_language"].items():
        lines.append(f"| {lang} | {r['n']} | {r['rights_macro_f1']:.3f} | "
                     f"{r['rights_exact_set_accuracy']:.3f} | {r['gdpr_related_accuracy']:.3f} | "
                     f"{r['subject_type_accuracy']:.3f} | {r['language_accuracy']:.3f} |")
    names = list(m["subject_confusion"])
    lines += ["", "Subject-type confusion (rows: gold, columns: predicted):", "",
              "| gold \\ predicted | " + " | ".join(names) + " |",
              "| --- |" + " --- |" * len(names)]
    for gold, row in m["subject_confusion"].items():
        lines.append(f"| {gold} | " + " | ".join(str(row[n]) for n in names) + " |")
    return "\n".join(lines)


def main(metrics: Path, readme: Path) -> None:
    text = readme.read_text(encoding="utf-8")
    body = f"{START}\n{markdown(json.loads(metrics.read_text(encoding='utf-8')))}\n{END}"
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: body, text, flags=re.S)
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
