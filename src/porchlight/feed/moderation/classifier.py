"""The text classifier for insults, slurs and abuse: pluggable, the shipped model by default.

The default is the linear model (TF-IDF + calibrated linear SVM) that the PyPI package
``alt-profanity-check`` ships inside its wheel: it loads from the installed files, never
from the network, in about a second, and scores a short post in well under a millisecond.
It knows offensive *words*; dehumanising phrasing in polite words is the job of the
rule checks in :mod:`porchlight.feed.moderation.rules`.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from porchlight.feed.moderation.checks import Reason, Submission

# On tests/data/feed_eval.jsonl every insult scores 0.99 or more and every ordinary report
# 0.74 or less (the model is erratic on some plain sentences: "Strong smell of smoke around
# Bidwell this afternoon." scores 0.74).  0.9 sits in that gap; a held post only waits for
# a person, so a lower threshold would cost moderators' time for little gain.
DEFAULT_THRESHOLD = 0.9
MIN_WORDS = 6


class ToxicityClassifier(Protocol):
    """Anything that scores texts from 0 (fine) to 1 (offensive)."""

    def scores(self, texts: Sequence[str]) -> list[float]: ...


_load_lock = threading.Lock()
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(item: Submission, min_words: int = MIN_WORDS) -> list[str]:
    """The item as short passages of at least ``min_words`` words, for scoring one by one.

    Scoring passages separately keeps one insult in a long, calm post from being diluted
    by the rest; merging short fragments matters because the model is erratic on one or
    two words ("Lost dog" scores 0.66).
    """
    person = ", ".join(v.strip() for v in item.person.values() if v.strip())
    parts = [item.title, *_SENTENCE_END.split(item.body), person]
    passages: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if passages and len(passages[-1].split()) < min_words:
            passages[-1] = f"{passages[-1]} {part}"
        else:
            passages.append(part)
    if len(passages) > 1 and len(passages[-1].split()) < min_words:
        passages[-2:] = [" ".join(passages[-2:])]
    return passages


@functools.cache
def _shipped_predictor() -> Callable[[Sequence[str]], Any]:
    # Importing the package loads its model files: once per process, on first use, so
    # that starting the server or running a test that posts nothing does not pay for it.
    with _load_lock:
        from profanity_check import predict_prob

        return predict_prob  # type: ignore[no-any-return]


class ShippedModel:
    """The model shipped in ``alt-profanity-check`` (scikit-learn, loaded offline)."""

    def scores(self, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        return [float(x) for x in _shipped_predictor()(list(texts))]


class ClassifierCheck:
    """Holds an item when the classifier scores any of its parts above ``threshold``."""

    name = "classifier"

    def __init__(self, model: ToxicityClassifier, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.model = model
        self.threshold = threshold

    def __call__(self, item: Submission) -> list[Reason]:
        # Scoring sentences separately keeps one insult in a long, calm post from being
        # diluted by the rest of the text; all of them go to the model in one batch.
        scores = self.model.scores(sentences(item))
        worst = max(scores, default=0.0)
        if worst < self.threshold:
            return []
        return [
            Reason.of(
                "respectful-language",
                f"Our language model rates part of this as insulting or abusive "
                f"({worst:.0%} confidence).",
            )
        ]
