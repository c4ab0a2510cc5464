"""One execution environment: a container, its Runtime API socket and its log pipe.

It serves one invocation at a time. ``start()`` is the cold start; ``invoke()``
hands an event to the runtime and measures what happens; ``destroy()`` kills
the container (SIGKILL: a Python PID 1 takes 10 s to ``docker stop``).
"""

from __future__ import annotations

import json
import logging
import math
import queue
import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import docker.errors
from django.conf import settings

from . import live_tail, report
from .code_cache import code_dir
from .docker_client import client
from .images import image_for
from .limits import ERR_RESPONSE_TOO_LARGE, container_create_args
from .log_pipe import LogPipe
from .package import CodePackageError
from .runtime_api import Invoke, Message, RuntimeAPIServer, RuntimeChannel
from .spec import FunctionSpec, Outcome

log = logging.getLogger(__name__)


class EnvironmentStartError(RuntimeError):
    """The container could not be started (engine down, image missing...).
    Its message is shown to the user, so it never carries a host path."""


def _reason(exc: Exception) -> str:
    """Why a start failed, in words safe to show a student: an OSError's
    text names host paths (the code cache, the socket folder), a Docker
    error's text names bind mounts, so neither is shown; the log has them."""
    if isinstance(exc, docker.errors.ImageNotFound):
        return "the runtime image is not built on this worker."
    if isinstance(exc, docker.errors.APIError):
        return f"the container engine refused it (HTTP {exc.status_code})."
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror.lower()} (on the worker host)."
    return f"{type(exc).__name__} on the worker host."


