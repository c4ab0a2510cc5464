"""Time ranges and qualifiers of the Monitor tab: the console's presets
(1h ... 1w) and custom ranges, each cut into periods that line up with UTC."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import ServiceError

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


class MonitorError(ServiceError):
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


def parse_time_range(params: Mapping[str, str], *, now: datetime | None = None) -> TimeRange:
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
    period: str | int | None = params.get("period") or None
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
