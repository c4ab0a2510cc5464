"""Invocations: record one and queue it, run it (claim → spec → engine →
store), wait for it, end it when the platform cannot run it.

The web records the row and queues a task; the task (functions.tasks) calls
``invocation_execute`` on a worker host, which hands a FunctionSpec and an
Invoke to the engine (invoker) and stores the Outcome it gets back.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta

from celery import current_app
from celery.exceptions import TimeoutError as CeleryTimeout
from celery.result import AsyncResult
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from invoker import concurrency
from invoker.environment import EnvironmentStartError
from invoker.pool import get_pool
from invoker.runtime_api import Invoke
from invoker.spec import Outcome

from ..errors import ServiceError
from ..limits import MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD
from ..models import Function, Invocation
from ..selectors.versions import resolve_qualifier
from . import logs, metrics
from .events import parse_event_json
from .specs import function_spec

log = logging.getLogger(__name__)

# The Celery task that runs an invocation (functions.tasks.invocation_run),
# sent by name so that services never import the tasks that call them.
TASK_INVOCATION_RUN = "functions.tasks.invocation_run"
# Room for queueing, init and the platform's own work beyond the timeout.
SLOT_MARGIN_SECONDS = 120
# Lambda's LogResult: the last 4 KB of the invocation's log.
LOG_TAIL_BYTES = 4096

ERR_PAYLOAD_SIZE = "The event is {size:,} bytes; the limit is {limit:,} bytes."
ERR_QUEUE_DOWN = (
    "Labda cannot reach its invocation queue (Redis), so the function was not invoked. "
    "Ask your instructor to check the server. ({error})"
)


def invocation_create(
    *, function: Function, payload: str, invocation_type: str = Invocation.Type.REQUEST_RESPONSE, qualifier: str = "$LATEST"
) -> Invocation:
    """Record an invocation and queue it, or record it as throttled when the
    function is at its concurrency limit. The qualifier is $LATEST, a version
    number or an alias."""
    parse_event_json(payload or "{}")
    version, alias = resolve_qualifier(function, qualifier)
    limit_bytes = MAX_SYNC_PAYLOAD if invocation_type == Invocation.Type.REQUEST_RESPONSE else MAX_ASYNC_PAYLOAD
    size = len(payload.encode())
    if size > limit_bytes:
        raise ServiceError(ERR_PAYLOAD_SIZE.format(size=size, limit=limit_bytes))
    if version == "$LATEST":
        memory_size, code_sha256 = function.memory_size, function.code_sha256
    else:
        memory_size, code_sha256 = function.versions.filter(number=int(version)).values_list("memory_size", "code_sha256").get()
    invocation = Invocation(
        function=function,
        version=version,
        alias=alias,
        invocation_type=invocation_type,
        payload=payload,
        memory_size=memory_size,
        code_sha256=code_sha256,
    )
    limit = function.reserved_concurrency
    if limit is None:
        limit = settings.LABDA_UNRESERVED_CONCURRENCY
    hold = function.timeout + settings.LABDA_INIT_TIMEOUT + SLOT_MARGIN_SECONDS
    try:
        acquired = concurrency.acquire(str(function.uid), str(invocation.id), limit=limit, hold_seconds=hold)
    except RedisError as exc:
        raise ServiceError(ERR_QUEUE_DOWN.format(error=exc)) from None
    if not acquired:
        invocation.mark_throttled()
        invocation.save()
        metrics.record_invocation(invocation)
        return invocation
    with transaction.atomic():
        invocation.save()
        transaction.on_commit(lambda: _enqueue(invocation))
    return invocation


def _enqueue(invocation: Invocation) -> None:
    try:
        # The task id is the request id, so a caller can wait for this one.
        current_app.send_task(TASK_INVOCATION_RUN, (str(invocation.pk),), task_id=str(invocation.pk))
    except Exception as exc:  # the broker is down: end the row, never leave it queued
        _release_quietly(str(invocation.function.uid), str(invocation.pk))
        invocation_fail(invocation_id=str(invocation.pk), error_type="ServiceException", message=ERR_QUEUE_DOWN.format(error=exc))
        raise ServiceError(ERR_QUEUE_DOWN.format(error=exc)) from None


def _release_quietly(function_uid: str, invocation_id: str) -> None:
    try:
        concurrency.release(function_uid, invocation_id)
    except RedisError:
        pass  # the slot lapses by itself


def invocation_wait(*, invocation: Invocation, timeout: float) -> Invocation:
    """Wait up to `timeout` seconds for the worker to finish it."""
    if not invocation.is_finished:
        try:
            AsyncResult(str(invocation.pk)).get(timeout=timeout, propagate=False, disable_sync_subtasks=False)
        except CeleryTimeout:
            pass
        invocation.refresh_from_db()
    return invocation


def invocation_execute(*, invocation_id: str) -> None:
    """Run one recorded invocation on this worker host. Safe to run twice:
    only the run that moves the row from pending to running does any work."""
    claimed = Invocation.objects.filter(pk=invocation_id, status=Invocation.Status.PENDING).update(
        status=Invocation.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if claimed != 1:
        return
    # The package itself is read only on a cold start (FunctionSpec.load_code).
    invocation = Invocation.objects.select_related("function").defer("function__code_zip").get(pk=invocation_id)
    function = invocation.function
    # In flight now, this one included: the Concurrent executions metric.
    in_flight = concurrency.in_flight(str(function.uid))
    spec = function_spec(function, invocation.version)
    ran = base64.b64encode(bytes.fromhex(spec.code_sha256_hex)).decode()
    if ran != invocation.code_sha256:  # deployed again between Test and this run
        Invocation.objects.filter(pk=invocation_id).update(code_sha256=ran)
    # Invoked by a qualifier, the function sees a qualified ARN, as on Lambda.
    qualifier = invocation.alias or (invocation.version if invocation.version != "$LATEST" else "")
    request = Invoke(
        request_id=str(invocation.pk),
        payload=(invocation.payload or "{}").encode(),
        timeout_s=float(spec.timeout),
        invoked_function_arn=f"{spec.function_arn}:{qualifier}" if qualifier else spec.function_arn,
    )
    try:
        outcome = get_pool().invoke(spec, request)
    except EnvironmentStartError as exc:
        log.warning("Invocation %s could not start: %s", invocation_id, exc)
        invocation_fail(invocation_id=invocation_id, error_type="Labda.EnvironmentStartError", message=str(exc))
        return
    except Exception as exc:
        log.exception("Invocation %s failed in the platform", invocation_id)
        invocation_fail(
            invocation_id=invocation_id, error_type="ServiceException", message=f"Labda could not run the invocation: {exc}"
        )
        return
    finally:
        _release_quietly(str(function.uid), invocation_id)
    outcome.concurrent_executions = in_flight
    invocation_finish(invocation_id=invocation_id, outcome=outcome)


def _log_tail(lines: list[tuple[float, str]]) -> str:
    """The last 4 KB of the invocation's log, as Lambda's LogResult."""
    text = "\n".join(line for _, line in lines) + "\n"
    data = text.encode()
    return data[-LOG_TAIL_BYTES:].decode("utf-8", "ignore") if len(data) > LOG_TAIL_BYTES else text


def invocation_finish(*, invocation_id: str, outcome: Outcome) -> Invocation | None:
    """Store a measured outcome: the row, and the log events when the
    execution role may write logs. Runs at most once."""
    status = {"succeeded": Invocation.Status.SUCCEEDED, "timed_out": Invocation.Status.TIMED_OUT}.get(
        outcome.status, Invocation.Status.FAILED
    )
    with transaction.atomic():
        # Not the package: this runs at the end of every (warm) invocation.
        invocation = (
            Invocation.objects.select_related("function__role").defer("function__code_zip").filter(pk=invocation_id).first()
        )
        if invocation is None or invocation.is_finished:
            return invocation
        function = invocation.function
        stream = None
        if function.role and function.role.allows_logs and outcome.log_stream:
            stream = logs.log_events_store(
                function=function, invocation=invocation, stream_name=outcome.log_stream, lines=outcome.log_lines
            )
        invocation.status = status
        invocation.response = outcome.response.decode("utf-8", "replace")
        invocation.function_error = "Unhandled" if outcome.function_error else ""
        invocation.error_type = outcome.error_type
        invocation.error_message = outcome.error_message
        invocation.started_at = datetime.fromtimestamp(outcome.started_at, UTC) if outcome.started_at else None
        invocation.finished_at = timezone.now()
        invocation.duration_ms = round(outcome.duration_ms, 2)
        invocation.billed_duration_ms = outcome.billed_duration_ms
        invocation.memory_size = outcome.memory_size
        invocation.max_memory_used_mb = outcome.max_memory_used_mb
        invocation.init_duration_ms = round(outcome.init_duration_ms, 2) if outcome.init_duration_ms is not None else None
        invocation.cold_start = outcome.cold
        invocation.concurrent_executions = outcome.concurrent_executions
        invocation.log_stream = stream
        invocation.log_tail = _log_tail(outcome.log_lines)
        invocation.save()
        metrics.record_invocation(invocation)
        _retry_if_async(invocation)
    return invocation


def _retry_if_async(invocation: Invocation) -> None:
    """Lambda retries a failed asynchronous invocation twice (after 1, then
    2 minutes), with the same request id; each attempt is logged and counted."""
    delays = settings.LABDA_ASYNC_RETRY_DELAYS
    failed = invocation.status in (Invocation.Status.FAILED, Invocation.Status.TIMED_OUT)
    if invocation.invocation_type != Invocation.Type.EVENT or not failed or invocation.attempts > len(delays):
        return
    delay = delays[invocation.attempts - 1]
    Invocation.objects.filter(pk=invocation.pk).update(status=Invocation.Status.PENDING)
    invocation.status = Invocation.Status.PENDING
    invocation_id = str(invocation.pk)
    transaction.on_commit(lambda: current_app.send_task(TASK_INVOCATION_RUN, (invocation_id,), countdown=delay))


def invocation_fail(*, invocation_id: str, error_type: str, message: str) -> None:
    """End an invocation the platform could not run (never left "running")."""
    with transaction.atomic():
        ended = Invocation.objects.filter(
            pk=invocation_id, status__in=[Invocation.Status.PENDING, Invocation.Status.RUNNING]
        ).update(
            status=Invocation.Status.FAILED,
            function_error="Unhandled",
            error_type=error_type,
            error_message=message,
            response=json.dumps({"errorType": error_type, "errorMessage": message}),
            finished_at=timezone.now(),
        )
        if ended:
            metrics.record_invocation(Invocation.objects.get(pk=invocation_id))


def invocation_replay(*, invocation: Invocation) -> Invocation:
    """Send the same event again the same way (through the same alias, or to
    the same version; synchronous or asynchronous): a new invocation with a
    new request id."""
    return invocation_create(
        function=invocation.function,
        payload=invocation.payload or "{}",
        invocation_type=invocation.invocation_type,
        qualifier=invocation.alias or invocation.version,
    )


def invocations_sweep_stale(*, now: datetime | None = None) -> int:
    """Fail invocations whose worker died: running past their timeout, or
    queued for longer than any worker would leave them."""
    now = now or timezone.now()
    ended = 0
    running = Invocation.objects.filter(status=Invocation.Status.RUNNING).select_related("function")
    for invocation in running:
        limit = invocation.function.timeout + settings.LABDA_INIT_TIMEOUT + 60
        if invocation.started_at and invocation.started_at < now - timedelta(seconds=limit):
            invocation_fail(
                invocation_id=str(invocation.pk),
                error_type="Labda.WorkerLost",
                message="The worker running this invocation stopped before it finished.",
            )
            ended += 1
    stale_pending = Invocation.objects.filter(
        status=Invocation.Status.PENDING,
        created_at__lt=now - timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] * 2),
    )
    for invocation in stale_pending:
        invocation_fail(
            invocation_id=str(invocation.pk),
            error_type="Labda.NotStarted",
            message="No worker took this invocation from the queue.",
        )
        ended += 1
    return ended
