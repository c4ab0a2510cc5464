"""Log lines as the console shows them: which are START / END / REPORT,
what each REPORT field means, lines grouped by invocation, and the
CloudWatch-like filter syntax. Pure functions over text; no queries."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime


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
    elif message.startswith("INIT_START "):
        line.kind = "platform"  # a cold start's first line, before the init output
    if not line.request_id and (match := _START_RE.match(message) or _END_RE.match(message)):
        line.request_id = match.group(1)
    return line


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


def matches(message: str, include: list[str], exclude: list[str]) -> bool:
    lowered = message.lower()
    return all(t.lower() in lowered for t in include) and not any(t.lower() in lowered for t in exclude)
