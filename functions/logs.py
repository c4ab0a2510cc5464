"""CloudWatch-like logs: log groups, streams, events, filters, live tail,
download and retention.

A log group is /aws/lambda/NAME (one per function), a log stream one
execution environment, an event one line the function or the platform wrote.
Events are stored when an invocation ends (services.invocation_finish); Live
Tail reads the lines the worker publishes while it runs (invoker.live_tail).
"""

from __future__ import annotations

import re
import shlex
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from invoker import live_tail as tail_transport

from . import selectors
from .models import Function, Invocation, LogEvent, LogStream
from .services import ServiceError

# --- retention

# CloudWatch Logs' retention choices, in days; None is "Never expire".
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
_RETENTION_NAMES = {
    1: "1 day",
    3: "3 days",
    5: "5 days",
    7: "1 week",
    14: "2 weeks",
    30: "1 month",
    60: "2 months",
    90: "3 months",
    120: "4 months",
    150: "5 months",
    180: "6 months",
    365: "12 months",
    400: "13 months",
    545: "18 months",
    731: "2 years",
    1096: "3 years",
    1827: "5 years",
    2192: "6 years",
    2557: "7 years",
    2922: "8 years",
    3288: "9 years",
    3653: "10 years",
}


def retention_label(days: int | None) -> str:
    if days is None:
        return "Never expire"
    return _RETENTION_NAMES.get(days, f"{days} days")


def retention_choices() -> list[tuple[str, str]]:
    """(value, label) for the "Edit retention setting" select."""
    choices = [("", "Never expire")]
    for days in RETENTION_DAYS:
        name = _RETENTION_NAMES[days]
        choices.append((str(days), name if name.endswith("days") or days == 1 else f"{name} ({days} days)"))
    return choices


def log_retention_set(*, function: Function, days: int | None) -> Function:
    if days is not None and days not in RETENTION_DAYS:
        raise ServiceError("Choose a retention setting from the list: Never expire, or 1 day to 10 years.")
    function.log_retention_days = days
    function.save(update_fields=["log_retention_days"])
    return function


def logs_expire(*, now: datetime | None = None) -> int:
    """Delete log events older than their log group's retention, and the
    streams left with none. Safe to run twice. Returns the events deleted."""
    now = now or timezone.now()
    deleted = 0
    for function_id, days in Function.objects.filter(log_retention_days__isnull=False).values_list("id", "log_retention_days"):
        cutoff = now - timedelta(days=days)
        streams = LogStream.objects.filter(function_id=function_id)
        # One DELETE (no rows point at log events), by the (stream, timestamp) index.
        count, _ = LogEvent.objects.filter(stream__in=streams.values("id"), timestamp__lt=cutoff).delete()
        deleted += count
        # A stream whose last event expired has no events left.
        streams.filter(last_event_at__lt=cutoff).delete()
    return deleted


# --- reading events


@dataclass(frozen=True)
class ReportField:
    name: str  # "Duration", "Billed Duration", ...
    value: str  # "12.34 ms"
    help: str  # what it means, for the hover and the expanded explanation


@dataclass
class LogLine:
    timestamp: datetime | None
    message: str
    request_id: str = ""
    stream_name: str = ""
    kind: str = "function"  # start | end | report | truncated | platform | function
    report: list[ReportField] = field(default_factory=list)
    report_note: str = ""

    @property
    def display(self) -> str:
        # Lambda joins a multi-line message (a stack trace) with \r.
        return self.message.replace("\r\n", "\n").replace("\r", "\n")

    @property
    def iso_time(self) -> str:
        if self.timestamp is None:
            return ""
        return self.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class InvocationGroup:
    """Consecutive lines of one invocation (START ... REPORT when complete)."""

    request_id: str
    lines: list[LogLine]

    @property
    def report(self) -> LogLine | None:
        return next((line for line in self.lines if line.kind == "report"), None)

    @property
    def start(self) -> datetime | None:
        return self.lines[0].timestamp if self.lines else None

    @property
    def summary(self) -> dict[str, str]:
        report = self.report
        return {f.name: f.value for f in report.report} if report else {}

    @property
    def cold_start(self) -> bool:
        return "Init Duration" in self.summary

    @property
    def truncated(self) -> bool:
        return any(line.kind == "truncated" for line in self.lines)


