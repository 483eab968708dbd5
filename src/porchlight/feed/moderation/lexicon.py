"""Word and phrase lists for the rule checks, as regular-expression fragments.

They match *normalised* text (see :func:`porchlight.feed.moderation.checks.normalise`):
lower case, single spaces, straight quotes.  Each list is short on purpose: a phrase
belongs here when a moderator would flag it in almost every context it appears in.
"""

from __future__ import annotations

import re


def _alt(words: str) -> str:
    return "(?:" + "|".join(w.strip() for w in words.split(",") if w.strip()) + ")"


RACE = _alt(
    r"black, white, caucasian, hispanic, latino, latina, latinx, mexican, asian, east asian,"
    r"south asian, chinese, korean, vietnamese, filipino, indian, arab, arabic, middle eastern,"
    r"african, african american, somali, haitian, puerto rican, native american, native,"
    r"indigenous, pacific islander, gypsy, roma, brown, dark[- ]skinned, light[- ]skinned,"
    r"muslim, jewish, of colou?r"
)
PERSON = _alt(
    r"man, men, male, males, guy, guys, woman, women, female, females, lady, ladies, kid, kids,"
    r"teen, teens, teenagers?, youths?, person, people, dudes?, boys?, girls?, individuals?,"
    r"suspects?, gentleman, gentlemen, fellas?, folks, group, gang, family, couple"
)

# "a black man", "hispanic looking guys", "two asian teenage girls", "a man who looked arab".
RACE_MENTION = re.compile(
    rf"\b{RACE}(?:[- ]looking)? (?:[a-z]+ )?{PERSON}\b"
    rf"|\b{PERSON}\b[^.!?\n]{{0,30}}\b(?:was|were|looked|looking|appeared|seemed) {RACE}\b"
)

# Evidence that a post says what someone did, not only how they looked.
ACTION = re.compile(
    r"\b(?:tr(?:y|ied|ying) (?:to|the|every|each|car|door)|open(?:ed|ing)?|pull(?:ed|ing)?"
    r"|took|tak(?:e|ing) (?:a|the|our|my|packages?|things)|stole|steal(?:ing|s)?|stolen"
    r"|grab(?:bed|bing)?|broke|break(?:ing)? (?:in|into)|smash(?:ed|ing)?|climb(?:ed|ing)?"
    r"|jump(?:ed|ing)? (?:the|over|a|our|my)|enter(?:ed|ing)|check(?:ed|ing)? (?:car|door|handles)"
    r"|peer(?:ed|ing)?|look(?:ed|ing)? (?:in|into|through) (?:car|cars|windows?|mailbox|my|our|the)"
    r"|kick(?:ed|ing)?|yell(?:ed|ing)?|shout(?:ed|ing)?|threaten(?:ed|ing)?|follow(?:ed|ing)"
    r"|punch(?:ed|ing)?|hit (?:a|the|my|our|him|her)|spray(?:ed|ing)?|spray-paint(?:ed)?"
    r"|tagg(?:ed|ing)|drove off|ran off|ran away|fled|carr(?:ied|ying) (?:off|away|a|the)"
    r"|load(?:ed|ing)|remov(?:ed|ing)|cut(?:ting)? (?:the|a|through)|pried|pry(?:ing)?"
    r"|tamper(?:ed|ing)|damag(?:ed|ing)|shoplift(?:ed|ing)?|snatch(?:ed|ing)?|speed(?:ing)"
    r"|sped|knock(?:ed|ing)|rang|ring(?:ing)? (?:the|my|our|every)|rifl(?:ed|ing)"
    r"|went through|going through|rummag(?:ed|ing)|siphon(?:ed|ing)?|unscrew(?:ed|ing)?"
    r"|expos(?:ed|ing) (?:himself|herself|themselves)|assault(?:ed|ing)?|robbed|mugged"
    r"|chas(?:ed|ing)|brandish(?:ed|ing)?|waved a|pointed a|set fire|dump(?:ed|ing)"
    r"|threw|throw(?:ing)?|broken into|jimm(?:ied|ying)|unlock(?:ed|ing)|reach(?:ed|ing) into"
    r"|picked up|pick(?:ing)? up (?:a|the|our|my)|photograph(?:ed|ing) (?:inside|into|windows)"
    r"|fill(?:ed|ing) (?:a|his|her|their) bag|ask(?:ed|ing) for|offer(?:ed|ing)|sell(?:ing)?)\b"
)

