"""Benchmark: posts per second through the whole pre-publication pipeline.

Runs the posts of tests/data/feed_eval.jsonl, repeated, through the default pipeline
(person-description, profiling, hate rules, personal data, links, then the shipped
classifier), one post at a time as the server does.  The baseline, measured in the same
process, is the shipped classifier alone scoring each post's passages: the ratio says
what the rule checks add on top of the model (1.0 would be free).

Run: .venv/bin/python bench/feed_moderation.py [seconds]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    from porchlight.feed.moderation import ShippedModel, Submission, default_pipeline
    from porchlight.feed.moderation.classifier import sentences
except ImportError:  # run from a checkout without PYTHONPATH=src
    sys.path.insert(0, str(ROOT / "src"))
    from porchlight.feed.moderation import ShippedModel, Submission, default_pipeline
    from porchlight.feed.moderation.classifier import sentences


def load_posts() -> list[Submission]:
    posts = []
    for line in (ROOT / "tests" / "data" / "feed_eval.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        posts.append(Submission(row["body"], row["title"], row["category"], row["person"]))
    return posts


def rate(work: Callable[[Submission], object], posts: list[Submission], seconds: float) -> float:
    """Posts per second of ``work`` over ``posts``, cycling for about ``seconds``."""
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for post in posts:
            work(post)
        done += len(posts)
    return done / (time.perf_counter() - start)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    posts = load_posts()
    model = ShippedModel()
    pipeline = default_pipeline(model)
    started = time.perf_counter()
    model.scores(["warm up the model"])
    print(f"model load: {time.perf_counter() - started:.2f} s ({len(posts)} distinct posts)")
    baseline = rate(lambda p: model.scores(sentences(p)), posts, seconds)
    full = rate(pipeline.run, posts, seconds)
    rules = rate(lambda p: [c(p) for c in pipeline.checks[:-1]], posts, seconds)
    print(f"classifier alone (baseline): {baseline:8.0f} posts/s")
    print(f"rule checks alone:           {rules:8.0f} posts/s")
    print(f"whole pipeline:              {full:8.0f} posts/s")
    print(f"ratio pipeline / baseline:   {full / baseline:8.2f}")


if __name__ == "__main__":
    main()
