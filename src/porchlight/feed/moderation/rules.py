"""Rule checks written for Porchlight: the person-description rule, profiling, hate.

The person-description rule is Nextdoor's: what the person did comes first, and race or
ethnicity, when given, needs at least two other descriptors and a behaviour.  The other
two checks match the phrase lists in :mod:`porchlight.feed.moderation.lexicon`.
"""

from __future__ import annotations

import re

from porchlight.feed.moderation import lexicon
from porchlight.feed.moderation.checks import Reason, Submission, normalise

MIN_DESCRIPTORS_WITH_RACE = 2


def _quote(match: re.Match[str]) -> str:
    return f"“{match.group(0).strip()}”"


def _is_vague(behaviour: str) -> bool:
    text = normalise(behaviour)
    return bool(lexicon.VAGUE.search(text)) and not lexicon.ACTION.search(text)


def described_behaviour(item: Submission) -> bool:
    """Whether the post says what someone did, in the person section or in its text."""
    behaviour = item.person.get("behaviour", "").strip()
    if behaviour and not _is_vague(behaviour):
        return True
    return bool(lexicon.ACTION.search(normalise(item.free_text())))


class PersonDescriptionCheck:
    """Behaviour first; race or ethnicity only with a behaviour and two other descriptors."""

    name = "person-description"

    def __call__(self, item: Submission) -> list[Reason]:
        person = {k: v.strip() for k, v in item.person.items() if v and v.strip()}
        behaviour, race = person.get("behaviour", ""), person.get("race_ethnicity", "")
        descriptors = item.descriptors()
        reasons = []
        if person and not behaviour:
            reasons.append(
                Reason.of(
                    "describe-behaviour",
                    "You described a person but not what they did.",
                )
            )
        elif behaviour and _is_vague(behaviour):
            reasons.append(
                Reason.of(
                    "describe-behaviour",
                    f"“{behaviour[:80]}” says how the person seemed, not what they did.",
                )
            )
        if race and len(descriptors) < MIN_DESCRIPTORS_WITH_RACE:
            reasons.append(
                Reason.of(
                    "describe-behaviour",
                    f"You gave race or ethnicity with {len(descriptors)} other detail"
                    f"{'' if len(descriptors) == 1 else 's'}; at least "
                    f"{MIN_DESCRIPTORS_WITH_RACE} are needed.",
                )
            )
        full = bool(behaviour) and not _is_vague(behaviour)
        full = full and len(descriptors) >= MIN_DESCRIPTORS_WITH_RACE
        mention = lexicon.RACE_MENTION.search(normalise(item.free_text()))
        if mention and not full:
            reasons.append(
                Reason.of(
                    "describe-behaviour",
                    f"The text describes someone by race or ethnicity ({_quote(mention)}) "
                    "without a full description.",
                    "Use the person section: what they did first, then at least two details "
                    "such as clothing, height or vehicle — or leave race out.",
                )
            )
        return reasons


class ProfilingCheck:
    """Phrases that cast suspicion on people for who they are, not what they did."""

    name = "profiling"

    def __call__(self, item: Submission) -> list[Reason]:
        text = normalise(item.all_text())
        reasons = []
        found = lexicon.PROFILING.search(text)
        if found:
            reasons.append(
                Reason.of(
                    "no-profiling",
                    f"{_quote(found)} judges someone by who they are or how they look.",
                )
            )
        free = normalise(item.free_text())
        vague = lexicon.VAGUE.search(free)
        if vague and lexicon.PERSONISH.search(free) and not described_behaviour(item):
            reasons.append(
                Reason.of(
                    "no-profiling",
                    f"{_quote(vague)} says someone seemed suspicious without saying what they did.",
                )
            )
        return reasons


class HateRuleCheck:
    """Dehumanising phrases and calls to harm or expel people."""

    name = "hate-rules"

    def __call__(self, item: Submission) -> list[Reason]:
        text = normalise(item.all_text()).translate(lexicon.LEET)
        found = lexicon.HATE.search(text)
        if not found:
            return []
        return [
            Reason.of(
                "no-hate",
                f"{_quote(found)} attacks or dehumanises people.",
            )
        ]
