"""Business logic: creating and changing functions, test events and invocations.

Views call these; they raise ``ServiceError`` with a message meant for the
page when the input is wrong, and change nothing in that case.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from invoker import concurrency
from invoker.images import RUNTIMES

from . import code_package, metrics
from .models import BASIC_EXECUTION_POLICY, ExecutionRole, Function, Invocation, LogEvent, LogStream, TestEvent

NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
EVENT_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,25}$")
MAX_TEST_EVENTS = 10
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_ASYNC_PAYLOAD = 1024 * 1024
# Room for queueing, init and the platform's own work beyond the timeout.
SLOT_MARGIN_SECONDS = 120

ERR_NAME = (
    "Function name can contain only letters, numbers, hyphens or underscores, with no spaces, and be 1 to 64 characters long."
)
ERR_NAME_TAKEN = "A function named {name} already exists. Choose another name."
ERR_RUNTIME = "Choose a runtime: {choices}."
ERR_EVENT_NAME = (
    "Event name can contain only letters, numbers, hyphens or underscores, with no spaces, and be 1 to 25 characters long."
)
ERR_TOO_MANY_EVENTS = "You can save up to 10 test events for a function. Delete one to save another."
ERR_PAYLOAD_SIZE = "The event is {size:,} bytes; the limit is {limit:,} bytes."
ERR_QUEUE_DOWN = "Labda cannot reach its invocation queue (Redis), so the function was not invoked. Ask your instructor to check the server. ({error})"


class ServiceError(ValueError):
    pass


# --- roles


def role_create_basic(*, owner, function_name: str) -> ExecutionRole:
    """ "Create a new role with basic Lambda permissions": it may write logs."""
    suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))
    return ExecutionRole.objects.create(
        owner=owner,
        name=f"{function_name}-role-{suffix}"[:64],
        policies=[{"name": "AWSLambdaBasicExecutionRole", "document": BASIC_EXECUTION_POLICY}],
    )


# --- functions


def _check_runtime(runtime: str) -> None:
    if runtime not in RUNTIMES:
        raise ServiceError(ERR_RUNTIME.format(choices=", ".join(RUNTIMES)))


def _package(*, files: dict[str, str] | None, zip_bytes: bytes | None) -> bytes:
    if zip_bytes is not None:
        try:
            code_package.validate_zip(zip_bytes)
        except code_package.CodePackageError as exc:
            raise ServiceError(str(exc)) from None
        return zip_bytes
    try:
        return code_package.build_zip(files or {})
    except code_package.CodePackageError as exc:
        raise ServiceError(str(exc)) from None


def _set_code(function: Function, data: bytes) -> None:
    function.code_zip = data
    function.code_sha256 = code_package.code_sha256(data)
    function.code_size = len(data)


def function_create(
    *,
    owner,
    name: str,
    runtime: str,
    handler: str | None = None,
    files: dict[str, str] | None = None,
    zip_bytes: bytes | None = None,
    role: ExecutionRole | None = None,
    description: str = "",
    blueprint: str = "",
) -> Function:
    """Create a function. Without a role, a new basic execution role is made."""
    name = name.strip()
    if not NAME_RE.match(name):
        raise ServiceError(ERR_NAME)
    _check_runtime(runtime)
    if Function.objects.filter(owner=owner, name=name).exists():
        raise ServiceError(ERR_NAME_TAKEN.format(name=name))
    data = _package(files=files, zip_bytes=zip_bytes)
    with transaction.atomic():
        if role is None:
            role = role_create_basic(owner=owner, function_name=name)
        function = Function(
            owner=owner,
            name=name,
            runtime=runtime,
            handler=handler or RUNTIMES[runtime][1],
            role=role,
            description=description[:256],
            blueprint=blueprint,
        )
        _set_code(function, data)
        try:
            function.save()
        except IntegrityError:
            raise ServiceError(ERR_NAME_TAKEN.format(name=name)) from None
    return function


def function_create_from_blueprint(*, owner, name: str, blueprint, role: ExecutionRole | None = None) -> Function:
    return function_create(
        owner=owner,
        name=name,
        runtime=blueprint.runtime,
        handler=blueprint.handler,
        files=blueprint.files,
        role=role,
        description=blueprint.description,
        blueprint=blueprint.name,
    )


def function_update_code(*, function: Function, files: dict[str, str] | None = None, zip_bytes: bytes | None = None) -> Function:
    """Deploy: a new $LATEST. On bad input nothing changes (the old code runs on)."""
    data = _package(files=files, zip_bytes=zip_bytes)
    _set_code(function, data)
    function.revision_id = uuid.uuid4()
    function.last_modified = timezone.now()
    function.save(update_fields=["code_zip", "code_sha256", "code_size", "revision_id", "last_modified"])
    retire_outdated(function)
    return function


def retire_outdated(function: Function) -> None:
    """Warm $LATEST containers of an older revision go now, on every worker."""
    from invoker.control import broadcast_retire

    uid, revision = str(function.uid), str(function.revision_id)
    transaction.on_commit(lambda: broadcast_retire(uid, version="$LATEST", keep_revision=revision))


def function_files(function: Function) -> dict[str, str | None]:
    return code_package.read_text_files(bytes(function.code_zip))


def function_spec(function: Function, version: str = "$LATEST"):
    """What the worker needs to run this function's $LATEST or a published
    version (see invoker.spec). The code itself is loaded only on a cold start."""
    import base64

    from invoker.spec import FunctionSpec

    from .models import FunctionVersion

    source: Function | FunctionVersion = function
    model, source_pk = Function, function.pk
    if version != "$LATEST":
        source = FunctionVersion.objects.defer("code_zip").get(function=function, number=int(version))
        model, source_pk = FunctionVersion, source.pk

    def load_code() -> bytes:
        return bytes(model.objects.values_list("code_zip", flat=True).get(pk=source_pk))

    return FunctionSpec(
        function_uid=str(function.uid),
        revision_id=str(source.revision_id),
        name=function.name,
        version=version,
        runtime=source.runtime,
        handler=source.handler,
        memory_size=source.memory_size,
        timeout=source.timeout,
        ephemeral_storage=source.ephemeral_storage,
        environment={str(k): str(v) for k, v in (source.environment or {}).items()},
        code_sha256_hex=base64.b64decode(source.code_sha256).hex(),
        load_code=load_code,
        owner_id=function.owner_id,
        region=settings.LABDA_REGION,
        account_id=settings.LABDA_ACCOUNT_ID,
    )


def function_delete(*, function: Function) -> None:
    from invoker.control import broadcast_retire

    uid = str(function.uid)
    function.delete()
    transaction.on_commit(lambda: broadcast_retire(uid))


# --- test events


def parse_event_json(text: str) -> object:
    """The event as JSON, or a ServiceError that says where it is wrong."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ServiceError(f"There is an error in the event JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None