FIELD_HELP = {
    "Duration": "How long the handler ran for this event: from the runtime receiving the event to the function returning "
    "(or failing). It does not include the cold start's initialisation.",
    "Billed Duration": "What Lambda charges for: the Duration rounded up to the next 1 ms; on a cold start the Init Duration "
    "is added too. The cost is Billed Duration x Memory Size (GB-seconds) plus the request.",
    "Memory Size": "The memory configured for the function (Configuration > General). The execution environment cannot use "
    "more, its CPU share grows with it, and it is the GB in GB-seconds.",
    "Max Memory Used": "The most memory the execution environment used so far: the runtime, your code and /tmp, measured by "
    "the container's cgroup. If it reaches Memory Size the function is stopped with Runtime.OutOfMemory.",
    "Init Duration": "Only on a cold start: the time to start a new execution environment and run the code outside the handler "
    "(imports, global variables, clients) before the first event. A warm invocation reuses an environment that is already "
    "initialised, so it has no Init Duration.",
    "Status": "Set when the platform ended the invocation (a timeout or a crashed runtime) instead of the function returning.",
    "Error Type": "Why the platform ended the invocation.",
}

_START_RE = re.compile(r"^START RequestId: (\S+)")
_END_RE = re.compile(r"^END RequestId: (\S+)")
_REPORT_RE = re.compile(r"^REPORT RequestId: (\S+)")
_NUMBER_RE = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _number(value: str) -> float | None:
    match = _NUMBER_RE.search(value)
    return float(match.group()) if match else None


def parse_report(message: str) -> tuple[list[ReportField], str]:
    """The REPORT line's fields with their meaning, and a note that works out
    this invocation's Billed Duration from its own numbers."""
    fields = []
    values: dict[str, str] = {}
    for part in message.strip().split("\t")[1:]:
        name, _, value = part.partition(": ")
        if not value:
            continue
        values[name] = value
        fields.append(ReportField(name, value, FIELD_HELP.get(name, "")))
    duration, billed, init = (_number(values.get(k, "")) for k in ("Duration", "Billed Duration", "Init Duration"))
    note = ""
    if duration is not None and billed is not None:
        if init is not None:
            note = (
                f"Billed Duration {billed:.0f} ms = Duration {duration:.2f} ms + Init Duration {init:.2f} ms "
                f"= {duration + init:.2f} ms, rounded up to the next millisecond: this was a cold start."
            )
        else:
            note = f"Billed Duration {billed:.0f} ms = Duration {duration:.2f} ms rounded up to the next millisecond (a warm start: no Init Duration)."
    return fields, note


def make_line(message: str, *, timestamp: datetime | None = None, request_id: str = "", stream_name: str = "") -> LogLine:
    line = LogLine(timestamp=timestamp, message=message, request_id=request_id, stream_name=stream_name)
    if _START_RE.match(message):
        line.kind = "start"
    elif _END_RE.match(message):
        line.kind = "end"
    elif match := _REPORT_RE.match(message):
        line.kind = "report"
        line.report, line.report_note = parse_report(message)
        line.request_id = line.request_id or match.group(1)
    elif message.startswith("[Labda] Output truncated"):
        line.kind = "truncated"
    if not line.request_id and (match := _START_RE.match(message) or _END_RE.match(message)):
        line.request_id = match.group(1)
    return line


def _event_line(event: LogEvent, stream_name: str = "") -> LogLine:
    rid = str(event.invocation_id) if event.invocation_id else ""
    return make_line(event.message, timestamp=event.timestamp, request_id=rid, stream_name=stream_name)


