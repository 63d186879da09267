"""Django's Redis cache, keeping one client per connection pool.

Django's client builds a new ``redis.Redis`` for every cache call, and redis-py fills ~170 reply
callbacks into each new one: about a third of a millisecond per call, twice on every API request
(token and scope generation). A ``redis.Redis`` is safe to share between threads (it takes a
connection from its pool per command), so one per pool is kept.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
