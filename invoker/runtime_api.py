"""The Lambda Runtime API (2018-06-01), served to one container on a Unix socket.

The runtime inside the container long-polls ``/runtime/invocation/next`` for an
event and answers on ``/response`` or ``/error``; a runtime that cannot load the
handler posts ``/runtime/init/error``. The invoking thread talks to this server
through a ``RuntimeChannel``: it puts an ``Invoke`` in the inbox and reads what
happened from the outbox.
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from .aws_api import AwsApiStub, is_runtime_api
from .limits import MAX_PAYLOAD_BYTES as MAX_RESPONSE_BYTES

# An over-limit body is read and dropped up to this size (the environment is
# retired after it anyway); past it the connection is simply closed.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024
_RESULT_PATH = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")


def new_trace_id() -> str:
    """An X-Ray trace header as Lambda passes it to every invocation (not
    sampled: there is no X-Ray here), in Lambda-Runtime-Trace-Id and
    _X_AMZN_TRACE_ID."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


@dataclass
class Invoke:
    request_id: str
    payload: bytes
    timeout_s: float
    invoked_function_arn: str
    client_context: str | None = None
    trace_id: str = field(default_factory=new_trace_id)
    # Set by the server when the runtime takes the event (time.monotonic()).
    started: float | None = None
    started_wall: float | None = None


@dataclass
class Message:
    """What the runtime did: ready, started, response, error, init_error,
    too_large or exited."""

    kind: str
    at: float = field(default_factory=time.monotonic)
    request_id: str = ""
    body: bytes = b""
    content_type: str = ""
    error_type: str = ""


class RuntimeChannel:
    def __init__(self) -> None:
        self.inbox: queue.Queue[Invoke | None] = queue.Queue()
        self.outbox: queue.Queue[Message] = queue.Queue()
        self.current: Invoke | None = None
        self._ready = False
        # Called when the runtime first asks for an event: whatever it printed
        # before that is its initialisation's output.
        self.on_first_next: Callable[[], None] | None = None
        # Called as an event is handed over, before the handler can print.
        self.on_handover: Callable[[Invoke], None] | None = None
        # Called as the result arrives, before the invoking thread hears of
        # it: whatever the runtime printed until then belongs to the event.
        self.on_result: Callable[[], None] | None = None

    def take_next(self) -> Invoke | None:
        """Block until the next event (None means the environment is closing)."""
        if not self._ready:
            self._ready = True
            if self.on_first_next:
                self.on_first_next()
        # Every call: asking for the next event is how a runtime says it is
        # done with the last one (and still alive).
        self.outbox.put(Message("ready"))
        invoke = self.inbox.get()
        if invoke is None:
            self.inbox.put(None)  # wake any other waiting connection too
            return None
        invoke.started = time.monotonic()
        invoke.started_wall = time.time()
        if self.on_handover:
            self.on_handover(invoke)
        self.current = invoke
        self.outbox.put(Message("started", at=invoke.started, request_id=invoke.request_id))
        return invoke

    def close(self) -> None:
        self.inbox.put(None)


class _Handler(AwsApiStub, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RuntimeAPIServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the runtime's requests are not the function's log

    def address_string(self) -> str:
        return "runtime"

    def _reply(self, status: int, body: dict[str, str], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, error_type: str, message: str) -> None:
        self._reply(status, {"errorMessage": message, "errorType": error_type})

    def do_GET(self) -> None:
        if not is_runtime_api(self.path):
            return self.aws_api_unavailable()  # the AWS SDK in the function (invoker/aws_api.py)
        if self.path != "/2018-06-01/runtime/invocation/next":
            self._error(404, "InvalidRequest", f"Unknown path {self.path}")
            return
        invoke = self.server.channel.take_next()
        if invoke is None:
            self.close_connection = True
            self._error(410, "Runtime.Closing", "The execution environment is shutting down")
            return
        assert invoke.started_wall is not None  # take_next() set it
        deadline_ms = int(invoke.started_wall * 1000 + invoke.timeout_s * 1000)
        self.send_response(200)
        headers = {
            "Content-Type": "application/json",
            "Content-Length": str(len(invoke.payload)),
            "Lambda-Runtime-Aws-Request-Id": invoke.request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invoke.invoked_function_arn,
            "Lambda-Runtime-Trace-Id": invoke.trace_id,
        }
        if invoke.client_context:
            headers["Lambda-Runtime-Client-Context"] = invoke.client_context
        for name, value in headers.items():
            if value:
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(invoke.payload)

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_RESPONSE_BYTES:
            self._drain(length)
            return None
        return self.rfile.read(length) if length else b""

    def _drain(self, length: int) -> None:
        """Read an over-limit body and throw it away, so that the runtime gets
        its 413 instead of a broken pipe while it is still sending."""
        left = min(length, DRAIN_LIMIT_BYTES)
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            left -= len(chunk)
        if length > DRAIN_LIMIT_BYTES:
            self.close_connection = True

    def do_POST(self) -> None:
        if not is_runtime_api(self.path):
            return self.aws_api_unavailable()
        body: bytes | None
        channel = self.server.channel
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type", "")
        if self.path == "/2018-06-01/runtime/init/error":
            body = self._read_body() or b""
            channel.outbox.put(Message("init_error", body=body, error_type=error_type))
            self._reply(202, {"status": "OK"})
            return
        match = _RESULT_PATH.match(self.path)
        if not match:
            self._error(404, "InvalidRequest", f"Unknown path {self.path}")
            return
        request_id, kind = match.groups()
        current = channel.current
        if current is None or current.request_id != request_id:
            self._error(400, "InvalidRequestID", "Invalid request ID")
            return
        body = self._read_body()
        channel.current = None
        if channel.on_result:
            channel.on_result()
        if body is None:
            channel.outbox.put(Message("too_large", request_id=request_id))
            self._error(413, "RequestEntityTooLarge", f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).")
            return
        content_type = self.headers.get("Content-Type", "application/json")
        channel.outbox.put(Message(kind, request_id=request_id, body=body, content_type=content_type, error_type=error_type))
        self._reply(202, {"status": "OK"})


class RuntimeAPIServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, socket_path: str, channel: RuntimeChannel) -> None:
        self.channel = channel
        super().__init__(socket_path, _Handler)
        # The sandbox user (not root) must be able to connect.
        os.chmod(socket_path, 0o666)
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.channel.close()
        self.shutdown()
        self.server_close()