def event_save(*, function: Function, owner, name: str, payload: str) -> TestEvent:
    name = name.strip()
    if not EVENT_NAME_RE.match(name):
        raise ServiceError(ERR_EVENT_NAME)
    parse_event_json(payload)
    existing = TestEvent.objects.filter(function=function, owner=owner, name=name).first()
    if existing:
        existing.payload = payload
        existing.updated_at = timezone.now()
        existing.save(update_fields=["payload", "updated_at"])
        return existing
    if TestEvent.objects.filter(function=function, owner=owner).count() >= MAX_TEST_EVENTS:
        raise ServiceError(ERR_TOO_MANY_EVENTS)
    return TestEvent.objects.create(function=function, owner=owner, name=name, payload=payload)


def event_delete(*, event: TestEvent) -> None:
    event.delete()


# --- invocations


def invocation_create(
    *, function: Function, payload: str, invocation_type: str = Invocation.Type.REQUEST_RESPONSE, qualifier: str = "$LATEST"
) -> Invocation:
    """Record an invocation and queue it, or record it as throttled when the
    function is at its concurrency limit. The qualifier is $LATEST, a version
    number or an alias."""
    from .versions import resolve_qualifier

    parse_event_json(payload or "{}")
    version, alias = resolve_qualifier(function, qualifier)
    limit_bytes = MAX_SYNC_PAYLOAD if invocation_type == Invocation.Type.REQUEST_RESPONSE else MAX_ASYNC_PAYLOAD
    if len(payload.encode()) > limit_bytes:
        raise ServiceError(ERR_PAYLOAD_SIZE.format(size=len(payload.encode()), limit=limit_bytes))
    memory_size = function.memory_size if version == "$LATEST" else function.versions.get(number=int(version)).memory_size
    invocation = Invocation(
        function=function,
        version=version,
        alias=alias,
        invocation_type=invocation_type,
        payload=payload,
        memory_size=memory_size,
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
        invocation.status = Invocation.Status.THROTTLED
        invocation.function_error = ""
        invocation.error_type = "TooManyRequestsException"
        invocation.error_message = "Rate Exceeded."
        invocation.response = json.dumps(
            {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": "Rate Exceeded."}
        )
        invocation.finished_at = timezone.now()
        invocation.save()
        metrics.record_invocation(invocation)
        return invocation
    with transaction.atomic():
        invocation.save()
        transaction.on_commit(lambda: _enqueue(invocation))
    return invocation


def _enqueue(invocation: Invocation) -> None:
    from invoker.tasks import invocation_run as invocation_run_task

    try:
        # The task id is the request id, so a caller can wait for this one.
        invocation_run_task.apply_async((str(invocation.pk),), task_id=str(invocation.pk))
    except Exception as exc:  # the broker is down: end the row, never leave it queued
        _release_quietly(invocation)
        invocation_fail(invocation_id=invocation.pk, error_type="ServiceException", message=ERR_QUEUE_DOWN.format(error=exc))
        raise ServiceError(ERR_QUEUE_DOWN.format(error=exc)) from None


def _release_quietly(invocation: Invocation) -> None:
    try:
        concurrency.release(str(invocation.function.uid), str(invocation.pk))
    except RedisError:
        pass  # the slot lapses by itself


def invocation_wait(*, invocation: Invocation, timeout: float) -> Invocation:
    """Wait up to `timeout` seconds for the worker to finish it."""
    if not invocation.is_finished:
        from celery.exceptions import TimeoutError as CeleryTimeout
        from celery.result import AsyncResult

        try:
            AsyncResult(str(invocation.pk)).get(timeout=timeout, propagate=False, disable_sync_subtasks=False)
        except CeleryTimeout:
            pass
        invocation.refresh_from_db()
    return invocation


def _log_tail(lines: list[tuple[float, str]]) -> str:
    """The last 4 KB of the invocation's log, as Lambda's LogResult."""
    text = "\n".join(line for _, line in lines) + "\n"
    data = text.encode()
    return data[-4096:].decode("utf-8", "ignore") if len(data) > 4096 else text


def invocation_finish(*, invocation_id: str, outcome) -> Invocation | None:
    """Store a measured outcome (invoker.spec.Outcome): the row, and the log
    events when the execution role may write logs. Runs at most once."""
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
            stream, _ = LogStream.objects.get_or_create(function=function, name=outcome.log_stream)
            events = [
                LogEvent(stream=stream, invocation=invocation, timestamp=datetime.fromtimestamp(ts, UTC), message=text)
                for ts, text in outcome.log_lines
            ]
            LogEvent.objects.bulk_create(events)
            if events:
                stream.last_event_at = events[-1].timestamp
                stream.save(update_fields=["last_event_at"])
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
    from invoker.tasks import invocation_run as invocation_run_task

    delay = delays[invocation.attempts - 1]
    Invocation.objects.filter(pk=invocation.pk).update(status=Invocation.Status.PENDING)
    invocation.status = Invocation.Status.PENDING
    transaction.on_commit(lambda: invocation_run_task.apply_async((str(invocation.pk),), countdown=delay))


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
                invocation_id=invocation.pk,
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
            invocation_id=invocation.pk,
            error_type="Labda.NotStarted",
            message="No worker took this invocation from the queue.",
        )
        ended += 1
    return ended
