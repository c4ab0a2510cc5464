"""Functions, their roles, test events, invocations and logs."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from invoker.images import RUNTIMES

from .arns import LOG_GROUP_PREFIX, function_arn, log_group_name, role_arn
from .limits import DESCRIPTION_MAX_LENGTH


class ExecutionRole(models.Model):
    """An IAM-like execution role. What Labda enforces of it: whether the
    function may write its logs."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=64)
    # [{"name": "AWSLambdaBasicExecutionRole", "document": {...}}]
    policies = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_role_name_per_owner")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def arn(self) -> str:
        return role_arn(self.name)

    @property
    def allows_logs(self) -> bool:
        for policy in self.policies:
            for statement in policy.get("document", {}).get("Statement", []):
                if statement.get("Effect") != "Allow":
                    continue
                actions = statement.get("Action", [])
                actions = [actions] if isinstance(actions, str) else actions
                if any(a in ("logs:PutLogEvents", "logs:*", "*") for a in actions):
                    return True
        return False


class RuntimeLabel:
    """The console's name of the runtime ("Python 3.13"), for the templates'
    get_runtime_display (the field has no choices: the list is the engine's)."""

    runtime: str

    def get_runtime_display(self) -> str:
        return RUNTIMES[self.runtime][0] if self.runtime in RUNTIMES else self.runtime


