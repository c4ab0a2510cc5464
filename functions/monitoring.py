"""The Monitor tab: graphs over a time range, recent invocations and cost.

Every number comes from recorded invocations. The graphs read the per-minute
rollups (MetricMinute, written by ``metrics.record_invocation``), aggregated in
SQL into periods of 1 minute to 1 hour, so a page never scans invocations; the
recent-invocations table reads the newest rows through the
(function, -created_at) index with a LIMIT.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import ExpressionWrapper, Func, IntegerField, Max, Min, QuerySet, Sum, Value

from . import selectors, services
from .models import Alias, Function, FunctionVersion, Invocation, MetricMinute

# --- time ranges

# The console's presets: (length, period in seconds). Periods are 1 min, 5 min,
# 15 min or 1 h, so every period divides a day and buckets line up with UTC
# midnight.
PRESETS: dict[str, tuple[timedelta, int]] = {
    "1h": (timedelta(hours=1), 60),
    "3h": (timedelta(hours=3), 60),
    "12h": (timedelta(hours=12), 300),
    "1d": (timedelta(days=1), 900),
    "3d": (timedelta(days=3), 3600),
    "1w": (timedelta(weeks=1), 3600),
}
DEFAULT_RANGE = "3h"
PERIODS = (60, 300, 900, 3600)
PERIOD_LABELS = {60: "1 minute", 300: "5 minutes", 900: "15 minutes", 3600: "1 hour"}
# A custom range picks the finest period that keeps the graph readable.
AUTO_MAX_POINTS = 360
MAX_POINTS = 1500
MAX_CUSTOM_SPAN = timedelta(days=31)
CUSTOM_FORMAT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">, read as UTC
# The graphs of the Monitor tab: (id, title, unit); monitor.js draws each.
CHARTS = [
    ("invocations", "Invocations", "Count"),
    ("duration", "Duration", "Milliseconds"),
    ("errors", "Error count and success rate (%)", "Count and %"),
    ("throttles", "Throttles", "Count"),
    ("concurrency", "Concurrent executions", "Count"),
    ("cold-starts", "Cold starts and Init Duration", "Count and milliseconds"),
    ("memory", "Max memory used vs configured", "MB"),
]
AUTO_REFRESH_CHOICES = [
    (0, "Off"),
    (10, "10 seconds"),
    (60, "1 minute"),
    (120, "2 minutes"),
    (300, "5 minutes"),
    (900, "15 minutes"),
]


class MonitorError(ValueError):
    """Bad input from the page (a custom range, a period); the message says why."""


@dataclass(frozen=True)
class TimeRange:
    key: str  # a preset ("1h" ...) or "custom"
    start: datetime  # inclusive, on a period boundary (UTC)
    end: datetime  # exclusive, on a period boundary (UTC)
    period: int  # seconds

    @property
    def buckets(self) -> int:
        return int((self.end - self.start).total_seconds()) // self.period

    @property
    def period_label(self) -> str:
        return PERIOD_LABELS.get(self.period, f"{self.period} seconds")

    def bucket_starts(self) -> list[datetime]:
        return [self.start + timedelta(seconds=i * self.period) for i in range(self.buckets)]

    def query(self) -> dict[str, str]:
        """The GET parameters that select this range again."""
        if self.key != "custom":
            return {"range": self.key}
        return {
            "range": "custom",
            "start": self.start.strftime(CUSTOM_FORMAT),
            "end": self.end.strftime(CUSTOM_FORMAT),
            "period": str(self.period),
        }


def _floor(moment: datetime, period: int) -> datetime:
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % period, UTC)


def _ceil(moment: datetime, period: int) -> datetime:
    floor = _floor(moment, period)
    return floor if floor == moment else floor + timedelta(seconds=period)


def preset_range(key: str, *, now: datetime | None = None) -> TimeRange:
    """The last `key` (1h ... 1w) up to now; the current period is the last bucket."""
    length, period = PRESETS[key]
    end = _floor(now or datetime.now(UTC), period) + timedelta(seconds=period)
    return TimeRange(key=key, start=end - length, end=end, period=period)


def custom_range(start: datetime, end: datetime, period: int | None = None) -> TimeRange:
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    if end <= start:
        raise MonitorError("The end of a custom time range must be after its start.")
    if end - start > MAX_CUSTOM_SPAN:
        raise MonitorError(f"A custom time range can be at most {MAX_CUSTOM_SPAN.days} days long.")
    span = (end - start).total_seconds()
    if period is None:
        period = next((p for p in PERIODS if span / p <= AUTO_MAX_POINTS), PERIODS[-1])
    elif period not in PERIODS:
        raise MonitorError("The period must be 1 minute, 5 minutes, 15 minutes or 1 hour.")
    elif span / period > MAX_POINTS:
        raise MonitorError(f"That period gives more than {MAX_POINTS:,} points for this range; choose a longer period.")
    return TimeRange(key="custom", start=_floor(start, period), end=_ceil(end, period), period=period)


def parse_time_range(params, *, now: datetime | None = None) -> TimeRange:
    """The range a page asked for (GET parameters range, start, end, period).
    Raises MonitorError for a custom range that cannot be used."""
    key = params.get("range") or DEFAULT_RANGE
    if key in PRESETS:
        return preset_range(key, now=now)
    if key != "custom":
        raise MonitorError("Choose a time range: 1h, 3h, 12h, 1d, 3d, 1w or Custom.")
    try:
        start = datetime.strptime(params.get("start", ""), CUSTOM_FORMAT)
        end = datetime.strptime(params.get("end", ""), CUSTOM_FORMAT)
    except ValueError:
        raise MonitorError("Enter the start and end of a custom range as date and time (UTC).") from None
    period = params.get("period") or None
    try:
        period = int(period) if period else None
    except ValueError:
        raise MonitorError("The period must be 1 minute, 5 minutes, 15 minutes or 1 hour.") from None
    return custom_range(start, end, period)


# --- qualifiers

QUALIFIER_RE = re.compile(r"^(\$LATEST|[0-9]{1,10}|[A-Za-z0-9_-]{1,128})$")


def parse_qualifier(value: str) -> str:
    """The whole function (""), a version ("$LATEST", "3") or an alias
    name (Lambda's alias names are never all digits)."""
    value = (value or "").strip()
    if value.startswith("alias:"):
        value = value[len("alias:") :]
    if value and not QUALIFIER_RE.match(value):
        raise MonitorError("Choose a version or an alias.")
    return value


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

    def as_sqlite(self, compiler, connection, **extra):
        # julianday() is exact to well under a millisecond; round to the second.
        template = "CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
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


def _point(row: dict | None) -> dict:
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
        "success_rate": _round(100.0 * (invocations - errors) / invocations) if invocations else None,
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


def metric_buckets(*, function: Function, qualifier: str, time_range: TimeRange) -> list[dict]:
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


def metrics_data(*, function: Function, qualifier: str, time_range: TimeRange) -> dict:
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


def totals_from_points(points: list[dict]) -> dict:
    invocations = sum(p["invocations"] for p in points)
    errors = sum(p["errors"] for p in points)
    return {
        "invocations": invocations,
        "errors": errors,
        "throttles": sum(p["throttles"] for p in points),
        "cold_starts": sum(p["cold_starts"] for p in points),
        "success_rate": _round(100.0 * (invocations - errors) / invocations) if invocations else None,
    }


def metrics_totals(*, function: Function, qualifier: str, time_range: TimeRange) -> dict:
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
        "success_rate": _round(100.0 * (invocations - errors) / invocations) if invocations else None,
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


# --- cost


@dataclass(frozen=True)
class CostEstimate:
    """AWS list price of some usage: requests plus GB-seconds of billed duration."""

    requests: int
    gb_seconds: float

    @property
    def request_cost(self) -> Decimal:
        return settings.LABDA_PRICE_PER_REQUEST * self.requests

    @property
    def compute_cost(self) -> Decimal:
        return settings.LABDA_PRICE_PER_GB_SECOND * Decimal(repr(round(self.gb_seconds, 9)))

    @property
    def total(self) -> Decimal:
        return self.request_cost + self.compute_cost

    @property
    def free_requests(self) -> int:
        return settings.LABDA_FREE_TIER_REQUESTS

    @property
    def free_gb_seconds(self) -> int:
        return settings.LABDA_FREE_TIER_GB_SECONDS

    @property
    def requests_free_share(self) -> float:
        return 100.0 * self.requests / self.free_requests if self.free_requests else math.inf

    @property
    def gb_seconds_free_share(self) -> float:
        return 100.0 * self.gb_seconds / self.free_gb_seconds if self.free_gb_seconds else math.inf

    @property
    def after_free_tier(self) -> Decimal:
        """The bill if this were a whole month's usage: the free tier first."""
        requests = max(0, self.requests - self.free_requests)
        gb_seconds = max(0.0, self.gb_seconds - self.free_gb_seconds)
        return CostEstimate(requests, gb_seconds).total

    @property
    def price_per_million_requests(self) -> Decimal:
        return settings.LABDA_PRICE_PER_REQUEST * 1_000_000

    @property
    def price_per_gb_second(self) -> Decimal:
        return settings.LABDA_PRICE_PER_GB_SECOND


def gb_seconds(billed_ms: int | None, memory_mb: int) -> float:
    """Billed duration (already rounded up to 1 ms) times configured memory."""
    return (billed_ms or 0) / 1000 * memory_mb / 1024


def invocation_cost(invocation: Invocation) -> CostEstimate:
    """A throttled request is not billed; any other is one request plus its
    GB-seconds (on a cold start the billed duration includes the init)."""
    if invocation.status == Invocation.Status.THROTTLED:
        return CostEstimate(0, 0.0)
    return CostEstimate(1, gb_seconds(invocation.billed_duration_ms, invocation.memory_size))


def usd(value: Decimal | float) -> str:
    """Dollars as the console shows them; fractions of a cent keep their
    significant digits ($0.0000002083), since one invocation costs that."""
    value = Decimal(str(value))
    if value == 0:
        return "$0.00"
    if value >= Decimal("0.01"):
        return f"${value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    digits = max(2, -value.adjusted() + 3)  # four significant digits
    if digits > 12:
        return "<$0.000000000001"
    text = f"{value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):f}".rstrip("0")
    return f"${text}"


# --- the tab, an invocation, replay and compare


def monitor_tab_context(*, function: Function, params) -> dict:
    """Context of templates/functions/_monitor_tab.html."""
    error = ""
    try:
        time_range = parse_time_range(params)
    except MonitorError as exc:
        error, time_range = str(exc), preset_range(DEFAULT_RANGE)
    try:
        qualifier = parse_qualifier(params.get("qualifier", ""))
    except MonitorError as exc:
        error, qualifier = str(exc), ""
    totals = metrics_totals(function=function, qualifier=qualifier, time_range=time_range)
    query = time_range.query() | ({"qualifier": qualifier} if qualifier else {})
    return {
        "time_range": time_range,
        "range_error": error,
        "presets": list(PRESETS),
        "range_query": query,
        "qualifier": qualifier,
        "qualifier_choices": qualifier_choices(function),
        "auto_refresh_choices": AUTO_REFRESH_CHOICES,
        "totals": totals,
        "cost": CostEstimate(totals["invocations"], totals["gb_seconds"]),
        "recent": recent_invocations(function=function, qualifier=qualifier, time_range=time_range),
        "recent_limit": RECENT_LIMIT,
        "custom_start": time_range.start.strftime(CUSTOM_FORMAT),
        "custom_end": time_range.end.strftime(CUSTOM_FORMAT),
        "periods": [(p, PERIOD_LABELS[p]) for p in PERIODS],
        "charts": CHARTS,
    }


def invocation_context(*, invocation: Invocation) -> dict:
    """One invocation: the Execution result's fields, its cost and its log."""
    from . import logs

    context = selectors.result_context(invocation=invocation)
    context["payload_pretty"] = _pretty(invocation.payload)
    context["cost"] = invocation_cost(invocation)
    context["log_lines"] = logs.invocation_lines(invocation)
    return context


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2)
    except (TypeError, ValueError):
        return text


