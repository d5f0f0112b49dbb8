"""Classifier benchmark: model load time, resident memory, batch throughput in process and
through the CLI, and single-message latency p50/p99.

    .venv/bin/python bench/classify.py [--model nlp_models/trained] [--messages 2000]

Messages are the held-out test split repeated as needed (real lengths and languages).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from intake_bot.nlp.paths import DEFAULT_MODEL_DIR, DEFAULT_TEST_FILE  # noqa: E402


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latency-runs", type=int, default=500)
    args = parser.parse_args()

    rows = [json.loads(x) for x in DEFAULT_TEST_FILE.read_text("utf-8").splitlines()]
    texts = [r["text"] for r in rows]
    texts = (texts * (args.messages // len(texts) + 1))[: args.messages]
    before = rss_mib()
    start = time.perf_counter()
    from intake_bot.nlp.classifier import Classifier

    classifier = Classifier(args.model)
    load = time.perf_counter() - start
    print(f"load (import + pipelines + lingua): {load:.2f} s; "
          f"resident memory {rss_mib():.0f} MiB (+{rss_mib() - before:.0f} MiB)")

    classifier.classify_many(texts[:64])  # warm-up
    start = time.perf_counter()
    classifier.classify_many(texts)
    elapsed = time.perf_counter() - start
    print(f"in-process batch: {len(texts)} messages in {elapsed:.2f} s = "
          f"{len(texts) / elapsed:,.0f} messages/s")

    latencies = []
    for text in texts[: args.latency_runs]:
        t0 = time.perf_counter()
        classifier.classify_text(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"single message: p50 {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms "
          f"({len(latencies)} messages)")

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for i, text in enumerate(texts):
            fh.write(json.dumps({"id": str(i), "channel": "email", "body": text}) + "\n")
        name = fh.name
    start = time.perf_counter()
    with open(name, encoding="utf-8") as stdin:
        done = subprocess.run([sys.executable, "-m", "intake_bot", "classify", "--model",
                               str(args.model)], stdin=stdin, capture_output=True, text=True,
                              cwd=REPO, check=True)
    elapsed = time.perf_counter() - start
    lines = done.stdout.count("\n")
    print(f"CLI batch (process start and model load included): {lines} messages in "
          f"{elapsed:.2f} s = {lines / elapsed:,.0f} messages/s")


if __name__ == "__main__":
    main()
