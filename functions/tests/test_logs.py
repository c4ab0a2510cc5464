"""Logs: filters, grouping by invocation, the REPORT line explained, paging,
download, retention and its periodic task, and the live-tail transport."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from functions import errors, logformat
from functions.models import Invocation, LogEvent, LogGroup, LogStream
from functions.selectors import logs as log_selectors
from functions.services import functions as function_services
from functions.services import logs as log_services
from invoker import live_tail
from invoker.log_pipe import LogPipe

from .helpers import HELLO_WORLD, T0, group_of

pytestmark = pytest.mark.django_db


def report(rid, *, duration="12.34", billed=13, init: str | None = None, extra: str = "") -> str:
    text = f"REPORT RequestId: {rid}\tDuration: {duration} ms\tBilled Duration: {billed} ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t"
    if init:
        text += f"Init Duration: {init} ms\t"
    return text + extra


def write_invocation(function, stream, when, body: list[str], *, init: str | None = None) -> Invocation:
    invocation = Invocation.objects.create(function=function, status="succeeded", created_at=when)
    rid = invocation.pk
    messages = [f"START RequestId: {rid} Version: $LATEST", *body, f"END RequestId: {rid}", report(rid, init=init)]
    LogEvent.objects.bulk_create(
        LogEvent(stream=stream, request_id=invocation.pk, timestamp=when + timedelta(milliseconds=i), message=m)
        for i, m in enumerate(messages)
    )
    stream.last_event_at = when + timedelta(milliseconds=len(messages))
    stream.save()
    return invocation


# --- the REPORT line, explained


def test_a_cold_report_line_explains_each_field_and_its_billing():
    rid = uuid.uuid4()
    line = logformat.make_line(report(rid, duration="1.50", billed=153, init="151.20"))
    assert line.kind == "report" and line.request_id == str(rid)
    assert [f.name for f in line.report] == ["Duration", "Billed Duration", "Memory Size", "Max Memory Used", "Init Duration"]
    helps = {f.name: f.help for f in line.report}
    assert "rounded up to the next 1 ms" in helps["Billed Duration"] and "Init Duration is added" in helps["Billed Duration"]
    assert "cold start" in helps["Init Duration"] and "warm invocation" in helps["Init Duration"]
    assert "cgroup" in helps["Max Memory Used"] and "configured" in helps["Memory Size"]
    assert line.report_note == (
        "Billed Duration 153 ms = Duration 1.50 ms + Init Duration 151.20 ms = 152.70 ms, "
        "rounded up to the next millisecond: this was a cold start."
    )


def test_a_warm_report_line_says_why_it_has_no_init_duration():
    line = logformat.make_line(report(uuid.uuid4(), duration="2.20", billed=3))
    assert "Init Duration" not in {f.name for f in line.report}
    assert "a warm start: no Init Duration" in line.report_note


def test_platform_lines_are_recognised():
    rid = uuid.uuid4()
    assert logformat.make_line(f"START RequestId: {rid} Version: $LATEST").kind == "start"
    assert logformat.make_line(f"END RequestId: {rid}").request_id == str(rid)
    assert (
        logformat.make_line("[Labda] Output truncated: 1,000 bytes over this invocation's log limit were dropped.").kind
        == "truncated"
    )
    assert logformat.make_line("[ERROR] KeyError: 'key1'\rTraceback").display == "[ERROR] KeyError: 'key1'\nTraceback"
    init_start = "INIT_START Runtime Version: python:3.11.0123456789ab\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:ab"
    assert logformat.make_line(init_start).kind == "platform"


# --- events: grouping, filters, paging, download


def test_an_invocations_lines_are_grouped_start_to_report(function, stream):
    first = write_invocation(function, stream, T0, ["hello"], init="100.00")
    second = write_invocation(function, stream, T0 + timedelta(seconds=3), ["again", "and again"])
    page = log_selectors.log_events_page(group=group_of(function), stream=stream)
    assert [g.request_id for g in page["groups"]] == [str(first.pk), str(second.pk)]
    kinds = [line.kind for line in page["groups"][1].lines]
    assert kinds == ["start", "function", "function", "end", "report"]
    assert page["groups"][0].cold_start and not page["groups"][1].cold_start
    assert page["groups"][0].summary["Duration"] == "12.34 ms"
    assert page["event_count"] == 9 and not page["has_older"] and not page["filtered"]


def test_filters_by_terms_phrases_exclusions_and_request_id(function, stream):
    first = write_invocation(function, stream, T0, ["Order 42 shipped", "order 43 failed"])
    second = write_invocation(function, stream, T0 + timedelta(seconds=1), ["order 44 shipped"])

    def messages(**kwargs):
        return sorted(e.message for e in log_selectors.events_query(group=group_of(function), **kwargs))

    assert messages(text="shipped") == ["Order 42 shipped", "order 44 shipped"]
    assert messages(text="ORDER shipped -44") == ["Order 42 shipped"]
    assert messages(text='"43 failed"') == ["order 43 failed"]
    assert messages(text='"unclosed') == []
    assert len(messages(request_id=str(second.pk))) == 4  # START, the line, END, REPORT
    # Part of a request id finds the platform's lines, which carry it.
    assert len(messages(request_id=str(first.pk)[:8])) == 3
    assert messages(stream=stream, text='"order 44"') == ["order 44 shipped"]


def test_older_events_page_back_in_time(function, stream, monkeypatch):
    monkeypatch.setattr(log_selectors, "EVENTS_PAGE", 3)
    write_invocation(function, stream, T0, ["a", "b"])  # 5 events
    newest = log_selectors.log_events_page(group=group_of(function), stream=stream)
    assert [line.message for g in newest["groups"] for line in g.lines][0] == "b"
    assert newest["has_older"]
    older = log_selectors.log_events_page(group=group_of(function), stream=stream, before=newest["older_cursor"])
    assert [line.message for g in older["groups"] for line in g.lines][1] == "a"
    assert not older["has_older"] and older["event_count"] == 2


def test_download_is_every_matching_event_with_its_time(function, stream):
    invocation = write_invocation(function, stream, T0, ["hello"])
    lines = list(log_selectors.download_lines(group=group_of(function), stream=stream))
    assert lines[0] == f"2024-03-10T23:59:58.000Z\tSTART RequestId: {invocation.pk} Version: $LATEST\n"
    assert lines[1] == "2024-03-10T23:59:58.001Z\thello\n" and len(lines) == 4
    assert list(log_selectors.download_lines(group=group_of(function), text="hello")) == [lines[1]]


def test_streams_newest_first_with_first_and_last_event(function, stream):
    write_invocation(function, stream, T0, ["x"])
    newer = LogStream.objects.create(group=group_of(function), name="2024/03/11/[$LATEST]ffff", created_at=T0)
    write_invocation(function, newer, T0 + timedelta(hours=1), ["y"])
    listed = log_selectors.log_streams(group=group_of(function))["streams"]
    assert [s.name for s in listed] == [newer.name, stream.name]
    assert listed[1].first_event_at == T0 and listed[1].last_event_at == T0 + timedelta(milliseconds=4)
    assert [s.name for s in log_selectors.log_streams(group=group_of(function), prefix="2024/03/10")["streams"]] == [stream.name]


def test_log_groups_are_the_users_functions(owner, function, stream, their_function, instructor):
    assert [g["name"] for g in log_selectors.log_groups(user=owner)] == ["/aws/lambda/HelloWorld"]
    assert log_selectors.log_groups(user=owner)[0]["stream_count"] == 1
    assert [g["name"] for g in log_selectors.log_groups(user=owner, prefix="/aws/lambda/Hello")] == ["/aws/lambda/HelloWorld"]
    assert log_selectors.log_groups(user=owner, prefix="nothing") == []
    # Staff have no shortcut: an instructor's Logs page lists their own groups only.
    assert log_selectors.log_groups(user=instructor) == []


# --- retention


def test_retention_is_one_of_cloudwatchs_choices(function):
    def saved_days():
        return LogGroup.objects.get(pk=group_of(function).pk).retention_days

    log_services.log_retention_set(group=group_of(function), days=7)
    assert saved_days() == 7
    assert log_selectors.retention_label(7) == "1 week" and log_selectors.retention_label(None) == "Never expire"
    assert ("14", "2 weeks (14 days)") in log_selectors.retention_choices() and log_selectors.retention_choices()[0] == (
        "",
        "Never expire",
    )
    with pytest.raises(errors.ServiceError, match="Choose a retention setting"):
        log_services.log_retention_set(group=group_of(function), days=2)
    assert saved_days() == 7
    log_services.log_retention_set(group=group_of(function), days=None)
    assert saved_days() is None


def test_the_periodic_task_deletes_only_expired_events(owner, function, stream):
    from functions.tasks import logs_expire

    now = timezone.now()
    old = write_invocation(function, stream, now - timedelta(days=3), ["old"])
    recent_stream = LogStream.objects.create(group=group_of(function), name="recent")
    recent = write_invocation(function, recent_stream, now - timedelta(hours=2), ["recent"])
    keeper = function_services.function_create(owner=owner, name="KeepsAll", runtime="python3.11", files=HELLO_WORLD)
    keeper_stream = LogStream.objects.create(group=group_of(keeper), name="old-but-kept")
    write_invocation(keeper, keeper_stream, now - timedelta(days=400), ["kept forever"])
    log_services.log_retention_set(group=group_of(function), days=1)

    assert logs_expire.apply().get() == 4
    assert not LogEvent.objects.filter(request_id=old.pk).exists()
    assert not LogStream.objects.filter(pk=stream.pk).exists()  # nothing left in it
    assert LogEvent.objects.filter(request_id=recent.pk).count() == 4
    assert LogEvent.objects.filter(stream=keeper_stream).count() == 4
    assert Invocation.objects.filter(pk=old.pk).exists()  # the invocation itself stays
    assert logs_expire.apply().get() == 0  # safe to run twice


def test_the_beat_schedule_runs_the_expiry_and_the_sweeper(settings):
    from functions.tasks import invocations_sweep, logs_expire

    # The names beat sends are the tasks' own, so the worker runs them.
    assert settings.CELERY_BEAT_SCHEDULE["logs-expire"]["task"] == logs_expire.name
    assert settings.CELERY_BEAT_SCHEDULE["invocations-sweep"]["task"] == invocations_sweep.name


# --- live tail transport


def test_the_log_pipe_hands_each_read_chunk_to_live_tail_without_the_flood(tmp_path):
    batches: list[list[tuple[float, str]]] = []
    path = str(tmp_path / "log")
    pipe = LogPipe(path, 64, lambda: None, on_lines=batches.append)
    writer = os.open(path, os.O_WRONLY)
    try:
        os.write(writer, b"one\ntwo\n")
        deadline = time.monotonic() + 5
        while not batches and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [[text for _, text in batch] for batch in batches] == [["one", "two"]]
        os.write(writer, b"x" * 100 + b"\n" + b"tail without newline")
        time.sleep(0.3)
        lines, dropped = pipe.take()
    finally:
        os.close(writer)
        pipe.close()
    assert [text for _, text in lines] == ["one", "two", "tail without newline"]
    assert dropped == 100
    published = [text for batch in batches for _, text in batch]
    assert published == ["one", "two", "tail without newline"]  # the flood line was not published


def test_published_lines_are_read_back_after_a_cursor(function):
    uid = str(function.uid)
    start = live_tail.cursor_since(1)
    live_tail.publish(uid, "stream-a", "rid-1", [(time.time(), "first"), (time.time(), "second")])
    live_tail.flush()
    lines, cursor = live_tail.read(uid, after=start)
    assert [(t.message, t.request_id, t.log_stream) for t in lines] == [
        ("first", "rid-1", "stream-a"),
        ("second", "rid-1", "stream-a"),
    ]
    live_tail.publish(uid, "stream-a", "rid-2", [(time.time(), "third")])
    live_tail.flush()
    more, _ = live_tail.read(uid, after=cursor)
    assert [t.message for t in more] == ["third"]


def test_live_tail_filters_and_refuses_a_role_without_logs(function):
    uid = str(function.uid)
    rid = str(uuid.uuid4())
    live_tail.publish(uid, "s", rid, [(time.time(), "keep me"), (time.time(), "drop me")])
    live_tail.flush()
    result = log_selectors.live_tail(function=function, text="keep")
    assert [line.message for line in result["lines"]] == ["keep me"] and result["error"] == ""
    assert log_selectors.live_tail(function=function, request_id="not-this-one")["lines"] == []
    assert log_selectors.live_tail(function=function, after=result["cursor"])["lines"] == []
    function.role.policies = []
    function.role.save()
    function.refresh_from_db()
    assert "cannot write CloudWatch logs" in log_selectors.live_tail(function=function)["error"]
