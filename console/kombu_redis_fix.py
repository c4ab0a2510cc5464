"""A work-around for kombu 5.7.0's Redis transport, which makes a Celery
worker EXIT when Redis drops while a task runs:
AttributeError: 'NoneType' object has no attribute 'hostname'.

How it happens (kombu 5.7.0 + celery 5.7.0): on a lost connection the
consumer calls connection.collect(), which fails to close the default channel
(a redis ConnectionError inside Channel.close()) and then detaches the
transport (transport.client = None); closing the channel a second time
restores unacked messages, which needs a new Redis pool, and
Channel._connparams() reads self.connection.client.hostname of the detached
transport. Only connection errors are ignored there, so the AttributeError
kills the worker; an acks_late task's ack on the dead channel fails the same
way.

The fix: a channel whose transport was detached raises redis'
ConnectionError instead; every caller already treats that as "connection
lost" and carries on (the worker reconnects when Redis is back). Imported by
console/celery.py, so every process that uses the Celery app has it.
"""

from __future__ import annotations

from typing import Any

import kombu.transport.redis as kombu_redis

_original = kombu_redis.Channel._connparams


def _connparams(self: Any, asynchronous: bool = False) -> Any:
    transport = self.connection
    if transport is None or getattr(transport, "client", None) is None:
        raise kombu_redis.redis.exceptions.ConnectionError("kombu redis channel belongs to a closed connection")
    return _original(self, asynchronous=asynchronous)


if not getattr(kombu_redis.Channel._connparams, "_labda_fix", False):
    _connparams._labda_fix = True  # type: ignore[attr-defined]
    kombu_redis.Channel._connparams = _connparams
