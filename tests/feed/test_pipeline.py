"""The pre-publication checks as pure functions: no database, no web."""

from __future__ import annotations

import pytest

from porchlight.feed.moderation import (
    GUIDELINES,
    ClassifierCheck,
    Pipeline,
    Reason,
    Submission,
    default_pipeline,
    normalise,
)
from porchlight.feed.moderation.classifier import sentences
from tests.feed.factories import FixedScores, quiet_pipeline

FULL = {
    "behaviour": "tried the handles of three parked cars and opened one",
    "race_ethnicity": "white",
    "clothing": "red hoodie",
    "height": "about six feet",
}


def guidelines(item: Submission, pipeline: Pipeline | None = None) -> set[str]:
    return {r.guideline for r in (pipeline or quiet_pipeline()).run(item)}


def test_an_ordinary_report_passes_every_check() -> None:
    item = Submission("A grey bike was taken from our porch overnight; the lock was cut.", "Bike")
    assert default_pipeline().run(item) == []


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ({"clothing": "black hoodie", "height": "tall"}, {"describe-behaviour"}),
        ({"behaviour": "looked suspicious", "clothing": "hoodie"}, {"describe-behaviour"}),
        (FULL | {"height": ""}, {"describe-behaviour"}),  # race with one other detail
        (FULL, set()),
        ({"behaviour": "took a parcel from our step", "clothing": "grey coat"}, set()),
    ],
)
def test_person_description_rule(person: dict[str, str], expected: set[str]) -> None:
    item = Submission("Something happened on our street this morning.", "Heads up", "crime", person)
    assert guidelines(item) == expected


def test_race_in_the_text_needs_the_full_description() -> None:
    text = "A hispanic man opened the gate and took a bike from the yard."
    assert "describe-behaviour" in guidelines(Submission(text, "Bike taken"))
    assert guidelines(Submission(text, "Bike taken", person=FULL)) == set()


def test_a_white_van_or_a_black_cat_is_not_a_description_of_a_person() -> None:
    assert guidelines(Submission("A white van blocked our drive all day.", "Van")) == set()
    assert guidelines(Submission("Found a black cat with a white patch.", "Cat")) == set()


@pytest.mark.parametrize(
    "text",
    [
        "There is a man on our street who doesn't belong here.",
        "Sketchy looking hispanic guys by the shop.",
        "Someone not from around here keeps driving by.",
        "A person walking around looking suspicious near the school.",
    ],
)
def test_profiling_phrases_are_held(text: str) -> None:
    assert "no-profiling" in guidelines(Submission(text, "Heads up"))


def test_looking_suspicious_with_a_behaviour_is_not_profiling() -> None:
    text = "A man looking suspicious tried every car door on the block and opened two."
    assert "no-profiling" not in guidelines(Submission(text, "Car prowler"))


def test_phrases_do_not_run_from_the_title_into_the_body() -> None:
    assert (
        guidelines(Submission("Black cat found near the park, very friendly.", "Sketchy")) == set()
    )


@pytest.mark.parametrize(
    "text",
    [
        "These animals broke into our cars again.",
        "Th3se anim4ls broke into our cars again.",  # digits for letters
        "These ver\u200bmin broke into our cars again.",  # an invisible character
        "\uff54\uff48\uff45\uff53\uff45 animals broke in again.",  # full-width letters
        "If you don't like it, go back to your country.",
    ],
)
def test_dehumanising_language_is_held_however_it_is_spelt(text: str) -> None:
    assert "no-hate" in guidelines(Submission(text, "Cars"))


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Call me at 503-555-0142 if you see her.", "lost_pet"),
        ("Email me: jane@example.org", "lost_pet"),
        ("The house at 4521 SE Tacoma St was broken into.", "crime"),
        ("The car had licence plate ABC-1234.", "crime"),
        ("Mrs. Henderson saw the whole thing.", "crime"),
        ("The guy doing it is named Kevin Moore.", "crime"),
        ("Our cat is named Max Power, she is grey.", "lost_pet"),
        ("Follow @street_watch for more.", "other"),
    ],
)
def test_personal_data_is_held(text: str, category: str) -> None:
    assert "personal-data" in guidelines(Submission(text, "Title", category))


@pytest.mark.parametrize(
    "text",
    [
        "It happened on the 1500 block of SE Tacoma St around 2:30am.",
        "Traffic on SE 13th Ave and I-205 is slow after the crash.",
        "Three cars were hit on the road by the school.",
    ],
)
def test_places_without_house_numbers_and_times_are_fine(text: str) -> None:
    assert "personal-data" not in guidelines(Submission(text, "Title", "crime"))


def test_a_pet_may_be_named() -> None:
    item = Submission("Lost dog named Max, a brown lab with a red collar.", "Lost dog", "lost_pet")
    assert guidelines(item) == set()


def test_links_are_held_but_an_email_address_is_not_a_link() -> None:
    assert "links" in guidelines(Submission("Video at https://example.com/v/1", "Video"))
    assert "links" in guidelines(Submission("Sign at www.petition.example.org please", "Petition"))
    assert "links" not in guidelines(Submission("Mail jane@example.org about it", "Mail"))


def test_the_classifier_is_pluggable_and_scored_by_passage() -> None:
    fake = FixedScores(0.95)
    check = ClassifierCheck(fake, threshold=0.9)
    reasons = check(Submission("Calm words. More calm words here today.", "A title", "other"))
    assert [r.guideline for r in reasons] == ["respectful-language"]
    assert fake.seen
    assert all(len(p.split()) >= 2 for p in fake.seen)
    assert ClassifierCheck(FixedScores(0.5), threshold=0.9)(Submission("x" * 20, "t")) == []


def test_short_fragments_are_merged_before_scoring() -> None:
    item = Submission("Lost dog. Brown. Please help us find him today.", "Lost dog")
    assert all(len(p.split()) >= 6 for p in sentences(item)[:-1])


def test_the_shipped_model_holds_swearing_at_people() -> None:
    item = Submission("Whoever keeps parking here is a fucking idiot.", "Parking")
    assert "respectful-language" in guidelines(item, default_pipeline())


def test_right_to_left_text_and_emoji_are_fine() -> None:
    item = Submission("فقدنا قطة بيضاء صغيرة قرب الحديقة 🐱 شكراً", "قطة مفقودة", "lost_pet")
    assert default_pipeline().run(item) == []


def test_every_reason_cites_a_known_guideline_and_says_how_to_fix_it() -> None:
    text = "These animals at 12 Oak St, call 503-555-0100, see www.x.example.com, he doesn't belong"
    reasons = quiet_pipeline().run(Submission(text, "All of it", "crime", {"clothing": "coat"}))
    assert len({r.guideline for r in reasons}) >= 5
    for reason in reasons:
        assert reason.guideline in GUIDELINES
        assert reason.message
        assert reason.fix


def test_the_pipeline_gives_each_reason_once() -> None:
    class Twice:
        name = "twice"

        def __call__(self, item: Submission) -> list[Reason]:
            return [Reason.of("spam", "Same."), Reason.of("spam", "Same.")]

    assert len(Pipeline([Twice(), Twice()]).run(Submission("text", "t"))) == 1


def test_normalise_folds_case_width_and_invisible_characters() -> None:
    assert normalise("\uff36\uff25\uff32\u200bMIN  here\nnext") == "vermin here\nnext"
