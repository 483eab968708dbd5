"""The community guidelines that checks and moderators cite, by stable identifier.

The texts are written for the poster: what the rule is, and why.  Identifiers never
change once published, because decisions and the public figures count by them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guideline:
    """A rule of the feed: ``id`` is cited by reasons and decisions."""

    id: str
    title: str
    text: str
    fix: str
    # Whether a moderator may cite it when rejecting (some only explain why a post waits).
    citable: bool = True


_ALL = [
    Guideline(
        "describe-behaviour",
        "Describe what the person did",
        "When a post describes a person, it starts with what they did. Appearance alone "
        "is not a reason for concern. If you give race or ethnicity, give a full "
        "description too, so that it cannot point at everyone who looks alike.",
        "Fill in 'What did the person do?' first. If you give race or ethnicity, add at "
        "least two other details such as clothing, height, hair or vehicle — or leave "
        "race out.",
    ),
    Guideline(
        "no-profiling",
        "Judge actions, not appearance",
        "Posts may not suggest that someone is suspicious because of who they are or "
        "how they look, or say that someone 'does not belong' in the neighbourhood.",
        "Say what the person did that worried you. If they did nothing but walk, drive or "
        "stand by, it is not a safety alert.",
    ),
    Guideline(
        "no-hate",
        "No hate or dehumanising language",
        "Calling people animals or vermin, telling them to go back where they came from, "
        "or wishing them harm has no place here, whoever they are and whatever they did.",
        "Describe what happened without words that attack people or groups.",
    ),
    Guideline(
        "respectful-language",
        "Keep it respectful",
        "No insults, slurs, swearing at people or harassment. Neighbours of every "
        "background read the feed.",
        "Remove the insults or swearing and keep to what happened.",
    ),
    Guideline(
        "personal-data",
        "Keep personal details out",
        "The feed shows areas, never addresses. Phone numbers, email addresses, street "
        "addresses with house numbers, licence plates and the names of private people "
        "are not posted publicly; share them with the police directly if needed.",
        "Remove the detail, or replace it with something general (a street name without "
        "a number, 'a silver hatchback', 'my neighbour').",
    ),
    Guideline(
        "links",
        "Links are reviewed",
        "Links can lead to scams or to pages that identify people, so a moderator looks "
        "at each one before a post with a link goes live.",
        "Remove the link if it is not needed; otherwise wait for a moderator.",
    ),
    Guideline(
        "spam",
        "No advertising or repeated posts",
        "The feed is for local safety news. Advertising, chain messages and the same "
        "post again and again are removed.",
        "Post once, about something that happened nearby.",
    ),
    Guideline(
        "human-review",
        "A person takes a second look",
        "A post changed after a moderator rejected it is reviewed again by a person "
        "before it goes live.",
        "Nothing to fix: a moderator will look at your changes.",
        citable=False,
    ),
    Guideline(
        "reported",
        "Reported by neighbours",
        "Neighbours reported this; a moderator checks it against the guidelines.",
        "Nothing to do unless a moderator asks for a change.",
        citable=False,
    ),
]

GUIDELINES: dict[str, Guideline] = {g.id: g for g in _ALL}
CITABLE = tuple(g.id for g in _ALL if g.citable)


def guideline(guideline_id: str) -> Guideline:
    """The guideline with this identifier (``KeyError`` if there is none)."""
    return GUIDELINES[guideline_id]
