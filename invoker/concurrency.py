"""How many invocations are in flight, across every worker host.

Each function has a Redis sorted set of its in-flight invocation ids, scored
by the time the slot lapses (so a slot held by a worker that died frees
itself). Taking a slot is one atomic script: past the limit, the invocation is
throttled (TooManyRequestsException) instead of queued.

The same kind of set per account bounds how many asynchronous invocations
one account runs at once, so one student's flood of events cannot take every
worker of the class (fair share).
"""

from __future__ import annotations

import time

from . import redis_client

_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], 3600)
return 1
"""


def _key(function_uid: str) -> str:
    return f"labda:inflight:{function_uid}"


def _account_key(account: str) -> str:
    return f"labda:async-inflight:{account}"


def _acquire(key: str, member: str, *, limit: int, hold_seconds: float) -> bool:
    if limit <= 0:
        return False
    now = time.time()
    return bool(redis_client.client().eval(_ACQUIRE, 1, key, now, limit, now + hold_seconds, member))


def acquire(function_uid: str, invocation_id: str, *, limit: int, hold_seconds: float) -> bool:
    """Take one of the function's `limit` slots; False means throttle."""
    return _acquire(_key(function_uid), invocation_id, limit=limit, hold_seconds=hold_seconds)


def release(function_uid: str, invocation_id: str) -> None:
    redis_client.client().zrem(_key(function_uid), invocation_id)


def in_flight(function_uid: str) -> int:
    return int(redis_client.client().zcount(_key(function_uid), time.time(), "+inf"))


def account_acquire(account: str, invocation_id: str, *, limit: int, hold_seconds: float) -> bool:
    """Take one of the account's asynchronous slots; False means "not now"."""
    return _acquire(_account_key(account), invocation_id, limit=limit, hold_seconds=hold_seconds)


def account_release(account: str, invocation_id: str) -> None:
    redis_client.client().zrem(_account_key(account), invocation_id)
