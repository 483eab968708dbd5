"""Password rules for new accounts, and argon2id hashing."""

from __future__ import annotations

import pytest

from porchlight.accounts.passwords import MAX_LENGTH, MIN_LENGTH, Passwords, password_problem

# Low costs keep the suite fast; the hash format is the same as with production costs.
FAST = {"memory_kib": 1024, "time_cost": 1}


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(**FAST)


# -- rules --------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["", "a", "tangerin9", "x" * 3 + "y" * 3 + "z" * 3])
def test_under_ten_characters_is_refused(password: str) -> None:
    assert len(password) < MIN_LENGTH == 10
    assert password_problem(password) == "Use at least 10 characters."


def test_exactly_ten_characters_is_enough() -> None:
    assert password_problem("tangerine7") is None


def test_over_the_maximum_is_refused() -> None:
    assert password_problem("tangerine-" * 30) == f"Use at most {MAX_LENGTH} characters."
    assert password_problem(("tangerine-" * 30)[:MAX_LENGTH]) is None


@pytest.mark.parametrize(
    "password",
    [
        "password123",
        "qwertyuiop",
        "1234567890",
        "letmeinnow",
        "porchlight",
        "ringdoorbell",
        "PASSWORD123",  # Case does not help.
        "QwErTyUiOp",
        "Password2024",  # Nor do trailing digits...
        "Password2024!",  # ...or a trailing '!'.
        "football99999",
        "Sunshine123456",
        "ILOVEYOU2025!!",
    ],
)
def test_common_passwords_are_refused(password: str) -> None:
    assert password_problem(password) == (
        "This password is one of the most common; choose another."
    )


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "abababababab", "!!!!!!!!!!!!!!"])
def test_one_or_two_repeated_characters_are_refused(password: str) -> None:
    problem = password_problem(password)
    assert problem is not None
    assert "repeats" in problem or "common" in problem


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("jane.doe@example.org", "jane.doe-likes-cats"),
        ("jane.doe@example.org", "MyJane.Doe2024"),  # Case does not hide it.
        ("JANE.DOE@EXAMPLE.ORG", "secret-jane.doe-99"),
        ("porchfan@example.org", "xxporchfanxx"),
    ],
)
def test_a_password_containing_the_email_is_refused(email: str, password: str) -> None:
    assert password_problem(password, email=email) == (
        "The password must not contain your email address."
    )
    # The same password is fine for somebody else.
    assert password_problem(password, email="someone.else@example.org") is None


@pytest.mark.parametrize(
    "password",
    [
        "correct-horse-battery",
        "tangerine-umbrella-42",
        "Six words, with spaces, are fine.",
        "Zq7!vR2#pL9m",
        "passwords are not common",  # Contains a common word, but is not one.
        "naïve-café-crème",
    ],
)
def test_good_passwords_are_accepted(password: str) -> None:
    assert password_problem(password, email="jane.doe@example.org") is None


# -- hashing ------------------------------------------------------------------------


def test_hash_is_argon2id_with_the_configured_costs(passwords: Passwords) -> None:
    stored = passwords.hash("correct-horse-battery")
    assert stored.startswith("$argon2id$v=19$")
    assert "m=1024,t=1,p=1" in stored
    assert "correct-horse-battery" not in stored


def test_same_password_hashes_differently_each_time(passwords: Passwords) -> None:
    # A random salt per hash: equal passwords cannot be spotted in the table.
    assert passwords.hash("correct-horse-battery") != passwords.hash("correct-horse-battery")


def test_verify_accepts_the_right_password_and_refuses_others(passwords: Passwords) -> None:
    stored = passwords.hash("correct-horse-battery")
    assert passwords.verify(stored, "correct-horse-battery") is True
    assert passwords.verify(stored, "correct-horse-batterY") is False
    assert passwords.verify(stored, "correct-horse-battery ") is False
    assert passwords.verify(stored, "") is False


def test_verify_without_a_stored_hash_is_refused(passwords: Passwords) -> None:
    # An unknown account: compared against a dummy hash, and always refused.
    assert passwords.verify(None, "porchlight-timing-equaliser") is False
    assert passwords.verify(None, "correct-horse-battery") is False
    assert passwords.verify("", "correct-horse-battery") is False


def test_verify_refuses_a_damaged_hash(passwords: Passwords) -> None:
    assert passwords.verify("not-a-hash", "correct-horse-battery") is False
    stored = passwords.hash("correct-horse-battery")
    assert passwords.verify(stored[:-6], "correct-horse-battery") is False


def test_a_hash_made_with_other_costs_still_verifies(passwords: Passwords) -> None:
    stronger = Passwords(memory_kib=2048, time_cost=2)
    stored = stronger.hash("correct-horse-battery")
    assert passwords.verify(stored, "correct-horse-battery") is True


def test_needs_rehash_when_costs_change(passwords: Passwords) -> None:
    stored = passwords.hash("correct-horse-battery")
    assert passwords.needs_rehash(stored) is False
    assert Passwords(memory_kib=2048, time_cost=1).needs_rehash(stored) is True
    assert Passwords(memory_kib=1024, time_cost=2).needs_rehash(stored) is True
    upgraded = Passwords(memory_kib=2048, time_cost=2)
    assert upgraded.needs_rehash(upgraded.hash("correct-horse-battery")) is False
