"""The function's output, read from a named pipe the container writes to.

A pipe keeps the output in order with the Runtime API: whatever the runtime
wrote before it posted its response is already in the pipe when the response
arrives, so ``take()`` after the response gets every line. The pipe reaching
end-of-file means the runtime process is gone (exited, crashed, OOM-killed).

``on_lines``, when given, also receives each batch of kept lines as it is read
(one call per read chunk, not per line), for Live Tail while the invocation is
still running. It must be cheap and must not raise.

A record may hold newlines (a traceback logged as one record): a runtime
that writes to the descriptor in _LAMBDA_TELEMETRY_LOG_FD (the same pipe,
see entrypoint.sh) frames each record as Lambda's runtime clients do
(awslambdaric, and our own bootstrap), and a frame stays one line, newlines
and all, as CloudWatch shows it. Plain output is split at newlines.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable

LogLine = tuple[float, str]  # (unix time read, text)

# A telemetry frame: 0xA55A, two bytes of type and level, a 4-byte big-endian
# length, an 8-byte timestamp (microseconds), then the record. No text line
# starts with 0xA5 (a UTF-8 continuation byte), so a frame is recognised where
# a line would begin.
FRAME_MAGIC = b"\xa5\x5a"
FRAME_HEADER = 16


class LogPipe:
    def __init__(
        self,
        path: str,
        max_bytes: int,
        on_eof: Callable[[], None],
        on_lines: Callable[[list[LogLine]], None] | None = None,
    ) -> None:
        os.mkfifo(path, 0o600)
        # The sandbox user writes it; only this worker reads it.
        os.chmod(path, 0o622)
        # Opened before the container starts, so the runtime's open() does not
        # block. Linux reports no hang-up until a writer has come and gone.
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self._max_bytes = max_bytes
        self._on_eof = on_eof
        self._on_lines = on_lines
        self._lock = threading.Lock()
        self._lines: list[LogLine] = []
        self._partial = b""
        self._bytes = 0
        self._dropped = 0
        self._eof = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _feed(self, chunk: bytes) -> None:
        now = time.time()
        data = self._partial + chunk
        kept = len(self._lines)
        if FRAME_MAGIC in data:
            self._partial = self._feed_framed(now, data)
        else:
            *complete, self._partial = data.split(b"\n")
            for raw in complete:
                self._append(now, raw)
        # A line (or frame) with no end in sight still counts against the cap.
        if len(self._partial) > self._max_bytes:
            self._append(now, self._partial)
            self._partial = b""
        self._publish(kept)

    def _feed_framed(self, now: float, data: bytes) -> bytes:
        """Lines and frames, in order; returns the incomplete rest."""
        pos = 0
        while pos < len(data):
            if data.startswith(FRAME_MAGIC, pos):
                if len(data) - pos < FRAME_HEADER:
                    break
                end = pos + FRAME_HEADER + int.from_bytes(data[pos + 4 : pos + 8], "big")
                if end > len(data):
                    break
                record = data[pos + FRAME_HEADER : end]
                # The record's own line end is not part of it.
                self._append(now, record[:-1] if record.endswith(b"\n") else record)
                pos = end
                continue
            newline = data.find(b"\n", pos)
            if newline < 0:
                break
            self._append(now, data[pos:newline])
            pos = newline + 1
        return data[pos:]

    def _append(self, now: float, raw: bytes) -> None:
        if self._bytes + len(raw) > self._max_bytes:
            self._dropped += len(raw)
            return
        self._bytes += len(raw) + 1
        self._lines.append((now, raw.decode("utf-8", "replace")))

    def _publish(self, since: int) -> None:
        # Only kept lines: a flood over the cap is not published either.
        if self._on_lines is not None and len(self._lines) > since:
            self._on_lines(self._lines[since:])

    def _read_available(self) -> None:
        while not self._eof:
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                self._eof = True
                return
            self._feed(chunk)

    def _run(self) -> None:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN | select.POLLHUP)
        while not self._closed:
            if not poller.poll(250):
                continue
            with self._lock:
                if self._closed:
                    return
                self._read_available()
                eof = self._eof
            if eof:
                self._on_eof()
                return

    def mark(self) -> int:
        """How many lines have been written so far (reading what is waiting
        in the pipe first, so nothing written before this call is missed)."""
        with self._lock:
            if not self._closed:
                self._read_available()
            return len(self._lines)

    def take(self) -> tuple[list[LogLine], int]:
        """Every line written so far, and how many bytes were dropped over the
        cap; the next invocation starts counting afresh."""
        with self._lock:
            if not self._closed:
                self._read_available()
            if self._partial:
                kept = len(self._lines)
                self._append(time.time(), self._partial)
                self._partial = b""
                self._publish(kept)
            lines, dropped = self._lines, self._dropped
            self._lines, self._bytes, self._dropped = [], 0, 0
            return lines, dropped

    def close(self) -> None:
        with self._lock:
            self._closed = True
            os.close(self._fd)
