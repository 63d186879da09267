"""The Redis cache keeps one client per connection pool instead of building one per call."""

from __future__ import annotations

import pytest
import redis

from weibao.core.cache.redis import RedisCache

URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    cache = RedisCache(URL, {"KEY_PREFIX": "wb-test-cache"})
    yield cache
    cache.clear()


def test_one_client_serves_every_call(cache):
    client = cache._cache.get_client()
    cache.set("a", {"x": 1})
    assert cache.get_many(["a", "b"]) == {"a": {"x": 1}}
    assert cache.add("n", 1) and cache.incr("n") == 2
    assert cache._cache.get_client(write=True) is client is cache._cache.get_client("a")


def test_reference_rows_with_a_rule_of_their_own_are_looked_up_the_usual_way():
    """Only models seen by the one rule alone are answered from the cache."""
    from weibao.accounts.models import Department, Organization
    from weibao.contracts.models import Interface, MaintainedSystem, Module, Severity
    from weibao.core.tenancy import _plain_rule

    assert all(_plain_rule(m) for m in (Department, Severity, MaintainedSystem, Module, Interface))
    assert not _plain_rule(Organization)  # its own visible_to
