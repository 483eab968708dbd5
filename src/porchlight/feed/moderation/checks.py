"""Reasons, submissions, the check protocol and the pipeline that runs checks in order."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from porchlight.feed.moderation.guidelines import GUIDELINES

# Characters that render as nothing: removed before matching so that "v\u200bermin"
# cannot slip past a word list.  The stored text keeps them.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class Reason:
    """Why an item waits for a moderator: the guideline touched, what was found, the fix."""

    guideline: str
    message: str
    fix: str

    @classmethod
    def of(cls, guideline_id: str, message: str, fix: str | None = None) -> Reason:
        """A reason citing ``guideline_id``, with that guideline's fix unless one is given."""
        return cls(guideline_id, message, fix or GUIDELINES[guideline_id].fix)

    def as_dict(self) -> dict[str, str]:
        return {"guideline": self.guideline, "message": self.message, "fix": self.fix}


PERSON_DESCRIPTORS = ("clothing", "height", "build", "hair", "age", "vehicle", "other")


@dataclass(frozen=True)
class Submission:
    """What a check reads: a post's or comment's text and, for posts, a person description."""

    body: str
    title: str = ""
    category: str = "other"
    person: Mapping[str, str] = field(default_factory=dict)

    def all_text(self) -> str:
        """Every field a reader will see, as one text."""
        person = " ".join(v for v in self.person.values() if v)
        return "\n".join(t for t in (self.title, self.body, person) if t)

    def free_text(self) -> str:
        """The title and body, without the structured person description."""
        return "\n".join(t for t in (self.title, self.body) if t)

    def descriptors(self) -> list[str]:
        """The names of the person descriptors filled in, race and behaviour not counted."""
        return [k for k in PERSON_DESCRIPTORS if self.person.get(k, "").strip()]


def normalise(text: str) -> str:
    """Text for matching: compatibility forms folded, invisible characters dropped,
    case folded, quotes straightened and spaces collapsed within each line."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_QUOTES)
    # Lines stay apart so that a phrase never runs from the title into the body.
    lines = (" ".join(line.split()) for line in text.casefold().splitlines())
    return "\n".join(line for line in lines if line)


class Check(Protocol):
    """One rule of the pipeline.  ``name`` labels it in figures and benchmarks."""

    name: str

    def __call__(self, item: Submission) -> list[Reason]: ...


class Pipeline:
    """Runs its checks in order and gathers their reasons, each reason once."""

    def __init__(self, checks: Sequence[Check]) -> None:
        self.checks = tuple(checks)

    def run(self, item: Submission) -> list[Reason]:
        """Every reason any check gives; empty means the item may go live."""
        return _unique(r for check in self.checks for r in check(item))

    def by_check(self, item: Submission) -> dict[str, list[Reason]]:
        """The reasons of each check separately (for evaluation)."""
        return {check.name: check(item) for check in self.checks}


def _unique(reasons: Iterable[Reason]) -> list[Reason]:
    seen: set[tuple[str, str]] = set()
    out = []
    for reason in reasons:
        if (reason.guideline, reason.message) not in seen:
            seen.add((reason.guideline, reason.message))
            out.append(reason)
    return out
