"""The one Redis client of this process for Labda's own keys (concurrency
slots, live tail, completion signals); Celery keeps its own connections.

It fails fast: when Redis is down a page must say so within a few seconds,
and a worker must carry on storing results in the database (redis-py's
default of ten retries with back-off takes about 4.5 s per refused call)."""

from __future__ import annotations

import threading

import redis
from django.conf import settings
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

_client: redis.Redis | None = None
_lock = threading.Lock()


def client() -> redis.Redis:
    global _client
    with _lock:
        if _client is None:
            _client = redis.Redis.from_url(
                settings.REDIS_URL,
                socket_timeout=5,
                socket_connect_timeout=1,
                retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 2),
                health_check_interval=30,
            )
        return _client