def group_lines(lines: list[LogLine]) -> list[InvocationGroup]:
    """Consecutive lines of the same invocation become one group."""
    groups: list[InvocationGroup] = []
    for line in lines:
        if groups and groups[-1].request_id == line.request_id and groups[-1].lines[-1].stream_name == line.stream_name:
            groups[-1].lines.append(line)
        else:
            groups.append(InvocationGroup(line.request_id, [line]))
    return groups


def parse_filter(text: str) -> tuple[list[str], list[str]]:
    """CloudWatch-like filter terms: every term must appear, "a quoted
    phrase" is one term, -term excludes. Matching ignores case."""
    try:
        terms = shlex.split(text)
    except ValueError:  # an unmatched quote
        terms = text.split()
    include = [t for t in terms if t and not (t.startswith("-") and len(t) > 1)]
    exclude = [t[1:] for t in terms if t.startswith("-") and len(t) > 1]
    return include, exclude


def _matches(message: str, include: list[str], exclude: list[str]) -> bool:
    lowered = message.lower()
    return all(t.lower() in lowered for t in include) and not any(t.lower() in lowered for t in exclude)


def events_query(
    *, function: Function, stream: LogStream | None = None, text: str = "", request_id: str = ""
) -> QuerySet[LogEvent]:
    events = LogEvent.objects.filter(stream=stream) if stream is not None else LogEvent.objects.filter(stream__function=function)
    request_id = request_id.strip()
    if request_id:
        try:
            events = events.filter(invocation_id=uuid.UUID(request_id))
        except ValueError:
            # Part of a request id: the platform's lines (START, END, REPORT,
            # logging) carry it.
            events = events.filter(message__icontains=request_id)
    include, exclude = parse_filter(text)
    for term in include:
        events = events.filter(message__icontains=term)
    for term in exclude:
        events = events.exclude(message__icontains=term)
    return events


EVENTS_PAGE = 500


def _cursor(event: LogEvent) -> str:
    delta = event.timestamp - datetime(1970, 1, 1, tzinfo=UTC)
    return f"{delta // timedelta(microseconds=1)}-{event.pk}"


def _parse_cursor(text: str) -> tuple[datetime, int] | None:
    match = re.fullmatch(r"(\d{1,20})-(\d{1,20})", text or "")
    if not match:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(match.group(1))), int(match.group(2))


def log_events_page(
    *, function: Function, stream: LogStream | None = None, text: str = "", request_id: str = "", before: str = ""
) -> dict:
    """The newest EVENTS_PAGE matching events (oldest first on the page),
    grouped by invocation, and a cursor for the older ones."""
    events = events_query(function=function, stream=stream, text=text, request_id=request_id)
    cursor = _parse_cursor(before)
    if cursor:
        moment, pk = cursor
        events = events.filter(Q(timestamp__lt=moment) | Q(timestamp=moment, pk__lt=pk))
    rows = list(
        events.select_related("stream")
        .only("id", "timestamp", "message", "invocation_id", "stream__name")
        .order_by("-timestamp", "-id")[: EVENTS_PAGE + 1]
    )
    has_older = len(rows) > EVENTS_PAGE
    rows = rows[:EVENTS_PAGE]
    rows.reverse()
    lines = [_event_line(event, event.stream.name) for event in rows]
    return {
        "groups": group_lines(lines),
        "event_count": len(lines),
        "has_older": has_older,
        "older_cursor": _cursor(rows[0]) if has_older and rows else "",
        "filtered": bool(text.strip() or request_id.strip()),
    }


def invocation_lines(invocation: Invocation) -> list[LogLine]:
    """An invocation's own log, START to REPORT: its stored events, or the
    last 4 KB (LogResult) when its role may not write logs."""
    events = list(LogEvent.objects.filter(invocation=invocation).select_related("stream").order_by("timestamp", "id"))
    if events:
        return [_event_line(event, event.stream.name) for event in events]
    rid = str(invocation.pk)
    return [make_line(text, request_id=rid) for text in invocation.log_tail.splitlines() if text]


