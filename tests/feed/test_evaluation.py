"""Precision and recall of each pre-publication check on a labelled set we wrote ourselves.

tests/data/feed_eval.jsonl holds 145 posts in six groups: neutral safety reports, profiling
reports, reports that mention race properly (behaviour first, full description), hateful
or abusive text, text with personal data, and text with links.  Each line is labelled with
the guidelines a careful moderator would cite.  ``pytest -s`` prints the table.

Caveat: the same people wrote the rules and the first 130 lines, so those figures flatter
the rules.  The last 15 lines were written afterwards to probe known weak spots (coded
profiling, censored swearing, spelled-out numbers, names without a title) and the rules
were not tuned on them; they are where most misses are.  An independent set is the next
step before these figures are published as more than a floor.

Floors sit just under today's figures, so that a change that makes a check worse fails;
each is chosen for what an error costs:
- A *missed* profiling or hateful post goes live and hurts people, so recall matters most
  for the person-description, profiling and hate checks, and for the whole pipeline on
  "should be held" (0.85).  The hate rules and the classifier floor at 0.75: each covers
  half of the abuse (phrases vs. swear words) and the pipeline floor covers the union.
- A *false* hold costs a neighbour a wait and a moderator a look, never a rejection (a
  person decides), yet a feed that holds ordinary posts teaches people to ignore the
  guidance, so the pipeline must keep at least 95% of its holds justified.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from porchlight.feed.moderation import Pipeline, Submission, default_pipeline

DATA = Path(__file__).resolve().parents[1] / "data" / "feed_eval.jsonl"

# check name -> the guideline label it is measured against
CHECKS = {
    "person-description": "describe-behaviour",
    "profiling": "no-profiling",
    "hate-rules": "no-hate",
    "classifier": "respectful-language",
    "personal-data": "personal-data",
    "links": "links",
}
FLOORS = {  # (precision, recall)
    "person-description": (0.9, 0.85),
    "profiling": (0.85, 0.85),
    "hate-rules": (0.9, 0.75),
    "classifier": (0.9, 0.75),
    "personal-data": (0.9, 0.8),
    "links": (0.9, 0.85),
    "pipeline (held)": (0.95, 0.85),
}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, predicted: bool, actual: bool) -> None:
        self.tp += predicted and actual
        self.fp += predicted and not actual
        self.fn += actual and not predicted


def examples() -> Iterator[tuple[dict[str, object], Submission]]:
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        yield (
            row,
            Submission(
                body=row["body"], title=row["title"], category=row["category"], person=row["person"]
            ),
        )


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return default_pipeline()


@pytest.fixture(scope="module")
def scores(pipeline: Pipeline) -> dict[str, Score]:
    table = {name: Score() for name in FLOORS}
    for row, item in examples():
        labels = set(row["labels"])  # type: ignore[call-overload]
        found = pipeline.by_check(item)
        for check, label in CHECKS.items():
            table[check].add(bool(found[check]), label in labels)
        table["pipeline (held)"].add(any(found.values()), bool(labels))
    return table


def test_the_set_is_big_enough_and_covers_every_group() -> None:
    rows = [row for row, _ in examples()]
    assert len(rows) >= 120
    groups = {row["group"] for row in rows}
    assert groups == {"neutral", "profiling", "race_proper", "hateful", "personal_data", "links"}


def test_print_the_table(scores: dict[str, Score]) -> None:
    print("\ncheck                precision  recall   tp  fp  fn")
    for name, s in scores.items():
        print(f"{name:20} {s.precision:9.2f} {s.recall:7.2f} {s.tp:4} {s.fp:3} {s.fn:3}")


@pytest.mark.parametrize("check", list(FLOORS))
def test_each_check_meets_its_floor(check: str, scores: dict[str, Score]) -> None:
    precision, recall = FLOORS[check]
    assert scores[check].precision >= precision, scores[check]
    assert scores[check].recall >= recall, scores[check]


def test_posts_that_describe_race_properly_go_live(pipeline: Pipeline) -> None:
    proper = [item for row, item in examples() if row["group"] == "race_proper"]
    held = [item.title for item in proper if pipeline.run(item)]
    assert len(held) <= 1, held