def invocation_replay(*, invocation: Invocation) -> Invocation:
    """Send the same event again the same way (through the same alias, or to
    the same version; synchronous or asynchronous): a new invocation with a
    new request id."""
    return services.invocation_create(
        function=invocation.function,
        payload=invocation.payload or "{}",
        invocation_type=invocation.invocation_type,
        qualifier=invocation.alias or invocation.version,
    )


def compare_context(*, first: Invocation, second: Invocation) -> dict:
    """Two invocations side by side, and what differs between them."""
    columns = [invocation_context(invocation=inv) for inv in (first, second)]

    def delta(field: str) -> float | None:
        a, b = getattr(first, field), getattr(second, field)
        return None if a is None or b is None else round(b - a, 2)

    return {
        "columns": columns,
        "deltas": {
            "duration_ms": delta("duration_ms"),
            "billed_duration_ms": delta("billed_duration_ms"),
            "max_memory_used_mb": delta("max_memory_used_mb"),
        },
        "same_response": first.response == second.response,
        "same_payload": first.payload == second.payload,
    }


def compare_candidates(*, function: Function, exclude: Invocation | None = None, limit: int = 20) -> list[Invocation]:
    rows = Invocation.objects.filter(function=function).exclude(status__in=[Invocation.Status.PENDING, Invocation.Status.RUNNING])
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return list(rows.order_by("-created_at").only(*RECENT_FIELDS)[:limit])
