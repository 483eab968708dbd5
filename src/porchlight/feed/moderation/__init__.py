"""The pre-publication pipeline: small checks, composed in order, each returning reasons.

Pure code: no web framework, no database.  A check reads a :class:`Submission` and
answers with :class:`Reason` objects that name a guideline, say what was found and
how to fix it.  No check rejects anything; reasons only hold an item for a person.
"""

from __future__ import annotations

from porchlight.feed.moderation.checks import Check, Pipeline, Reason, Submission, normalise
from porchlight.feed.moderation.classifier import ClassifierCheck, ShippedModel, ToxicityClassifier
from porchlight.feed.moderation.guidelines import CITABLE, GUIDELINES, Guideline, guideline
from porchlight.feed.moderation.personal import LinkCheck, PersonalDataCheck
from porchlight.feed.moderation.rules import HateRuleCheck, PersonDescriptionCheck, ProfilingCheck


def default_pipeline(classifier: ToxicityClassifier | None = None) -> Pipeline:
    """The checks every post and comment passes; the shipped model unless another is given.

    The cheap rule checks run first and the classifier, the costliest, last.
    """
    return Pipeline(
        [
            PersonDescriptionCheck(),
            ProfilingCheck(),
            HateRuleCheck(),
            PersonalDataCheck(),
            LinkCheck(),
            ClassifierCheck(classifier or ShippedModel()),
        ]
    )


__all__ = [
    "CITABLE",
    "GUIDELINES",
    "Check",
    "ClassifierCheck",
    "Guideline",
    "HateRuleCheck",
    "LinkCheck",
    "PersonDescriptionCheck",
    "PersonalDataCheck",
    "Pipeline",
    "ProfilingCheck",
    "Reason",
    "ShippedModel",
    "Submission",
    "ToxicityClassifier",
    "default_pipeline",
    "guideline",
    "normalise",
]
