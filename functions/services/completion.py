"""Telling a waiting page that an invocation has ended.

The worker stores the outcome in the database first, then pushes one item to
a short-lived Redis list; the web waits on it with BLPOP (no polling, no
Celery result backend). Redis is only the doorbell: when it is down the web
falls back to reading the row, so nothing depends on it being up."""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from invoker import redis_client

log = logging.getLogger(__name__)
TTL_SECONDS = 120
# Reading the row when Redis cannot ring the bell.
POLL_SECONDS = 0.05


def _key(invocation_id: str) -> str:
    return f"labda:done:{invocation_id}"


def signal_done(invocation_id: str) -> None:
    try:
        pipe = redis_client.client().pipeline(transaction=False)
        pipe.lpush(_key(invocation_id), 1)
        pipe.expire(_key(invocation_id), TTL_SECONDS)
        pipe.execute()
    except RedisError:
        log.warning("Could not signal the end of invocation %s (Redis down); pages read the row", invocation_id)


def wait_done(invocation_id: str, timeout: float, is_finished: object) -> None:
    """Return when the invocation has ended or `timeout` seconds passed.
    `is_finished` is a callable that reads the row (the fallback)."""
    deadline = time.monotonic() + timeout
    try:
        # BLPOP's timeout is whole or fractional seconds; 0 would block forever.
        redis_client.client().blpop([_key(invocation_id)], timeout=max(0.01, timeout))
        return
    except RedisError:
        pass
    while time.monotonic() < deadline:
        if callable(is_finished) and is_finished():
            return
        time.sleep(POLL_SECONDS)
