"""Running one recorded invocation on this worker host: the body of the
Celery task (functions.tasks.invocation_run).

claim → spec → engine → store the outcome → free the slot → ring the bell.
The outcome is stored before anything that needs Redis, so a Redis outage can
delay a page but never lose a result. Safe to run twice: only the delivery
that moves the row from pending to running does any work.

An asynchronous event takes its concurrency slot here, when it runs (as on
Lambda): at the limit it is throttled and retried with back-off for up to the
maximum event age; each account runs only a fair share of the asynchronous
workers at once, so one student's flood leaves room for the rest.
"""

from __future__ import annotations

import base64
import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from invoker import concurrency
from invoker.environment import EnvironmentStartError
from invoker.pool import get_pool, worker_name
from invoker.runtime_api import Invoke

from ..models import Invocation
from . import completion, metrics
from .invocations import (
    concurrency_limit,
    enqueue_quietly,
    invocation_fail,
    invocation_finish,
    release_quietly,
    retry_later,
    slot_hold_seconds,
)
from .specs import function_spec

log = logging.getLogger(__name__)

# Lambda retries throttles and platform errors of an event with back-off
# from about a second up to five minutes.
BACKOFF_MIN_SECONDS, BACKOFF_MAX_SECONDS = 1.0, 300.0
# A parked event is queued again when one of its account's events ends; the
# sweep queues it anyway after this long (a wake-up lost with a worker).
PARKED_SECONDS = 300
ERR_EVENT_AGE = "The event was not processed within the maximum event age ({seconds:,} seconds) and was discarded."


def _backoff(attempt: int) -> float:
    delay: float = min(BACKOFF_MAX_SECONDS, BACKOFF_MIN_SECONDS * 2.0 ** max(0, attempt - 1))
    return delay * random.uniform(0.8, 1.2)


def invocation_execute(*, invocation_id: str) -> None:
    invocation = Invocation.objects.select_related("function").defer("function__code_zip").filter(pk=invocation_id).first()
    if invocation is None or invocation.status != Invocation.Status.PENDING:
        return  # a second delivery, or the row is gone
    if invocation.invocation_type == Invocation.Type.EVENT:
        _execute_event(invocation)
    else:
        _run(invocation)


def _execute_event(invocation: Invocation) -> None:
    now = timezone.now()
    max_age = settings.LABDA_ASYNC_MAX_EVENT_AGE
    if invocation.created_at < now - timedelta(seconds=max_age):
        invocation_fail(
            invocation_id=str(invocation.pk), error_type="EventAgeExceeded", message=ERR_EVENT_AGE.format(seconds=max_age)
        )
        return
    function, pk = invocation.function, str(invocation.pk)
    account = str(function.owner_id)
    try:
        fair = concurrency.account_acquire(
            account, pk, limit=settings.LABDA_ACCOUNT_ASYNC_CONCURRENCY, hold_seconds=slot_hold_seconds(function)
        )
        if not fair:
            # Not a throttle: the account already runs its share of events.
            # Parked, it is queued again when one of them ends (_wake_next):
            # one message per event, however long the flood.
            due = now + timedelta(seconds=PARKED_SECONDS)
            Invocation.objects.filter(pk=pk, status=Invocation.Status.PENDING).update(run_after=due, parked=True)
            return
        acquired = concurrency.acquire(
            str(function.uid), pk, limit=concurrency_limit(function), hold_seconds=slot_hold_seconds(function)
        )
    except RedisError:
        # Slots cannot be counted now: try again later, as for a throttle.
        retry_later(invocation, _backoff(invocation.throttled_attempts + 1))
        return
    if not acquired:
        _throttled(invocation)
        _release_account(account, pk)
        return
    try:
        _run(invocation)
    finally:
        _release_account(account, pk)
        _wake_next(function.owner_id)


def _release_account(account: str, invocation_id: str) -> None:
    try:
        concurrency.account_release(account, invocation_id)
    except RedisError:
        pass  # the slot lapses by itself


def _wake_next(owner_id: int) -> None:
    """The account's oldest parked event takes the share that just freed."""
    parked = (
        Invocation.objects.filter(function__owner_id=owner_id, parked=True, status=Invocation.Status.PENDING)
        .order_by("created_at")
        .select_related("function")
        .first()
    )
    if parked is None:
        return
    woken = Invocation.objects.filter(pk=parked.pk, parked=True, status=Invocation.Status.PENDING).update(
        parked=False, run_after=timezone.now()
    )
    if woken:
        enqueue_quietly(parked)


def _throttled(invocation: Invocation) -> None:
    """At the concurrency limit: counted in Throttles, retried later."""
    Invocation.objects.filter(pk=invocation.pk).update(throttled_attempts=F("throttled_attempts") + 1)
    invocation.throttled_attempts += 1
    metrics.record_throttle(invocation)
    retry_later(invocation, _backoff(invocation.throttled_attempts))


def _run(invocation: Invocation) -> None:
    pk = str(invocation.pk)
    claimed = Invocation.objects.filter(pk=pk, status=Invocation.Status.PENDING).update(
        status=Invocation.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, worker=worker_name()
    )
    function = invocation.function
    if claimed != 1:
        return  # another delivery runs it (and frees the slot they share)
    # The claim counted this attempt; no need to read the row again on the warm path.
    invocation.attempts += 1
    spec = function_spec(function, invocation.version)
    ran = base64.b64encode(bytes.fromhex(spec.code_sha256_hex)).decode()
    if ran != invocation.code_sha256:  # deployed again between Test and this run
        Invocation.objects.filter(pk=pk).update(code_sha256=ran)
    # Invoked by a qualifier, the function sees a qualified ARN, as on Lambda.
    qualifier = invocation.alias or (invocation.version if invocation.version != "$LATEST" else "")
    request = Invoke(
        request_id=pk,
        payload=(invocation.payload or "{}").encode(),
        timeout_s=float(spec.timeout),
        invoked_function_arn=f"{spec.function_arn}:{qualifier}" if qualifier else spec.function_arn,
    )
    try:
        # In flight now, this one included: the Concurrent executions metric.
        in_flight: int | None = concurrency.in_flight(str(function.uid))
    except RedisError:
        in_flight = None
    try:
        outcome = get_pool().invoke(spec, request)
    except Exception as exc:  # noqa: BLE001 - the platform failed, not the function
        _platform_failure(invocation, exc)
        return
    finally:
        release_quietly(str(function.uid), pk)
    outcome.concurrent_executions = in_flight
    invocation_finish(invocation_id=pk, outcome=outcome)
    completion.signal_done(pk)


def _platform_failure(invocation: Invocation, exc: Exception) -> None:
    """An event is retried (the engine may be back in a moment); a
    synchronous caller gets the error now."""
    pk = str(invocation.pk)
    if isinstance(exc, EnvironmentStartError):
        log.warning("Invocation %s could not start: %s", pk, exc)
        error_type, message = "Labda.EnvironmentStartError", str(exc)
    else:
        log.exception("Invocation %s failed in the platform", pk)
        error_type = "ServiceException"
        message = f"Labda could not run the invocation ({type(exc).__name__}); the worker's log has the details."
    if invocation.invocation_type == Invocation.Type.EVENT:
        Invocation.objects.filter(pk=pk, status=Invocation.Status.RUNNING).update(
            status=Invocation.Status.PENDING, attempts=F("attempts") - 1
        )
        retry_later(invocation, _backoff(invocation.attempts))
        return
    invocation_fail(invocation_id=pk, error_type=error_type, message=message)
    completion.signal_done(pk)
