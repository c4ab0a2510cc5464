"""One execution environment: a container, its Runtime API socket and its log pipe.

It serves one invocation at a time. ``start()`` is the cold start; ``invoke()``
hands an event to the runtime and measures what happens; ``destroy()`` kills
the container (SIGKILL: a Python PID 1 takes 10 s to ``docker stop``).
"""

from __future__ import annotations

import functools
import logging
import queue
import shutil
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import docker.errors
from django.conf import settings

from . import cgroup, live_tail, report
from .code_cache import code_dir
from .docker_client import client
from .exits import error_body, error_fields, exit_state
from .images import image_for, init_start_line
from .limits import ERR_RESPONSE_TOO_LARGE, container_create_args
from .log_pipe import LogLine, LogPipe
from .package import CodePackageError
from .runtime_api import Invoke, Message, RuntimeAPIServer, RuntimeChannel
from .spec import FunctionSpec, Outcome
from .start_errors import EnvironmentStartError, start_failure_reason

# After its result, a runtime asks for the next event at once (our bootstraps
# within a millisecond). Waiting this long for that request tells a runtime
# that is done from one that is dying, before the environment is frozen.
DONE_GRACE_SECONDS = 1.0
# A fork bomb's children outlive the handler: with this share of the pids
# limit still in use after an invocation, the environment is not reused.
PIDS_NEAR_LIMIT = 0.9

log = logging.getLogger(__name__)


@functools.cache
def _warn_no_freezer() -> None:
    """Once per worker: warm environments then stay reusable, unfrozen
    (better than every invocation being a cold start)."""
    log.warning("No cgroup freezer found for Docker's containers: idle environments are not frozen")


