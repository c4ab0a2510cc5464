"""Writing logs: the log group of a function, the events of a finished
invocation, the group's retention and the hourly expiry of old events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from django.contrib.auth.models import User
from django.utils import timezone

from ..errors import ServiceError
from ..models import Function, Invocation, LogEvent, LogGroup, LogStream
from ..selectors.logs import RETENTION_DAYS

ERR_RETENTION = "Choose a retention setting from the list: Never expire, or 1 day to 10 years."


def log_group_ensure(*, owner: User, name: str) -> LogGroup:
    """The owner's log group of that name, made when missing: a function
    created again under an old name writes to its old group."""
    group, _ = LogGroup.objects.get_or_create(owner=owner, name=name)
    return group


def log_events_store(
    *,
    function: Function,
    invocation: Invocation,
    stream_name: str,
    lines: list[tuple[float, str]],
    after: list[tuple[float, str]] | None = None,
) -> LogStream:
    """The invocation's lines as events of the environment's log stream, and
    `after` it (what the runtime printed after its result) events of no
    invocation: between its REPORT and the next START, as on Lambda."""
    group = log_group_ensure(owner=function.owner, name=function.log_group)
    stream, _ = LogStream.objects.get_or_create(group=group, name=stream_name)
    events = [
        LogEvent(stream=stream, request_id=invocation.pk, timestamp=datetime.fromtimestamp(ts, UTC), message=text)
        for ts, text in lines
    ]
    events += [LogEvent(stream=stream, timestamp=datetime.fromtimestamp(ts, UTC), message=text) for ts, text in after or []]
    LogEvent.objects.bulk_create(events)
    if events:
        stream.last_event_at = events[-1].timestamp
        stream.save(update_fields=["last_event_at"])
    return stream


def log_retention_set(*, group: LogGroup, days: int | None) -> LogGroup:
    if days is not None and days not in RETENTION_DAYS:
        raise ServiceError(ERR_RETENTION)
    group.retention_days = days
    group.save(update_fields=["retention_days"])
    return group


def logs_expire(*, now: datetime | None = None) -> int:
    """Delete log events older than their log group's retention, and the
    streams left with none. Safe to run twice. Returns the events deleted."""
    now = now or timezone.now()
    deleted = 0
    for group_id, days in LogGroup.objects.filter(retention_days__isnull=False).values_list("id", "retention_days"):
        cutoff = now - timedelta(days=cast(int, days))  # the filter leaves no None
        streams = LogStream.objects.filter(group_id=group_id)
        # One DELETE (no rows point at log events), by the (stream, timestamp) index.
        count, _ = LogEvent.objects.filter(stream__in=streams.values("id"), timestamp__lt=cutoff).delete()
        deleted += count
        # A stream whose last event expired has no events left.
        streams.filter(last_event_at__lt=cutoff).delete()
    return deleted