def _cgroup_peak_file(container_id: str) -> Path | None:
    """Where the kernel keeps the container's peak memory (cgroup v1 or v2)."""
    candidates = [
        Path(f"/sys/fs/cgroup/memory/docker/{container_id}/memory.max_usage_in_bytes"),
        Path(f"/sys/fs/cgroup/docker/{container_id}/memory.peak"),
        Path(f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/memory.peak"),
    ]
    return next((path for path in candidates if path.exists()), None)


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
        self._destroyed = False
        self._init_lines = 0  # lines the runtime printed before its first event
        # Live Tail: the request the pipe's lines belong to, and whether its
        # START line has been published yet.
        self._tail_request_id = ""
        self._tail_started = False

    # --- lifecycle

    def start(self) -> None:
        try:
            self.dir.mkdir(parents=True, mode=0o755)
            self.dir.chmod(0o755)
            self._server = RuntimeAPIServer(str(self.dir / "runtime.sock"), self.channel)
            self._logs = LogPipe(
                str(self.dir / "log"),
                settings.LABDA_LOG_MAX_BYTES,
                lambda: self.channel.outbox.put(Message("exited")),
                on_lines=self._tail,
            )
            self.channel.on_first_next = self._mark_init_output
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
            api.start(self.container_id)
        except CodePackageError as exc:
            self.destroy()
            raise EnvironmentStartError(f"The deployment package could not be unpacked: {exc}") from exc
        except (docker.errors.DockerException, OSError) as exc:
            log.warning("Environment %s of %s did not start", self.id, self.spec.name, exc_info=True)
            self.destroy()
            raise EnvironmentStartError(f"Could not start the execution environment: {_reason(exc)}") from exc
        self.started = time.monotonic()
        self._peak_file = _cgroup_peak_file(self.container_id)

    def _mark_init_output(self) -> None:
        if self._logs:
            self._init_lines = self._logs.mark()

    def destroy(self) -> None:
        """Idempotent: the pool and a failed start may both call it."""
        if self._destroyed:
            return
        self._destroyed = True
        server, logs, container_id = self._server, self._logs, self.container_id
        if server:
            server.close()
        if logs:
            logs.close()
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
        try:
            if self._peak_file:
                self._peak_mb = math.ceil(int(self._peak_file.read_text()) / (1024 * 1024))
        except (OSError, ValueError):
            pass  # the cgroup is gone with the container: keep the last reading
        return self._peak_mb

    def _exit_state(self) -> tuple[bool, str]:
        """(OOM-killed?, Lambda's exit text) once the runtime is gone."""
        try:
            api = client().api
            result = api.wait(self.container_id, timeout=5)
            state = api.inspect_container(self.container_id)["State"]
        except Exception:  # noqa: BLE001 - a vanished container still ended the runtime
            return False, "Runtime exited without providing a reason"
        code = result.get("StatusCode", state.get("ExitCode", 0))
        if state.get("OOMKilled"):
            return True, "Runtime exited with error: signal: killed"
        if code > 128:
            name = {9: "killed", 11: "segmentation fault", 6: "aborted", 15: "terminated"}.get(code - 128, str(code - 128))
            return False, f"Runtime exited with error: signal: {name}"
        if code:
            return False, f"Runtime exited with error: exit status {code}"
        return False, "Runtime exited without providing a reason"

    # --- live tail

    def _tail(self, lines: list[tuple[float, str]]) -> None:
        live_tail.publish(self.spec.function_uid, self.log_stream, self._tail_request_id, lines)

    def _tail_start(self, request: Invoke, at: float) -> None:
        if not self._tail_started:
            self._tail_started = True
            self._tail([(at, report.start_line(request.request_id, self.spec.version))])

    # --- one invocation

    def invoke(self, request: Invoke, *, init_timeout: float) -> Outcome:
        cold = self.invocations == 0
        self.invocations += 1
        self._tail_request_id, self._tail_started = request.request_id, False
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
        outcome.max_memory_used_mb = self._max_memory_mb()
        if outcome.max_memory_used_mb is None and outcome.error_type == "Runtime.OutOfMemory":
            outcome.max_memory_used_mb = self.spec.memory_size  # it was killed at the limit
        self._write_log(outcome, request)
        self.last_used = time.monotonic()
        return outcome

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
            self.kill()
            outcome.status = "timed_out"
            outcome.function_error = True
            outcome.reusable = False
            outcome.error_type = "Sandbox.Timedout"
            outcome.error_message = f"RequestId: {rid} Error: Task timed out after {request.timeout_s:.2f} seconds"
            outcome.response = _error_body(outcome.error_message, outcome.error_type)
        elif message.kind == "response":
            outcome.response = message.body
        elif message.kind in ("error", "init_error"):
            outcome.status = "failed"
            outcome.function_error = True
            outcome.response = message.body
            outcome.error_type, outcome.error_message = _error_fields(message)
            # An init error ends the runtime process: start afresh next time.
            outcome.reusable = message.kind == "error"
        elif message.kind == "too_large":
            outcome.status = "failed"
            outcome.function_error = True
            outcome.error_type = "Function.ResponseSizeTooLarge"
            outcome.error_message = ERR_RESPONSE_TOO_LARGE
            outcome.response = _error_body(outcome.error_message, outcome.error_type)
        else:  # exited
            oom, text = self._exit_state()
            outcome.status = "failed"
            outcome.function_error = True
            outcome.reusable = False
            outcome.error_type = "Runtime.OutOfMemory" if oom else "Runtime.ExitError"
            outcome.error_message = f"RequestId: {rid} Error: {text}"
            outcome.response = _error_body(outcome.error_message, outcome.error_type)

    def _write_log(self, outcome: Outcome, request: Invoke) -> None:
        """START, the function's lines, END, REPORT (and the platform's error)."""
        lines, dropped = self._logs.take() if self._logs else ([], 0)
        started = outcome.started_at
        rid = request.request_id
        before = lines[: self._init_lines] if outcome.cold else []
        during = lines[len(before) :]
        log = list(before)
        # Init output can be read a moment after the event was handed over:
        # keep the timestamps in the order of the lines.
        start_ts = max([started] + [ts for ts, _ in before[-1:]])
        log.append((start_ts, report.start_line(rid, self.spec.version)))
        log.extend(during)
        now = time.time()
        if dropped:
            log.append((now, f"[Labda] Output truncated: {dropped:,} bytes over this invocation's log limit were dropped."))
        platform_failure = outcome.status == "timed_out" or outcome.error_type in ("Runtime.ExitError", "Runtime.OutOfMemory")
        log.append((now, report.end_line(rid)))
        log.append(
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
            log.append((now, f"{stamp} {rid} Task timed out after {request.timeout_s:.2f} seconds"))
        elif platform_failure:
            log.append((now, outcome.error_message))
            log.append((now, outcome.error_type))
        outcome.log_lines = log
        outcome.log_truncated_bytes = dropped
        # Live Tail already has START and the function's lines; add the rest.
        self._tail_start(request, started)
        self._tail(log[len(before) + 1 + len(during) :])
        self._tail_request_id = ""


def _error_body(message: str, error_type: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _error_fields(message: Message) -> tuple[str, str]:
    try:
        body = json.loads(message.body)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    error_type = str(body.get("errorType") or message.error_type or "Unhandled")
    return error_type, str(body.get("errorMessage", ""))