class ExecutionEnvironment:
    def __init__(self, spec: FunctionSpec, worker: str) -> None:
        self.spec = spec
        self.worker = worker
        self.id = uuid.uuid4().hex
        self.log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[{spec.version}]{self.id}"
        self.dir = Path(settings.LABDA_RUN_DIR) / self.id
        self.channel = RuntimeChannel()
        self.container_id: str | None = None
        self.invocations = 0
        self.last_used = time.monotonic()
        self._server: RuntimeAPIServer | None = None
        self._logs: LogPipe | None = None
        self._peak_file: Path | None = None
        self._peak_mb: int | None = None
        self._freezer: cgroup.Freezer | None = None
        self._destroyed = False
        self._dead = False  # the runtime's output ended: it is gone
        self._init_start: LogLine | None = None
        self._init_lines = 0  # lines the runtime printed before its first event
        self._result_lines: int | None = None  # lines printed before its result
        self._exit_peak_mb: int | None = None
        self._pids_file: Path | None = None
        # Live Tail: the request the pipe's lines belong to, and whether its
        # START line has been published yet. Lines read after the result are
        # held until END and REPORT are out, then published with no request.
        self._tail_request_id = ""
        self._tail_started = False
        self._tail_lock = threading.Lock()
        self._tail_held: list[LogLine] | None = None

    # --- lifecycle

    def start(self) -> None:
        try:
            self.dir.mkdir(parents=True, mode=0o755)
            self.dir.chmod(0o755)
            self._server = RuntimeAPIServer(str(self.dir / "runtime.sock"), self.channel)
            self._logs = LogPipe(str(self.dir / "log"), settings.LABDA_LOG_MAX_BYTES, self._on_exit, on_lines=self._tail)
            self.channel.on_first_next = self._mark_init_output
            self.channel.on_result = self._mark_result_output
            # START reaches the live tail before anything the handler prints.
            self.channel.on_handover = lambda invoke: self._tail_start(invoke, invoke.started_wall or time.time())
            create, host = container_create_args(
                self.spec,
                env_id=self.id,
                log_stream=self.log_stream,
                image=image_for(self.spec.runtime),
                code_dir=str(code_dir(self.spec)),
                socket_dir=str(self.dir),
                worker=self.worker,
            )
            api = client().api
            created = api.create_container(host_config=api.create_host_config(**host), **create)
            self.container_id = created["Id"]
            line = init_start_line(self.spec.runtime, self.spec.region)
            if line:
                # Before the runtime can print: INIT_START opens the stream.
                self._init_start = (time.time(), line)
                self._tail([self._init_start])
            api.start(self.container_id)
        except CodePackageError as exc:
            self.destroy()
            raise EnvironmentStartError(f"The deployment package could not be unpacked: {exc}") from exc
        except (docker.errors.DockerException, OSError) as exc:
            log.warning("Environment %s of %s did not start", self.id, self.spec.name, exc_info=True)
            self.destroy()
            raise EnvironmentStartError(f"Could not start the execution environment: {start_failure_reason(exc)}") from exc
        self.started = time.monotonic()
        self._peak_file = cgroup.peak_memory_file(self.container_id)
        self._pids_file = cgroup.pids_file(self.container_id)
        self._freezer = cgroup.Freezer(self.container_id)

    def _mark_init_output(self) -> None:
        if self._logs:
            self._init_lines = self._logs.mark()

    def _mark_result_output(self) -> None:
        if self._logs:
            self._result_lines = self._logs.mark()
        with self._tail_lock:
            self._tail_held = []

    def _on_exit(self) -> None:
        """The runtime's output ended: it is gone. Read its peak memory now,
        before Docker removes the cgroup with the container."""
        self._dead = True
        self._exit_peak_mb = cgroup.read_peak_mb(self._peak_file)
        self.channel.outbox.put(Message("exited"))

    def resume(self) -> bool:
        """Thaw a warm environment for its next event; False if it cannot
        serve one (its runtime died, or its cgroup is gone)."""
        if self._freezer is not None and self._freezer.frozen and not self._freezer.thaw():
            return False
        # Whatever the runtime said since its last event is stale now; an
        # exit among it means the environment is dead.
        while True:
            try:
                if self.channel.outbox.get_nowait().kind == "exited":
                    self._dead = True
            except queue.Empty:
                break
        return not self._dead

    def destroy(self) -> None:
        """Idempotent: the pool and a failed start may both call it."""
        if self._destroyed:
            return
        self._destroyed = True
        server, logs, container_id = self._server, self._logs, self.container_id
        # First stop reading its output: what a retired runtime prints on its
        # way out is not the function's log (nor Live Tail's).
        if logs:
            logs.close()
        if self._freezer is not None and self._freezer.frozen:
            self._freezer.thaw()
        if server:
            # Ends the runtime's long poll with 410: our bootstraps exit quietly.
            server.close()
        if container_id:
            try:
                client().api.remove_container(container_id, force=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                # Removal already in progress is fine; anything else is left
                # for the orphan sweep, which finds it by its labels.
                if exc.status_code != 409:
                    raise
        shutil.rmtree(self.dir, ignore_errors=True)

    def kill(self) -> None:
        if self.container_id:
            try:
                client().api.kill(self.container_id)
            except docker.errors.APIError:
                pass  # already dead

    # --- measurements

    def _max_memory_mb(self) -> int | None:
        reading = cgroup.read_peak_mb(self._peak_file)
        if reading is not None:  # None: the cgroup is gone; keep the last reading
            self._peak_mb = reading
        return self._peak_mb

    def pids(self) -> int | None:
        return cgroup.read_int(self._pids_file)

    def freezer_state(self) -> str:
        return self._freezer.state() if self._freezer else "GONE"

    # --- live tail

    def _tail(self, lines: list[LogLine]) -> None:
        with self._tail_lock:
            if self._tail_held is not None:
                self._tail_held.extend(lines)
                return
        live_tail.publish(self.spec.function_uid, self.log_stream, self._tail_request_id, lines)

    def _tail_release(self) -> None:
        """After REPORT: what the runtime printed after its result, with no request id."""
        with self._tail_lock:
            held, self._tail_held = self._tail_held, None
        if held:
            live_tail.publish(self.spec.function_uid, self.log_stream, "", held)

    def _tail_start(self, request: Invoke, at: float) -> None:
        if not self._tail_started:
            self._tail_started = True
            live_tail.publish(
                self.spec.function_uid,
                self.log_stream,
                request.request_id,
                [(at, report.start_line(request.request_id, self.spec.version))],
            )

    # --- one invocation

    def invoke(self, request: Invoke, *, init_timeout: float) -> Outcome:
        cold = self.invocations == 0
        self.invocations += 1
        self._tail_request_id, self._tail_started = request.request_id, False
        self._result_lines = None
        outcome = Outcome(request_id=request.request_id, status="succeeded", cold=cold, memory_size=self.spec.memory_size)
        outcome.log_stream = self.log_stream
        self.channel.inbox.put(request)
        init_ms: float | None = None
        message = self._wait_for(("started", "init_error", "exited"), init_timeout)
        ready_at = time.monotonic()
        if message and message.kind == "started":
            if cold:
                init_ms = (message.at - self.started) * 1000
            ready_at = message.at
            remaining = request.timeout_s - (time.monotonic() - message.at)
            message = self._wait_for(("response", "error", "too_large", "exited", "init_error"), remaining)
        end = time.monotonic()
        # Nothing ran (init failed or the runtime died first): no duration.
        duration_ms = max(0.0, ((message.at if message else end) - ready_at) * 1000)
        outcome.started_at = request.started_wall or time.time()
        self._finish(outcome, request, message, min(duration_ms, request.timeout_s * 1000))
        outcome.init_duration_ms = init_ms if cold and init_ms is not None else None
        if cold and init_ms is None and outcome.status != "succeeded":
            # The runtime never got as far as asking for the event.
            outcome.init_duration_ms = (end - self.started) * 1000
        outcome.billed_duration_ms = report.billed_duration_ms(outcome.duration_ms, outcome.init_duration_ms)
        if outcome.error_type in ("Runtime.OutOfMemory", "Runtime.ExitError"):
            # Read as the runtime's output ended, before the cgroup went (an
            # environment that died is never reused: it is this one's).
            outcome.max_memory_used_mb = self._exit_peak_mb
            if outcome.max_memory_used_mb is None and outcome.error_type == "Runtime.OutOfMemory":
                outcome.max_memory_used_mb = self.spec.memory_size  # the kernel killed it at the limit
            elif outcome.max_memory_used_mb is None:
                outcome.max_memory_used_mb = self._peak_mb  # the cgroup was gone first: the last reading
        else:
            outcome.max_memory_used_mb = self._max_memory_mb()
        if outcome.reusable and message is not None and message.kind in ("response", "error"):
            outcome.reusable = self._settle()
        self._write_log(outcome, request)
        self.last_used = time.monotonic()
        return outcome

    def _settle(self) -> bool:
        """Between invocations: wait for the runtime to ask for its next event,
        then freeze it. False if the environment must not serve another one."""
        message = self._wait_for(("ready", "exited"), DONE_GRACE_SECONDS)
        if message is not None and message.kind == "exited":
            return False  # it died after its result: the next event gets a new one
        pids = self.pids()
        if pids is not None and pids >= settings.LABDA_PIDS_LIMIT * PIDS_NEAR_LIMIT:
            return False  # the handler's children outlived it
        if self._freezer is None or not self._freezer.available:
            _warn_no_freezer()
            return not self._dead
        return self._freezer.freeze() and not self._dead

    def _wait_for(self, kinds: tuple[str, ...], timeout: float) -> Message | None:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                message = self.channel.outbox.get(timeout=remaining)
            except queue.Empty:
                return None
            if message.kind in kinds:
                return message

    def _finish(self, outcome: Outcome, request: Invoke, message: Message | None, duration_ms: float) -> None:
        outcome.duration_ms = duration_ms
        rid = request.request_id
        if message is None:
            self._max_memory_mb()  # the peak so far, before the kill takes the cgroup
            self.kill()
            outcome.status = "timed_out"
            outcome.function_error = True
            outcome.reusable = False
            outcome.error_type = "Sandbox.Timedout"
            outcome.error_message = f"RequestId: {rid} Error: Task timed out after {request.timeout_s:.2f} seconds"
            outcome.response = error_body(outcome.error_message, outcome.error_type)
        elif message.kind == "response":
            outcome.response = message.body
        elif message.kind in ("error", "init_error"):
            outcome.status = "failed"
            outcome.function_error = True
            outcome.response = message.body
            outcome.error_type, outcome.error_message = error_fields(message)
            # An init error ends the runtime process: start afresh next time.
            outcome.reusable = message.kind == "error"
        elif message.kind == "too_large":
            outcome.status = "failed"
            outcome.function_error = True
            outcome.error_type = "Function.ResponseSizeTooLarge"
            outcome.error_message = ERR_RESPONSE_TOO_LARGE
            outcome.response = error_body(outcome.error_message, outcome.error_type)
            # As on Lambda, a runtime that produced an over-limit response is
            # not handed another event.
            outcome.reusable = False
        else:  # exited
            oom, text = exit_state(client().api, self.container_id)
            outcome.status = "failed"
            outcome.function_error = True
            outcome.reusable = False
            outcome.error_type = "Runtime.OutOfMemory" if oom else "Runtime.ExitError"
            outcome.error_message = f"RequestId: {rid} Error: {text}"
            outcome.response = error_body(outcome.error_message, outcome.error_type)

    def _write_log(self, outcome: Outcome, request: Invoke) -> None:
        """INIT_START (cold), START, the function's lines, END, REPORT (and the
        platform's error); then what the runtime printed after its result."""
        lines, dropped = self._logs.take() if self._logs else ([], 0)
        started = outcome.started_at
        rid = request.request_id
        own = lines if self._result_lines is None else lines[: self._result_lines]
        before = own[: self._init_lines] if outcome.cold else []
        during = own[len(before) :]
        log = [self._init_start] if outcome.cold and self._init_start else []
        log.extend(before)
        # Init output can be read a moment after the event was handed over:
        # keep the timestamps in the order of the lines.
        start_ts = max([started] + [ts for ts, _ in before[-1:]])
        log.append((start_ts, report.start_line(rid, self.spec.version)))
        log.extend(during)
        now = time.time()
        platform: list[LogLine] = []
        if dropped:
            platform.append((now, f"[Labda] Output truncated: {dropped:,} bytes over this invocation's log limit were dropped."))
        platform_failure = outcome.status == "timed_out" or outcome.error_type in ("Runtime.ExitError", "Runtime.OutOfMemory")
        platform.append((now, report.end_line(rid)))
        platform.append(
            (
                now,
                report.report_line(
                    request_id=rid,
                    duration_ms=outcome.duration_ms,
                    billed_ms=outcome.billed_duration_ms,
                    memory_size=outcome.memory_size,
                    max_memory_used_mb=outcome.max_memory_used_mb or 0,
                    init_duration_ms=outcome.init_duration_ms,
                    status=("timeout" if outcome.status == "timed_out" else "error") if platform_failure else None,
                    error_type=outcome.error_type if platform_failure and outcome.status != "timed_out" else None,
                ),
            )
        )
        if outcome.status == "timed_out":
            stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            platform.append((now, f"{stamp} {rid} Task timed out after {request.timeout_s:.2f} seconds"))
        elif platform_failure:
            platform.append((now, outcome.error_message))
            platform.append((now, outcome.error_type))
        outcome.log_lines = log + platform
        outcome.log_truncated_bytes = dropped
        # Printed after the result and before the freeze (a background thread,
        # the runtime's own exit): in the stream after REPORT, as on Lambda,
        # and never inside the next invocation's START ... REPORT.
        outcome.after_lines = [(max(ts, now), text) for ts, text in lines[len(own) :]]
        # Live Tail already has START and the function's lines; add the rest.
        self._tail_start(request, started)
        live_tail.publish(self.spec.function_uid, self.log_stream, rid, platform)
        self._tail_release()
        self._tail_request_id = ""
