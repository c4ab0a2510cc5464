"""Per-minute metric rollups, written when an invocation ends.

Each finished (or throttled) invocation adds itself to the MetricMinute row of
its function, executed version and minute, and, when it came through an alias,
to the alias's row too. Pages read rollups, never every invocation.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Expression, F, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from ..cost import gb_seconds
from ..models import Invocation, MetricMinute


def _minute(invocation: Invocation) -> datetime:
    moment = invocation.started_at or invocation.created_at
    return moment.replace(second=0, microsecond=0)


def _increments(invocation: Invocation) -> dict[str, float]:
    throttled = invocation.status == Invocation.Status.THROTTLED
    values: dict[str, float] = {
        "invocations": 0 if throttled else 1,
        "throttles": 1 if throttled else 0,
        "errors": 1
        if invocation.function_error or invocation.status in (Invocation.Status.FAILED, Invocation.Status.TIMED_OUT)
        else 0,
    }
    if invocation.duration_ms is not None:
        values.update(duration_count=1, duration_sum=invocation.duration_ms)
    if invocation.billed_duration_ms is not None:
        values["billed_ms_sum"] = invocation.billed_duration_ms
        values["gb_seconds"] = gb_seconds(invocation.billed_duration_ms, invocation.memory_size)
    if invocation.cold_start and invocation.init_duration_ms is not None:
        values.update(cold_starts=1, init_duration_sum=invocation.init_duration_ms)
    return values


def record_invocation(invocation: Invocation) -> None:
    """Add one ended invocation to its rollups. Call once per invocation."""
    qualifiers = [invocation.version] + ([f"alias:{invocation.alias}"] if invocation.alias else [])
    for qualifier in qualifiers:
        _add(invocation, qualifier)


def record_throttle(invocation: Invocation) -> None:
    """One throttled attempt of an asynchronous event (retried later): it
    counts in Throttles now, as on Lambda, and is not an invocation."""
    attempt = Invocation(
        function_id=invocation.function_id,
        version=invocation.version,
        alias=invocation.alias,
        status=Invocation.Status.THROTTLED,
        created_at=timezone.now(),
        memory_size=invocation.memory_size,
    )
    record_invocation(attempt)


def _add(invocation: Invocation, qualifier: str) -> None:
    key = {"function_id": invocation.function_id, "qualifier": qualifier, "minute": _minute(invocation)}
    increments = _increments(invocation)
    updates: dict[str, Expression] = {name: F(name) + value for name, value in increments.items()}
    duration = invocation.duration_ms
    if duration is not None:
        updates["duration_min"] = Least(Coalesce(F("duration_min"), Value(duration)), Value(duration))
        updates["duration_max"] = Greatest(Coalesce(F("duration_max"), Value(duration)), Value(duration))
    if increments.get("cold_starts"):
        init = invocation.init_duration_ms
        updates["init_duration_max"] = Greatest(Coalesce(F("init_duration_max"), Value(init)), Value(init))
    if invocation.max_memory_used_mb is not None:
        used = invocation.max_memory_used_mb
        updates["max_memory_used_mb"] = Greatest(Coalesce(F("max_memory_used_mb"), Value(used)), Value(used))
    if invocation.status != Invocation.Status.THROTTLED:
        size = invocation.memory_size
        updates["memory_size_mb"] = Greatest(Coalesce(F("memory_size_mb"), Value(size)), Value(size))
    if invocation.concurrent_executions:
        count = invocation.concurrent_executions
        updates["concurrent_max"] = Greatest(F("concurrent_max"), Value(count))
    for _ in range(3):
        with transaction.atomic():
            if MetricMinute.objects.filter(**key).update(**updates):
                return
            try:
                with transaction.atomic():
                    MetricMinute.objects.create(
                        **key,
                        **increments,
                        duration_min=duration,
                        duration_max=duration,
                        init_duration_max=invocation.init_duration_ms if increments.get("cold_starts") else None,
                        max_memory_used_mb=invocation.max_memory_used_mb,
                        memory_size_mb=None if invocation.status == Invocation.Status.THROTTLED else invocation.memory_size,
                        concurrent_max=invocation.concurrent_executions or 0,
                    )
                return
            except IntegrityError:
                continue  # another worker created the row first: update it
