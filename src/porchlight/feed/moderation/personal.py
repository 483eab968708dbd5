"""Personal data and links: details that identify people or places are held for review.

The feed places a post in an area of a few square kilometres; a house number, a phone
number or a plate in the text would undo that.  Patterns prefer to miss a detail than
to hold every post with a number in it: a held post costs a neighbour a wait and a
moderator a look, and the figures in tests/feed/test_evaluation.py keep both in view.
"""

from __future__ import annotations

import re

from porchlight.feed.moderation.checks import Reason, Submission

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(
    r"(?<![\w.])(?:\+?1[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?![\w])"
    r"|(?<![\w])\+\d{1,3}(?:[\s.-]?\d{2,4}){3,5}(?![\w])"
)
_STREET_TYPE = (
    r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|way|place|pl"
    r"|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|crescent|close)"
)
# A house number, an optional direction, one to three capitalised words, a street type.
ADDRESS = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s+(?:(?i:[NSEW]|NE|NW|SE|SW)\.?\s+)?"
    r"(?:[A-Z0-9][\w'.-]*\s+){1,3}?" + _STREET_TYPE + r"\b"
)
_PLATE_TOKEN = r"(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{2,4}[- ]?[A-Z0-9]{2,4}"  # noqa: S105 - a pattern, not a secret
PLATE = re.compile(
    r"(?i:licen[cs]e plate|plates?|tags?|registration|reg)\s*(?i:number|no\.?|#|was|is|:|read"
    r"|reading|of)?\s*(?i:number|no\.?|#|was|is|:)?\s*(?-i:" + _PLATE_TOKEN + r")\b"
    r"|\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])(?:[A-Z]{3}[- ]?\d{3,4}|\d[A-Z]{3}\d{3})\b"
)
_NAME = r"[A-Z][a-z'\u2019-]+"
TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+" + _NAME)
NAMED = re.compile(
    r"\b(?:named|called|name is|name's|goes by)\s+" + _NAME + r"(?:\s+" + _NAME + ")?"
)
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_]{3,30}\b")
LINK = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+"
    r"|\b[a-z0-9-]+\.(?:com|org|net|io|ly|co|me|info|biz|us|uk|ca|app|gg|tv|xyz|link|site|online)"
    r"(?:/\S*)?\b",
    re.IGNORECASE,
)
PET_CATEGORIES = frozenset({"lost_pet", "found_pet"})


def _person_named(text: str, category: str) -> re.Match[str] | None:
    titled = TITLED_NAME.search(text)
    if titled:
        return titled
    for match in NAMED.finditer(text):
        # Lost and found pets are named in their posts; only a full name is a person's there.
        if category not in PET_CATEGORIES or len(match.group(0).split()) >= 3:
            return match
    return None


class PersonalDataCheck:
    """Phone numbers, email addresses, street addresses, plates and private people's names."""

    name = "personal-data"

    def __call__(self, item: Submission) -> list[Reason]:
        text = item.all_text()
        found: list[str] = []
        if EMAIL.search(text):
            found.append("an email address")
        if PHONE.search(EMAIL.sub(" ", text)):
            found.append("a phone number")
        if ADDRESS.search(text):
            found.append("a street address with a house number")
        if PLATE.search(text):
            found.append("a licence plate")
        if _person_named(text, item.category) or HANDLE.search(EMAIL.sub(" ", text)):
            found.append("a person's name or handle")
        if not found:
            return []
        return [Reason.of("personal-data", f"The post seems to contain {_join(found)}.")]


class LinkCheck:
    """Any link: a moderator looks before it goes live."""

    name = "links"

    def __call__(self, item: Submission) -> list[Reason]:
        match = LINK.search(EMAIL.sub(" ", item.all_text()))
        if not match:
            return []
        return [Reason.of("links", f"The post links to “{match.group(0)[:60]}”.")]


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