class Function(RuntimeLabel, models.Model):
    NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="functions")
    # Stable identity for containers and throttling, never reused.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    # One of invoker.images.RUNTIMES (checked by the services).
    runtime = models.CharField(max_length=32)
    handler = models.CharField(max_length=128)
    architecture = models.CharField(max_length=16, default="x86_64")
    memory_size = models.PositiveIntegerField(default=128)
    timeout = models.PositiveIntegerField(default=3)
    ephemeral_storage = models.PositiveIntegerField(default=512)
    environment = models.JSONField(default=dict, blank=True)
    role = models.ForeignKey(ExecutionRole, null=True, blank=True, on_delete=models.SET_NULL, related_name="functions")
    reserved_concurrency = models.PositiveIntegerField(null=True, blank=True)
    code_zip = models.BinaryField()
    code_sha256 = models.CharField(max_length=64)
    code_size = models.PositiveIntegerField(default=0)
    # Changes with every change of code or configuration (Lambda's RevisionId).
    revision_id = models.UUIDField(default=uuid.uuid4)
    blueprint = models.CharField(max_length=64, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_modified = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_function_name_per_owner")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return function_arn(self.name)

    @property
    def log_group(self) -> str:
        return log_group_name(self.name)


class TestEvent(models.Model):
    """A saved test event (private to the user who saved it)."""

    __test__ = False  # not a pytest test class

    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="test_events")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="test_events")
    name = models.CharField(max_length=25)
    payload = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["function", "owner", "name"], name="unique_test_event_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LogGroup(models.Model):
    """The log group /aws/lambda/NAME of a user's function. It outlives the
    function, as on AWS: deleting a function keeps its logs, and a new
    function of the same name writes to the same group again."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="log_groups")
    name = models.CharField(max_length=512)
    # None keeps events forever ("Never expire").
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_log_group_per_owner")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def function_name(self) -> str:
        return self.name.removeprefix(LOG_GROUP_PREFIX)


class LogStream(models.Model):
    """One per execution environment, in the log group /aws/lambda/NAME."""

    group = models.ForeignKey(LogGroup, on_delete=models.CASCADE, related_name="streams")
    name = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    last_event_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="unique_log_stream_in_group")]
        ordering = ["-last_event_at"]

    def __str__(self) -> str:
        return self.name


class Invocation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        TIMED_OUT = "timed_out", "Timed out"
        THROTTLED = "throttled", "Throttled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.TIMED_OUT, Status.THROTTLED)

    class Type(models.TextChoices):
        REQUEST_RESPONSE = "RequestResponse", "Synchronous"
        EVENT = "Event", "Asynchronous"

    # The id is Lambda's request id.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="invocations")
    # The version that ran ("$LATEST", "1", ...) and the alias it was invoked by.
    version = models.CharField(max_length=16, default="$LATEST")
    alias = models.CharField(max_length=128, blank=True)
    invocation_type = models.CharField(max_length=16, choices=Type.choices, default=Type.REQUEST_RESPONSE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    payload = models.TextField(blank=True)
    response = models.TextField(blank=True)
    function_error = models.CharField(max_length=16, blank=True)  # "Unhandled" when the function failed
    error_type = models.CharField(max_length=128, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A pending row is due to run from this moment (now, or after a retry's
    # back-off); a pending row due long ago has lost its message and is queued
    # again by the sweep.
    run_after = models.DateTimeField(null=True, blank=True)
    # Asynchronous events refused at the concurrency limit, then retried.
    throttled_attempts = models.PositiveIntegerField(default=0)
    # An event waiting for its account's fair share of the workers: queued
    # again when one of the account's running events ends.
    parked = models.BooleanField(default=False)
    # The worker host that claimed it (a restarted worker ends its own rows).
    worker = models.CharField(max_length=128, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    billed_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    memory_size = models.PositiveIntegerField(default=128)
    # The code that ran: the SHA-256 (base64, as Lambda shows it) of the
    # version's package when the invocation was recorded.
    code_sha256 = models.CharField(max_length=64, blank=True)
    max_memory_used_mb = models.PositiveIntegerField(null=True, blank=True)
    init_duration_ms = models.FloatField(null=True, blank=True)
    cold_start = models.BooleanField(null=True)
    # Invocations of the function in flight when this one started (measured).
    concurrent_executions = models.PositiveIntegerField(null=True, blank=True)
    log_stream = models.ForeignKey(LogStream, null=True, blank=True, on_delete=models.SET_NULL)
    # The end of this invocation's log, START to REPORT (Lambda's LogResult:
    # the console shows it whether or not the role may write CloudWatch logs).
    log_tail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["function", "-created_at"], name="invocation_fn_created"),
            models.Index(fields=["status", "run_after"], name="invocation_status_due"),
            models.Index(fields=["parked", "status", "created_at"], name="invocation_parked"),
        ]

    def __str__(self) -> str:
        return str(self.id)

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def max_attempts(self) -> int:
        """An asynchronous event runs once and is retried as often as
        LABDA_ASYNC_RETRY_DELAYS says (Lambda: twice); a synchronous one once."""
        if self.invocation_type != self.Type.EVENT:
            return 1
        return len(settings.LABDA_ASYNC_RETRY_DELAYS) + 1

    @property
    def next_retry_at(self) -> datetime | None:
        """When a failed asynchronous attempt is retried: it waits, queued,
        for the delay after its attempt ended (services.invocations)."""
        delays = settings.LABDA_ASYNC_RETRY_DELAYS
        retrying = self.invocation_type == self.Type.EVENT and self.status == self.Status.PENDING and self.attempts
        if not retrying or self.finished_at is None or self.attempts > len(delays):
            return None
        return self.finished_at + timedelta(seconds=delays[self.attempts - 1])

    def mark_throttled(self) -> None:
        """Refused at the concurrency limit, as Lambda refuses it (unsaved)."""
        self.status = self.Status.THROTTLED
        self.function_error = ""
        self.error_type = "TooManyRequestsException"
        self.error_message = "Rate Exceeded."
        self.response = json.dumps(
            {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": "Rate Exceeded."}
        )
        self.finished_at = timezone.now()


class LogEvent(models.Model):
    stream = models.ForeignKey(LogStream, on_delete=models.CASCADE, related_name="events")
    # The invocation's request id: a value, not a link, since the events
    # outlive the invocation (deleted with its function).
    request_id = models.UUIDField(null=True, blank=True, db_index=True)
    timestamp = models.DateTimeField()
    message = models.TextField()

    class Meta:
        ordering = ["timestamp", "id"]
        indexes = [models.Index(fields=["stream", "timestamp"], name="logevent_stream_time")]

    def __str__(self) -> str:
        return self.message[:80]


class Blueprint(RuntimeLabel, models.Model):
    """Sample code to start a function from (loaded by `manage.py load_blueprints`)."""

    name = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=128)
    description = models.TextField()
    # One of invoker.images.RUNTIMES (checked by the services).
    runtime = models.CharField(max_length=32)
    handler = models.CharField(max_length=128)
    files = models.JSONField(default=dict)
    tags = models.JSONField(default=list)
    test_event_template = models.CharField(max_length=64, default="hello-world")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FunctionVersion(RuntimeLabel, models.Model):
    """A published version: an immutable copy of the code and configuration."""

    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    # One of invoker.images.RUNTIMES (checked by the services).
    runtime = models.CharField(max_length=32)
    handler = models.CharField(max_length=128)
    memory_size = models.PositiveIntegerField()
    timeout = models.PositiveIntegerField()
    ephemeral_storage = models.PositiveIntegerField()
    environment = models.JSONField(default=dict, blank=True)
    code_zip = models.BinaryField()
    code_sha256 = models.CharField(max_length=64)
    code_size = models.PositiveIntegerField(default=0)
    # The $LATEST revision it was published from (no new version if unchanged).
    source_revision_id = models.UUIDField()
    revision_id = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["function", "number"], name="unique_version_number")]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.function.name}:{self.number}"


class Alias(models.Model):
    """A name for a version, optionally sending a share of traffic to a second one."""

    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=128)
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    version = models.CharField(max_length=16)  # "$LATEST" or a version number
    additional_version = models.CharField(max_length=16, blank=True)
    additional_weight = models.FloatField(default=0.0)  # 0..1, share of the additional version
    revision_id = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["function", "name"], name="unique_alias_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.function.name}:{self.name}"


class MetricMinute(models.Model):
    """Per-minute rollup of one function's invocations, written when each
    invocation ends, so the Monitor tab never scans invocations.

    ``qualifier`` is the version that ran ("$LATEST", "1", ...); invocations
    through an alias also count in a row with qualifier "alias:NAME".
    """

    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="metric_minutes")
    qualifier = models.CharField(max_length=140)
    minute = models.DateTimeField()
    invocations = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    throttles = models.PositiveIntegerField(default=0)
    duration_count = models.PositiveIntegerField(default=0)
    duration_sum = models.FloatField(default=0.0)
    duration_min = models.FloatField(null=True)
    duration_max = models.FloatField(null=True)
    billed_ms_sum = models.BigIntegerField(default=0)
    gb_seconds = models.FloatField(default=0.0)
    cold_starts = models.PositiveIntegerField(default=0)
    init_duration_sum = models.FloatField(default=0.0)
    init_duration_max = models.FloatField(null=True)
    max_memory_used_mb = models.PositiveIntegerField(null=True)
    memory_size_mb = models.PositiveIntegerField(null=True)
    concurrent_max = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["function", "qualifier", "minute"], name="unique_metric_minute")]
        indexes = [models.Index(fields=["function", "minute"], name="metric_fn_minute")]
        ordering = ["minute"]

    def __str__(self) -> str:
        return f"{self.function_id}:{self.qualifier}@{self.minute:%Y-%m-%d %H:%M}"


# Layers live in their own module (this one would pass 400 lines).
from .layer_models import FunctionLayer, Layer, LayerVersion  # noqa: E402, F401
