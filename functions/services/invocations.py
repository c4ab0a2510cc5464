"""Invocations: record one and queue it, wait for it, store its outcome,
end it when the platform cannot run it.

The web records the row and queues a task; the task (functions.tasks) calls
``execution.invocation_execute`` on a worker host, which hands a FunctionSpec
and an Invoke to the engine (invoker) and stores the Outcome it gets back
here. The row is the durable record: a message lost on the way is queued
again from it (recovery.py), and the claim makes a second delivery harmless.

Synchronous and asynchronous invocations travel on separate queues, so a
test never waits behind a flood of events.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from invoker import concurrency
from invoker.spec import Outcome

from ..errors import ServiceError
from ..limits import MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD
from ..models import Function, Invocation
from ..selectors.versions import resolve_qualifier
from . import completion, logs, metrics
from .events import parse_event_json

log = logging.getLogger(__name__)

# The Celery task that runs an invocation (functions.tasks.invocation_run),
# sent by name so that services never import the tasks that call them; and
# its two queues (a worker host runs one worker for each).
TASK_INVOCATION_RUN = "functions.tasks.invocation_run"
QUEUE_SYNC = "labda.sync"
QUEUE_ASYNC = "labda.async"
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
        run_after=timezone.now(),
        code_sha256=code_sha256,
    )
    if invocation_type == Invocation.Type.EVENT:
        # Accepted (202) once recorded: Lambda queues an event and takes its
        # concurrency slot only when it runs, retrying throttles for hours.
        with transaction.atomic():
            invocation.save()
            transaction.on_commit(lambda: enqueue_quietly(invocation))
        return invocation
    try:
        acquired = concurrency.acquire(
            str(function.uid), str(invocation.id), limit=concurrency_limit(function), hold_seconds=slot_hold_seconds(function)
        )
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


def concurrency_limit(function: Function) -> int:
    limit = function.reserved_concurrency
    return settings.LABDA_UNRESERVED_CONCURRENCY if limit is None else limit


def slot_hold_seconds(function: Function) -> float:
    """A slot lapses by itself after the longest the invocation could take."""
    return float(function.timeout + settings.LABDA_INIT_TIMEOUT + SLOT_MARGIN_SECONDS)


def publish(invocation_id: str, invocation_type: str, *, countdown: float | None = None) -> None:
    """Queue the task that runs the invocation (raises when the broker is down).
    The task id is the request id."""
    queue = QUEUE_ASYNC if invocation_type == Invocation.Type.EVENT else QUEUE_SYNC
    current_app.send_task(
        TASK_INVOCATION_RUN,
        (invocation_id,),
        task_id=invocation_id,
        queue=queue,
        countdown=countdown,
    )


def enqueue_quietly(invocation: Invocation, *, countdown: float | None = None) -> bool:
    """Queue a recorded invocation; when the broker is down the row stays
    pending and the sweep queues it later (recovery.invocations_requeue)."""
    try:
        publish(str(invocation.pk), invocation.invocation_type, countdown=countdown)
        return True
    except Exception:  # noqa: BLE001 - kombu raises many kinds; the row is the record
        log.warning("Could not queue invocation %s now; the sweep queues it again", invocation.pk, exc_info=True)
        return False


def _enqueue(invocation: Invocation) -> None:
    """A synchronous invocation: its caller is waiting, so a broker outage is
    an answer now (the row ends, the slot is freed), not a retry later."""
    try:
        publish(str(invocation.pk), invocation.invocation_type)
    except Exception as exc:  # noqa: BLE001 - the broker is down: end the row, never leave it queued
        release_quietly(str(invocation.function.uid), str(invocation.pk))
        invocation_fail(invocation_id=str(invocation.pk), error_type="ServiceException", message=ERR_QUEUE_DOWN.format(error=exc))
        raise ServiceError(ERR_QUEUE_DOWN.format(error=exc)) from None


def release_quietly(function_uid: str, invocation_id: str) -> None:
    try:
        concurrency.release(function_uid, invocation_id)
    except RedisError:
        pass  # the slot lapses by itself


def invocation_wait(*, invocation: Invocation, timeout: float) -> Invocation:
    """Wait up to `timeout` seconds for the worker to finish it."""
    if not invocation.is_finished:
        pk = invocation.pk

        def finished() -> bool:
            return Invocation.objects.filter(pk=pk, status__in=Invocation.FINISHED).exists()

        completion.wait_done(str(pk), timeout, finished)
        invocation.refresh_from_db()
    return invocation


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
                function=function,
                invocation=invocation,
                stream_name=outcome.log_stream,
                lines=outcome.log_lines,
                after=outcome.after_lines,
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
    retry_later(invocation, delays[invocation.attempts - 1])


def retry_later(invocation: Invocation, delay: float) -> None:
    """Back to pending, due in `delay` seconds, and queued for then."""
    due = timezone.now() + timedelta(seconds=delay)
    Invocation.objects.filter(pk=invocation.pk).update(status=Invocation.Status.PENDING, run_after=due, worker="")
    invocation.status, invocation.run_after = Invocation.Status.PENDING, due
    transaction.on_commit(lambda: enqueue_quietly(invocation, countdown=delay))


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