def download_lines(*, function: Function, stream: LogStream | None = None, text: str = "", request_id: str = "") -> Iterator[str]:
    """Every matching event, oldest first, one line each: time, tab, message."""
    events = events_query(function=function, stream=stream, text=text, request_id=request_id)
    for timestamp, message in events.order_by("timestamp", "id").values_list("timestamp", "message").iterator(chunk_size=2000):
        stamp = timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        yield f"{stamp}\t{message}\n"


# --- groups and streams


def log_groups(*, user, prefix: str = "") -> list[dict]:
    """The log group of each of the user's functions (staff: everyone's)."""
    functions = selectors.function_list(user=user)
    name = prefix.strip().removeprefix("/aws/lambda/").strip("/")
    if name:
        functions = functions.filter(name__icontains=name)
    functions = functions.annotate(stream_count=Count("log_streams"), last_event_at=Max("log_streams__last_event_at"))
    return [
        {
            "function": function,
            "name": function.log_group,
            "retention": retention_label(function.log_retention_days),
            "stream_count": function.stream_count,
            "last_event_at": function.last_event_at,
        }
        for function in functions
    ]


STREAMS_PAGE = 50


def log_streams(*, function: Function, prefix: str = "", page: int = 1) -> dict:
    """Streams newest first, with their first and last event times."""
    streams = LogStream.objects.filter(function=function)
    if prefix.strip():
        streams = streams.filter(name__startswith=prefix.strip())
    first_event = LogEvent.objects.filter(stream=OuterRef("pk")).order_by("timestamp").values("timestamp")[:1]
    page = max(1, page)
    offset = (page - 1) * STREAMS_PAGE
    rows = list(
        streams.annotate(first_event_at=Subquery(first_event)).order_by("-last_event_at", "-id")[
            offset : offset + STREAMS_PAGE + 1
        ]
    )
    return {"streams": rows[:STREAMS_PAGE], "page": page, "has_next": len(rows) > STREAMS_PAGE, "has_previous": page > 1}


def log_group_arn(function: Function) -> str:
    return f"arn:aws:logs:{settings.LABDA_REGION}:{settings.LABDA_ACCOUNT_ID}:log-group:{function.log_group}:*"


def logging_allowed(function: Function) -> bool:
    return bool(function.role and function.role.allows_logs)


# --- live tail

TAIL_BACKLOG_SECONDS = 60
_TAIL_CURSOR_RE = re.compile(r"^\d{1,16}-\d{1,10}$")


def live_tail(*, function: Function, after: str = "", text: str = "", request_id: str = "") -> dict:
    """Lines published since the cursor `after` (first call: the last minute),
    matching the filter, and the cursor for the next poll."""
    cursor = after if _TAIL_CURSOR_RE.match(after or "") else tail_transport.cursor_since(TAIL_BACKLOG_SECONDS)
    if not logging_allowed(function):
        return {
            "lines": [],
            "cursor": cursor,
            "error": "The execution role cannot write CloudWatch logs, so there is nothing to tail.",
        }
    try:
        raw, cursor = tail_transport.read(str(function.uid), after=cursor)
    except Exception:  # noqa: BLE001 - Redis down: say so, keep polling
        return {"lines": [], "cursor": cursor, "error": "Live Tail could not reach Redis; it tries again in a moment."}
    include, exclude = parse_filter(text)
    request_id = request_id.strip().lower()
    lines = []
    for item in raw:
        if request_id and request_id not in item.request_id.lower():
            continue
        if not _matches(item.message, include, exclude):
            continue
        lines.append(
            make_line(
                item.message,
                timestamp=datetime.fromtimestamp(item.timestamp, UTC),
                request_id=item.request_id,
                stream_name=item.log_stream,
            )
        )
    return {"lines": lines, "cursor": cursor, "error": ""}
