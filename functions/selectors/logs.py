"""Reading logs: log groups, streams, events (filtered, paged, downloaded),
an invocation's own lines and Live Tail.

A log group is /aws/lambda/NAME (one per function name of a user; it outlives
the function, as on AWS), a log stream one
execution environment, an event one line the function or the platform wrote.
Events are stored when an invocation ends (services.logs.log_events_store);
Live Tail reads the lines the worker publishes while it runs
(invoker.live_tail).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from invoker import live_tail as tail_transport

from ..arns import LOG_GROUP_PREFIX
from ..logformat import LogLine, group_lines, make_line, matches, parse_filter
from ..models import Function, Invocation, LogEvent, LogGroup, LogStream


def _event_line(event: LogEvent, stream_name: str = "") -> LogLine:
    rid = str(event.request_id) if event.request_id else ""
    return make_line(event.message, timestamp=event.timestamp, request_id=rid, stream_name=stream_name)


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


def events_query(*, group: LogGroup, stream: LogStream | None = None, text: str = "", request_id: str = "") -> QuerySet[LogEvent]:
    events = LogEvent.objects.filter(stream=stream) if stream is not None else LogEvent.objects.filter(stream__group=group)
    request_id = request_id.strip()
    if request_id:
        try:
            events = events.filter(request_id=uuid.UUID(request_id))
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


# A cursor's parts: microseconds since 1970 (up to the year 9999) and an id
# that fits a 64-bit column.
_MAX_CURSOR_MICROSECONDS = (datetime(9999, 12, 31, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def parse_cursor(text: str) -> tuple[datetime, int] | None:
    """The (time, id) of an "Older events" cursor; None when it is not one."""
    match = re.fullmatch(r"(\d{1,18})-(\d{1,19})", text or "")
    if not match:
        return None
    micros, pk = int(match.group(1)), int(match.group(2))
    if micros > _MAX_CURSOR_MICROSECONDS or pk >= 2**63:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros), pk


def log_events_page(
    *, group: LogGroup, stream: LogStream | None = None, text: str = "", request_id: str = "", before: str = ""
) -> dict[str, Any]:
    """The newest EVENTS_PAGE matching events (oldest first on the page),
    grouped by invocation, and a cursor for the older ones."""
    events = events_query(group=group, stream=stream, text=text, request_id=request_id)
    cursor = parse_cursor(before)
    if cursor:
        moment, pk = cursor
        events = events.filter(Q(timestamp__lt=moment) | Q(timestamp=moment, pk__lt=pk))
    rows = list(
        events.select_related("stream")
        .only("id", "timestamp", "message", "request_id", "stream__name")
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
    events = list(LogEvent.objects.filter(request_id=invocation.pk).select_related("stream").order_by("timestamp", "id"))
    if events:
        return [_event_line(event, event.stream.name) for event in events]
    rid = str(invocation.pk)
    return [make_line(text, request_id=rid) for text in invocation.log_tail.splitlines() if text]


def download_lines(*, group: LogGroup, stream: LogStream | None = None, text: str = "", request_id: str = "") -> Iterator[str]:
    """Every matching event, oldest first, one line each: time, tab, message."""
    events = events_query(group=group, stream=stream, text=text, request_id=request_id)
    for timestamp, message in events.order_by("timestamp", "id").values_list("timestamp", "message").iterator(chunk_size=2000):
        stamp = timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        yield f"{stamp}\t{message}\n"


# --- groups and streams


def log_groups_for(user: User | AnonymousUser) -> QuerySet[LogGroup]:
    """The user's own log groups: their functions' and those of functions
    they deleted (an instructor reaches a student's through the access guard)."""
    return LogGroup.objects.select_related("owner").filter(owner_id=user.pk)


def group_function(group: LogGroup) -> Function | None:
    """The function that writes to the group now; None once it is deleted."""
    return Function.objects.defer("code_zip").filter(owner_id=group.owner_id, name=group.function_name).first()


def log_groups(*, user: User | AnonymousUser, prefix: str = "") -> list[dict[str, Any]]:
    """The user's log groups, with their functions (None: deleted)."""
    groups = log_groups_for(user)
    name = prefix.strip().removeprefix(LOG_GROUP_PREFIX).strip("/")
    if name:
        groups = groups.filter(name__icontains=name)
    groups = groups.annotate(stream_count=Count("streams"), last_event_at=Max("streams__last_event_at"))
    functions = {
        (f.owner_id, f.name): f for f in Function.objects.defer("code_zip").filter(owner_id__in={g.owner_id for g in groups})
    }
    return [
        {
            "group": group,
            "function": functions.get((group.owner_id, group.function_name)),
            "name": group.name,
            "retention": retention_label(group.retention_days),
            "stream_count": group.stream_count,
            "last_event_at": group.last_event_at,
        }
        for group in groups
    ]


STREAMS_PAGE = 50


def log_streams(*, group: LogGroup, prefix: str = "", page: int = 1) -> dict[str, Any]:
    """Streams newest first, with their first and last event times."""
    streams = LogStream.objects.filter(group=group)
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


def logging_allowed(function: Function | None) -> bool:
    return bool(function and function.role and function.role.allows_logs)


# --- live tail

TAIL_BACKLOG_SECONDS = 60
ERR_NO_FUNCTION = "The function of this log group was deleted, so nothing writes to it now. Its stored events are kept."
TAIL_CURSOR_RE = re.compile(r"\d{1,16}-\d{1,10}")


def live_tail(*, function: Function, after: str = "", text: str = "", request_id: str = "") -> dict[str, Any]:
    """Lines published since the cursor `after` (first call: the last minute),
    matching the filter, and the cursor for the next poll."""
    cursor = after if TAIL_CURSOR_RE.fullmatch(after or "") else tail_transport.cursor_since(TAIL_BACKLOG_SECONDS)
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
        if not matches(item.message, include, exclude):
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