# Descriptions of how someone seemed, which say nothing about what they did.
VAGUE = re.compile(
    r"\b(?:look(?:ed|ing|s)?|seem(?:ed|s)?|acting|act(?:ed)?) (?:very |really |kind of |a bit )?"
    r"(?:suspicious(?:ly)?|sketchy|shady|dodgy|creepy|weird|strange|odd|off|out of place|lost)"
    r"|\bsuspicious(?:[- ]looking)? " + PERSON + r"\b"
    r"|\bup to no good\b|\bloiter(?:ed|ing)?\b|\blurk(?:ed|ing)?\b|\bcasing\b"
    r"|\b(?:walk|wander|driv|hang|stand|sitt|hov)(?:ed|ing)? (?:around|up and down|slowly|by)\b"
    r"|\bhanging out\b"
)

# Someone is being talked about (a vague phrase about a cat is no one's business).
PERSONISH = re.compile(r"\b(?:someone|somebody|he|she|they|him|her|them|" + PERSON[3:] + r"\b")

# Phrases that judge people by who they are: flagged whatever else the post says.
PROFILING = re.compile(
    r"\b(?:do(?:es)?|did)(?:n't| not) (?:seem to |look like (?:he|she|they) )?belong\b"
    r"|\bnot belong(?:ing)? (?:here|in)\b|\bout of place\b"
    r"|\b(?:is|are|was|were|not)(?:n't)? from (?:around )?here\b"
    r"|\b(?:do(?:es)?|did)(?:n't| not) (?:look|seem) like (?:he|she|they) (?:lives?|lived)"
    r"|\bwrong (?:part of town|neighbou?rhood|side of)\b"
    r"|\b(?:sketchy|shady|suspicious|creepy|thuggish|dodgy|scary|menacing|ghetto)"
    r"(?:[- ]looking)? " + RACE + r"\b"
    r"|\b" + RACE + r" (?:thugs?|gangsters?|hoodlums?)\b"
)

# Dehumanising or hateful phrasing that an insult classifier, trained on swear words,
# does not see because each word is polite on its own.
HATE = re.compile(
    r"\b(?:these|those|such|filthy|dirty|bunch of|pack of|they are|they're|them|are all)"
    r" (?:\w+ )?(?:animals|vermin|savages|cockroaches|parasites|subhumans?|rats|scum|lowlifes"
    r"|degenerates|trash|garbage|filth|invaders|beasts|creatures|roaches)\b"
    r"|\bsub-?humans?\b|\bhuman (?:garbage|trash|filth|waste)\b|\billegals\b"
    r"|\binfest(?:ed|ing|ation)? (?:by|with|of) (?:these|those|them|people|\w+ people|immigrants"
    r"|foreigners|homeless|junkies)\b"
    r"|\bgo (?:back )?(?:home )?to (?:your|their|his|her) (?:own )?(?:country|countries)\b"
    r"|\bgo back (?:to )?where (?:you|they|he|she) came from\b"
    r"|\bsend (?:them|these|those) \w* ?back\b"
    r"|\bshould (?:all )?be (?:shot|hanged|hung|killed|exterminated|gassed|lynched|beaten"
    r"|put down|wiped out|deported)\b|\bexterminat(?:e|ed|ing) (?:them|these|those|all)\b"
    r"|\b(?:their|your|that) kind (?:here|around|in)\b|\bbreed like\b"
    r"|\b(?:dirty|filthy|stinking|lazy) (?:" + RACE[3:-1] + r"|immigrants|foreigners)\b"
    r"|\b(?:junkies|crackheads|crack heads|tweakers|bums)\b"
)

# Leetspeak digits and symbols read as the letters they stand for (hate matching only).
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})
