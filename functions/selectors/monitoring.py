"""The Monitor tab's reads: graphs over a time range and recent invocations.

Every number comes from recorded invocations. The graphs read the per-minute
rollups (MetricMinute, written by ``services.metrics.record_invocation``),
aggregated in SQL into periods of 1 minute to 1 hour, so a page never scans
invocations; the recent-invocations table reads the newest rows through the
(function, -created_at) index with a LIMIT.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import ExpressionWrapper, Func, IntegerField, Max, Min, QuerySet, Sum, Value

from ..cost import success_rate
from ..models import Alias, Function, FunctionVersion, Invocation, MetricMinute
from .timerange import TimeRange

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType


def _is_version(qualifier: str) -> bool:
    return qualifier == "$LATEST" or qualifier.isdigit()


def _rollup_rows(function: Function, qualifier: str) -> QuerySet[MetricMinute]:
    rows = MetricMinute.objects.filter(function=function)
    if not qualifier:
        # The whole function is the sum over the versions that ran; an alias's
        # rows count the same invocations a second time.
        return rows.exclude(qualifier__startswith="alias:")
    return rows.filter(qualifier=qualifier if _is_version(qualifier) else f"alias:{qualifier}")


def qualifier_choices(function: Function) -> list[tuple[str, str]]:
    choices = [("", "All versions"), ("$LATEST", "Version: $LATEST")]
    for number in FunctionVersion.objects.filter(function=function).order_by("-number").values_list("number", flat=True):
        choices.append((str(number), f"Version: {number}"))
    for name in Alias.objects.filter(function=function).order_by("name").values_list("name", flat=True):
        choices.append((name, f"Alias: {name}"))
    return choices


# --- the graphs


class EpochSeconds(Func):
    """Seconds since 1970 of a datetime column, natively in SQLite and
    PostgreSQL (no per-row Python function, which SQLite's Trunc/Extract
    would call)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> _AsSqlType:
        # julianday() is exact to well under a millisecond; round to the second.
        template = "CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> _AsSqlType:
        template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)


# Aggregates over rollup rows; names differ from the model's fields, as
# annotations must.
AGGREGATES = {
    "s_invocations": Sum("invocations"),
    "s_errors": Sum("errors"),
    "s_throttles": Sum("throttles"),
    "s_duration_count": Sum("duration_count"),
    "s_duration_sum": Sum("duration_sum"),
    "s_duration_min": Min("duration_min"),
    "s_duration_max": Max("duration_max"),
    "s_billed_ms": Sum("billed_ms_sum"),
    "s_gb_seconds": Sum("gb_seconds"),
    "s_cold_starts": Sum("cold_starts"),
    "s_init_sum": Sum("init_duration_sum"),
    "s_init_max": Max("init_duration_max"),
    "s_memory_used": Max("max_memory_used_mb"),
    "s_memory_size": Max("memory_size_mb"),
    "s_concurrent": Max("concurrent_max"),
}

SERIES = (
    "invocations",
    "errors",
    "success_rate",
    "throttles",
    "duration_avg",
    "duration_min",
    "duration_max",
    "concurrent_executions",
    "cold_starts",
    "init_duration_avg",
    "init_duration_max",
    "max_memory_used_mb",
    "memory_size_mb",
)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _point(row: dict[str, Any] | None) -> dict[str, Any]:
    """One period's values. An empty period counts 0 invocations, errors,
    throttles and cold starts; averages, extremes and rates have no value
    there (a gap in the graph, as CloudWatch draws it)."""
    if row is None:
        row = {}
    invocations = row.get("s_invocations") or 0
    errors = row.get("s_errors") or 0
    count = row.get("s_duration_count") or 0
    cold = row.get("s_cold_starts") or 0
    return {
        "invocations": invocations,
        "errors": errors,
        "success_rate": success_rate(invocations, errors),
        "throttles": row.get("s_throttles") or 0,
        "duration_avg": _round(row["s_duration_sum"] / count) if count else None,
        "duration_min": _round(row.get("s_duration_min")),
        "duration_max": _round(row.get("s_duration_max")),
        # The most invocations in flight at once; nothing ran: no value.
        "concurrent_executions": row.get("s_concurrent") or None,
        "cold_starts": cold,
        "init_duration_avg": _round(row["s_init_sum"] / cold) if cold else None,
        "init_duration_max": _round(row.get("s_init_max")),
        "max_memory_used_mb": row.get("s_memory_used"),
        "memory_size_mb": row.get("s_memory_size"),
    }


def _in_range(function: Function, qualifier: str, time_range: TimeRange) -> QuerySet[MetricMinute]:
    # function = ? AND minute >= ? AND minute < ?: a range scan of the
    # (function, minute) index, or of (function, qualifier, minute).
    return _rollup_rows(function, qualifier).filter(minute__gte=time_range.start, minute__lt=time_range.end)


