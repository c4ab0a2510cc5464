"""Celery beat that sends only while it holds a Redis lease, so exactly one
scheduler sends the periodic tasks whatever is killed or started twice (a
restarted `make up`, a second host, a left-over process): the others wait in
standby and take over within LOCK_TTL seconds after the holder dies.

Run it as `celery -A console beat -S console.beat:LockedScheduler`.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

import redis
from celery.beat import Scheduler
from django.conf import settings

log = logging.getLogger(__name__)

LOCK_KEY = "labda:beat:leader"
# Seconds; a standby takes over at most this long after the holder died.
LOCK_TTL = float(settings.LABDA_BEAT_LOCK_TTL)
_EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class LockedScheduler(Scheduler):
    """The schedule lives in settings (CELERY_BEAT_SCHEDULE), in memory."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self._client: redis.Redis | None = None
        self.is_leader = False
        super().__init__(*args, **kwargs)

    def _redis(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        return self._client

    def hold_lease(self) -> bool:
        """Take or extend the lease; False (send nothing) on any Redis error."""
        ttl_ms = int(LOCK_TTL * 1000)
        try:
            client = self._redis()
            held = bool(
                client.set(LOCK_KEY, self._token, nx=True, px=ttl_ms) or client.eval(_EXTEND, 1, LOCK_KEY, self._token, ttl_ms)
            )
        except redis.RedisError as exc:
            log.warning("beat: Redis unreachable (%s); sending nothing until it is back", exc)
            held = False
        if held and not self.is_leader:
            log.warning("beat: this scheduler now sends the periodic tasks (%s)", self._token)
            # Count everything as just sent, so a take-over never repeats what
            # the previous holder sent.
            now = self.app.now()
            for entry in self.schedule.values():
                entry.last_run_at = now
            self._heap = None
        elif not held and self.is_leader:
            log.warning("beat: lost the lease; standing by")
        self.is_leader = held
        return held

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.hold_lease():
            return min(LOCK_TTL / 3, self.max_interval)
        return min(super().tick(*args, **kwargs), LOCK_TTL / 3)

    def close(self) -> None:
        try:
            if self.is_leader:
                self._redis().eval(_RELEASE, 1, LOCK_KEY, self._token)
        except redis.RedisError:
            pass
        super().close()
