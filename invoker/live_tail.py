"""Live tail: a function's log lines while its invocations are still running.

The worker stores an invocation's log events only when it ends. For Live Tail
the worker also publishes every batch of lines as the log pipe reads it, to a
capped Redis stream per function (``labda:tail:<function uid>``); the console
polls it with a cursor. Redis only: the worker never touches the database for
this, and the web never talks to Docker.

Publishing must cost the invoke path nothing measurable, so ``publish()`` only
puts the batch on an in-process queue (about a microsecond) and one background
thread per worker process sends what has piled up (for up to 50 ms) in one
stream entry per function, in a single pipelined round trip. Live tail is best effort: when Redis is down, lines are dropped here and
the stored log events stay complete.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import cast

from . import redis_client

log = logging.getLogger(__name__)

# Entries (one per publisher round trip, holding one or more read batches)
# kept per function, and for how long an idle function's stream lives.
MAX_ENTRIES = 300
TTL_SECONDS = 3600
MAX_BATCHES_PER_ROUND_TRIP = 200
# The publisher waits this long for more batches before one round trip, so a
# warm invocation's START, lines and REPORT usually share one (and the thread
# competes with the next invocation for the GIL once, not three times).
LINGER_SECONDS = 0.05


def key(function_uid: str) -> str:
    return f"labda:tail:{function_uid}"


@dataclass(frozen=True)
class TailLine:
    cursor: str  # the Redis stream id of the batch the line came in
    timestamp: float  # unix time the worker read it
    log_stream: str
    request_id: str
    message: str


# --- worker side


class _Publisher:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[str, float, str, str, str]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_error = 0.0
        # For flush(): batches queued (next() of a count is atomic in CPython)
        # and batches handled (sent or dropped).
        self._count = itertools.count(1)
        self._last_put = 0
        self._handled = 0
        self._done = threading.Condition()

    def put(self, item: tuple[str, float, str, str, str]) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="labda-live-tail", daemon=True)
                    self._thread.start()
        self._last_put = next(self._count)
        self._queue.put(item)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + LINGER_SECONDS
            while len(batch) < MAX_BATCHES_PER_ROUND_TRIP:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(self._queue.get(timeout=remaining))
                except queue.Empty:
                    break
            try:
                self._send(batch)
            except Exception:  # noqa: BLE001 - best effort; the stored log is complete
                if time.monotonic() - self._last_error > 60:
                    self._last_error = time.monotonic()
                    log.warning("Live tail: could not publish log lines to Redis", exc_info=True)
            with self._done:
                self._handled += len(batch)
                self._done.notify_all()

    def _send(self, batch: list[tuple[str, float, str, str, str]]) -> None:
        # One stream entry per function per round trip, holding every batch
        # queued meanwhile: the thread's work stays small however chatty the
        # functions are (it shares the GIL with the invocations).
        by_key: dict[str, list[list[float | str]]] = {}
        for redis_key, timestamp, log_stream, request_id, text in batch:
            by_key.setdefault(redis_key, []).append([round(timestamp, 6), log_stream, request_id, text])
        pipe = redis_client.client().pipeline(transaction=False)
        for redis_key, items in by_key.items():
            pipe.xadd(redis_key, {"j": json.dumps(items)}, maxlen=MAX_ENTRIES, approximate=True)
            pipe.expire(redis_key, TTL_SECONDS)
        pipe.execute()

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until what was queued so far has been sent (tests, shutdown)."""
        target = self._last_put
        with self._done:
            self._done.wait_for(lambda: self._handled >= target, timeout)


_publisher = _Publisher()


def publish(function_uid: str, log_stream: str, request_id: str, lines: list[tuple[float, str]]) -> None:
    """Queue one batch of lines (all read at once) for the function's live tail.
    Never blocks and never raises: it runs on the worker's invoke path."""
    if not lines:
        return
    text = "\n".join(line for _, line in lines)
    _publisher.put((key(function_uid), lines[0][0], log_stream, request_id, text))


def flush(timeout: float = 5.0) -> None:
    _publisher.flush(timeout)


# --- console side


def cursor_since(seconds_ago: float) -> str:
    """A cursor that reads the lines published in the last `seconds_ago` seconds."""
    return f"{int((time.time() - seconds_ago) * 1000)}-0"


def read(function_uid: str, *, after: str, count: int = 200) -> tuple[list[TailLine], str]:
    """Lines published after the cursor `after`, and the cursor to ask with next."""
    # The client does not decode responses: ids and fields are bytes.
    entries = cast(
        "list[tuple[bytes, dict[bytes, bytes]]]",
        redis_client.client().xrange(key(function_uid), min=f"({after}", max="+", count=count),
    )
    lines: list[TailLine] = []
    cursor = after
    for entry_id, fields in entries:
        cursor = entry_id.decode()
        for timestamp, log_stream, request_id, text in json.loads(fields.get(b"j", b"[]")):
            for message in text.split("\n"):
                lines.append(TailLine(cursor, float(timestamp), log_stream, request_id, message))
    return lines, cursor