def metric_buckets(*, function: Function, qualifier: str, time_range: TimeRange) -> list[dict[str, Any]]:
    """One point per period of the range, empty periods included, oldest first."""
    start_epoch = int(time_range.start.timestamp())
    bucket = ExpressionWrapper(
        (EpochSeconds("minute") - Value(start_epoch)) / Value(time_range.period), output_field=IntegerField()
    )
    rows = (
        _in_range(function, qualifier, time_range)
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(**AGGREGATES)
        .order_by("bucket")
    )
    by_bucket = {row["bucket"]: row for row in rows}
    points = []
    for index, start in enumerate(time_range.bucket_starts()):
        point = _point(by_bucket.get(index))
        point["start"] = start
        points.append(point)
    return points


def _labels(time_range: TimeRange) -> list[str]:
    starts = time_range.bucket_starts()
    several_days = (time_range.end - time_range.start) > timedelta(days=1) or (
        starts and starts[0].date() != (time_range.end - timedelta(seconds=1)).date()
    )
    fmt = "%m-%d %H:%M" if several_days else "%H:%M"
    return [start.strftime(fmt) for start in starts]


def metrics_data(*, function: Function, qualifier: str, time_range: TimeRange) -> dict[str, Any]:
    """What the graphs draw (the JSON behind the Monitor tab)."""
    points = metric_buckets(function=function, qualifier=qualifier, time_range=time_range)
    totals = totals_from_points(points)
    return {
        "function": function.name,
        "qualifier": qualifier,
        "range": time_range.key,
        "start": time_range.start.isoformat().replace("+00:00", "Z"),
        "end": time_range.end.isoformat().replace("+00:00", "Z"),
        "period": time_range.period,
        "period_label": time_range.period_label,
        "timestamps": [p["start"].isoformat().replace("+00:00", "Z") for p in points],
        "labels": _labels(time_range),
        "series": {name: [p[name] for p in points] for name in SERIES},
        "totals": totals,
        "configured_memory_mb": function.memory_size,
        "token": change_token(function=function),
    }


def totals_from_points(points: list[dict[str, Any]]) -> dict[str, Any]:
    invocations = sum(p["invocations"] for p in points)
    errors = sum(p["errors"] for p in points)
    return {
        "invocations": invocations,
        "errors": errors,
        "throttles": sum(p["throttles"] for p in points),
        "cold_starts": sum(p["cold_starts"] for p in points),
        "success_rate": success_rate(invocations, errors),
    }


def metrics_totals(*, function: Function, qualifier: str, time_range: TimeRange) -> dict[str, Any]:
    """The whole range in one row (the cost and the summary above the graphs)."""
    row = _in_range(function, qualifier, time_range).aggregate(**AGGREGATES)
    invocations = row["s_invocations"] or 0
    errors = row["s_errors"] or 0
    count = row["s_duration_count"] or 0
    return {
        "invocations": invocations,
        "errors": errors,
        "throttles": row["s_throttles"] or 0,
        "cold_starts": row["s_cold_starts"] or 0,
        "success_rate": success_rate(invocations, errors),
        "duration_avg": _round(row["s_duration_sum"] / count) if count else None,
        "duration_max": _round(row["s_duration_max"]),
        "billed_ms": row["s_billed_ms"] or 0,
        "gb_seconds": float(row["s_gb_seconds"] or 0.0),
        "max_memory_used_mb": row["s_memory_used"],
    }


def change_token(*, function: Function) -> str:
    """Changes whenever an invocation of the function starts or ends, so an
    open Monitor tab can redraw after a Test without polling the graphs."""
    latest = list(Invocation.objects.filter(function=function).order_by("-created_at").values_list("id", "status")[:1])
    rows = list(
        MetricMinute.objects.filter(function=function)
        .order_by("-minute")
        .values_list("minute", "qualifier", "invocations", "throttles")[:8]
    )
    text = json.dumps([[str(v) for v in item] for item in latest + rows])
    # The same in every web process (hash() of a str is not).
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# --- recent invocations

RECENT_LIMIT = 50
RECENT_FIELDS = (
    "id",
    "function_id",
    "version",
    "alias",
    "invocation_type",
    "status",
    "function_error",
    "error_type",
    "created_at",
    "started_at",
    "duration_ms",
    "billed_duration_ms",
    "memory_size",
    "max_memory_used_mb",
    "init_duration_ms",
    "cold_start",
    "log_stream_id",
)


def recent_invocations(
    *, function: Function, qualifier: str, time_range: TimeRange, limit: int = RECENT_LIMIT
) -> list[Invocation]:
    """The newest invocations in the range: a walk down the (function,
    -created_at) index that stops after `limit` rows; payloads and logs stay
    unread."""
    rows = Invocation.objects.filter(function=function, created_at__gte=time_range.start, created_at__lt=time_range.end)
    if qualifier:
        rows = rows.filter(version=qualifier) if _is_version(qualifier) else rows.filter(alias=qualifier)
    return list(rows.order_by("-created_at").only(*RECENT_FIELDS)[:limit])


def compare_candidates(*, function: Function, exclude: Invocation | None = None, limit: int = 20) -> list[Invocation]:
    rows = Invocation.objects.filter(function=function).exclude(status__in=[Invocation.Status.PENDING, Invocation.Status.RUNNING])
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return list(rows.order_by("-created_at").only(*RECENT_FIELDS)[:limit])
