"""Sign-in limits shared through Redis: two server processes (two ``Accounts``), one
limit.  Uses the Redis server on 127.0.0.1:6379 under a key prefix of its own, removed
afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy.orm import Session

from porchlight.accounts.passwords import Passwords
from porchlight.accounts.ratelimit import RedisFailureCounter, RedisSlidingWindowLimiter
from porchlight.accounts.service import AccountRules, Accounts
from porchlight.app import build_accounts
from porchlight.errors import TooManyRequests, Unauthenticated
from porchlight.settings import Settings
from tests.conftest import World

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis() -> Any:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("needs the Redis server on 127.0.0.1:6379")
    return client


@pytest.fixture
def prefix() -> Iterator[str]:
    client = _redis()
    name = f"porchlight-test-{uuid.uuid4().hex}:"
    yield name
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)


def test_the_window_is_shared_by_every_process(prefix: str) -> None:
    client = _redis()
    first = RedisSlidingWindowLimiter(client, limit=3, window=60, prefix=prefix)
    second = RedisSlidingWindowLimiter(client, limit=3, window=60, prefix=prefix)
    assert [first.hit("203.0.113.9"), second.hit("203.0.113.9"), first.hit("203.0.113.9")] == [
        0,
        0,
        0,
    ]
    wait = second.hit("203.0.113.9")
    assert 1 <= wait <= 61
    assert first.hit("198.51.100.7") == 0  # another address has its own window
    # A refused attempt is not counted: the count stays at the limit.
    assert client.zcard(f"{prefix}ratelimit:203.0.113.9") == 3


def test_an_unknown_email_is_locked_for_every_process(prefix: str, world: World) -> None:
    client = _redis()
    rules = AccountRules(max_failures=3, lockout_minutes=15)

    def process() -> Accounts:
        return Accounts(
            Passwords(memory_kib=1024, time_cost=1),
            rules,
            RedisSlidingWindowLimiter(client, limit=100, window=60, prefix=prefix),
            unknown=RedisFailureCounter(client, 3, timedelta(minutes=15), prefix=prefix),
        )

    one, two = process(), process()
    with world.sessions() as db:
        for accounts in (one, two, one):  # failures spread over two processes
            with pytest.raises(Unauthenticated):
                accounts.authenticate(db, "nobody@example.org", "wrong-password", "a")
        with pytest.raises(TooManyRequests, match="locked"):
            two.authenticate(db, "nobody@example.org", "wrong-password", "a")
        # The answer for an unknown email is the same as for a real locked account.
        _locked_like_a_real_account(db, one)


def _locked_like_a_real_account(db: Session, accounts: Accounts) -> None:
    with pytest.raises(TooManyRequests) as refused:
        accounts.authenticate(db, "nobody@example.org", "any-password", "b")
    assert refused.value.detail == (
        "This account is locked after repeated failed sign-ins; try again later."
    )


def test_the_setting_puts_the_limits_in_redis(prefix: str, tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        data_dir=tmp_path,
        redis_url=REDIS_URL,
        login_rate_per_minute=2,
        _env_file=None,  # type: ignore[call-arg]
    )
    accounts = build_accounts(settings)
    assert isinstance(accounts.limiter, RedisSlidingWindowLimiter)
    assert isinstance(accounts.unknown, RedisFailureCounter)
    other = build_accounts(settings)
    key = f"shared-{uuid.uuid4().hex}"
    assert accounts.limiter.hit(key) == 0
    assert other.limiter.hit(key) == 0
    assert accounts.limiter.hit(key) > 0
    for name in redis.Redis.from_url(REDIS_URL).scan_iter(f"porchlight:ratelimit:{key}"):
        redis.Redis.from_url(REDIS_URL).delete(name)
