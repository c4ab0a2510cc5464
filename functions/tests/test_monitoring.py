"""The Monitor tab's numbers: rollups, time ranges and periods (empty ones and
ones crossing midnight UTC), qualifiers, recent invocations and cost."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from functions import cost
from functions.models import Invocation, MetricMinute
from functions.selectors import monitoring, timerange
from functions.selectors.monitoring import metric_buckets, metrics_totals
from functions.selectors.timerange import MonitorError, custom_range, preset_range
from functions.services import metrics

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ended(
    function,
    when: datetime,
    *,
    status: str = "succeeded",
    duration: float = 10.0,
    init: float | None = None,
    memory: int = 128,
    used: int = 40,
    version: str = "$LATEST",
    alias: str = "",
    concurrent: int = 1,
) -> Invocation:
    """An invocation as the worker leaves it, added to the rollups as services do."""
    throttled = status == Invocation.Status.THROTTLED
    invocation = Invocation.objects.create(
        function=function,
        status=status,
        created_at=when,
        started_at=None if throttled else when,
        finished_at=when,
        version=version,
        alias=alias,
        duration_ms=None if throttled else duration,
        billed_duration_ms=None if throttled else math.ceil(duration + (init or 0)),
        memory_size=memory,
        max_memory_used_mb=None if throttled else used,
        init_duration_ms=init,
        cold_start=None if throttled else init is not None,
        concurrent_executions=None if throttled else concurrent,
        function_error="Unhandled" if status in ("failed", "timed_out") else "",
        error_type={"failed": "KeyError", "timed_out": "Sandbox.Timedout", "throttled": "TooManyRequestsException"}.get(
            status, ""
        ),
    )
    metrics.record_invocation(invocation)
    return invocation


# --- time ranges


def test_presets_end_after_the_current_period_and_cover_their_length():
    now = at("2024-03-10T12:34:56")
    hour = preset_range("1h", now=now)
    assert (hour.start, hour.end, hour.period, hour.buckets) == (at("2024-03-10T11:35"), at("2024-03-10T12:35"), 60, 60)
    day = preset_range("1d", now=now)
    assert (day.start, day.end, day.period, day.buckets) == (at("2024-03-09T12:45"), at("2024-03-10T12:45"), 900, 96)
    week = preset_range("1w", now=now)
    assert (week.end, week.period, week.buckets) == (at("2024-03-10T13:00"), 3600, 168)
    assert [preset_range(k, now=now).period for k in ("3h", "12h", "3d")] == [60, 300, 3600]


def test_a_custom_range_gets_a_sensible_period_and_aligned_ends():
    assert custom_range(at("2024-03-10T10:00"), at("2024-03-10T16:00")).period == 60  # 360 points
    twelve = custom_range(at("2024-03-10T10:00"), at("2024-03-10T22:00"))
    assert (twelve.period, twelve.buckets) == (300, 144)
    assert custom_range(at("2024-03-01T00:00"), at("2024-03-04T00:00")).period == 900
    assert custom_range(at("2024-03-01T00:00"), at("2024-03-11T00:00")).period == 3600
    odd = custom_range(at("2024-03-10T10:07"), at("2024-03-10T12:52"), 900)
    assert (odd.start, odd.end) == (at("2024-03-10T10:00"), at("2024-03-10T13:00"))


@pytest.mark.parametrize(
    ("start", "end", "period", "message"),
    [
        ("2024-03-10T10:00", "2024-03-10T10:00", None, "must be after its start"),
        ("2024-03-10T10:00", "2024-03-09T10:00", None, "must be after its start"),
        ("2024-01-01T00:00", "2024-03-01T00:00", None, "at most 31 days"),
        ("2024-03-10T10:00", "2024-03-10T12:00", 120, "1 minute, 5 minutes, 15 minutes or 1 hour"),
        ("2024-03-01T00:00", "2024-03-30T00:00", 60, "more than 1,500 points"),
    ],
)
def test_a_bad_custom_range_says_why(start, end, period, message):
    with pytest.raises(MonitorError, match=message):
        custom_range(at(start), at(end), period)


def test_the_range_parameters_are_parsed_or_refused():
    parsed = timerange.parse_time_range({"range": "custom", "start": "2024-03-10T22:00", "end": "2024-03-11T02:00"})
    assert (parsed.key, parsed.period, parsed.buckets) == ("custom", 60, 240)
    assert timerange.parse_time_range({}).key == "3h"
    assert parsed.query() == {"range": "custom", "start": "2024-03-10T22:00", "end": "2024-03-11T02:00", "period": "60"}
    for bad in (
        {"range": "2h"},
        {"range": "custom", "start": "yesterday", "end": "2024-03-11T02:00"},
        {"range": "custom", "start": "2024-03-10T22:00", "end": "2024-03-11T02:00", "period": "x"},
    ):
        with pytest.raises(MonitorError):
            timerange.parse_time_range(bad)


def test_qualifiers_are_versions_or_alias_names():
    assert timerange.parse_qualifier("") == ""
    assert timerange.parse_qualifier("$LATEST") == "$LATEST"
    assert timerange.parse_qualifier("alias:prod") == "prod"
    with pytest.raises(MonitorError):
        timerange.parse_qualifier("no spaces please")


# --- rollups into periods


def test_an_empty_range_has_every_period_with_zero_counts_and_no_averages(function):
    points = metric_buckets(function=function, qualifier="", time_range=preset_range("1h"))
    assert len(points) == 60
    assert {p["invocations"] for p in points} == {0} and {p["throttles"] for p in points} == {0}
    assert {p["duration_avg"] for p in points} == {None} and {p["success_rate"] for p in points} == {None}
    assert metrics_totals(function=function, qualifier="", time_range=preset_range("1h"))["invocations"] == 0


def test_periods_crossing_midnight_utc_keep_each_side_apart(function):
    ended(function, at("2024-03-10T23:59:00"), duration=10)
    ended(function, at("2024-03-11T00:00:00"), duration=30)
    ended(function, at("2024-03-11T00:30:15"), duration=20)
    hourly = custom_range(at("2024-03-10T22:00"), at("2024-03-11T02:00"), 3600)
    points = metric_buckets(function=function, qualifier="", time_range=hourly)
    assert [p["start"] for p in points] == [
        at("2024-03-10T22:00"),
        at("2024-03-10T23:00"),
        at("2024-03-11T00:00"),
        at("2024-03-11T01:00"),
    ]
    assert [p["invocations"] for p in points] == [0, 1, 2, 0]
    assert [p["duration_avg"] for p in points] == [None, 10.0, 25.0, None]
    assert [p["duration_min"] for p in points] == [None, 10.0, 20.0, None]
    data = monitoring.metrics_data(function=function, qualifier="", time_range=hourly)
    assert data["labels"] == ["03-10 22:00", "03-10 23:00", "03-11 00:00", "03-11 01:00"]
    assert data["timestamps"][2] == "2024-03-11T00:00:00Z"

    minutes = custom_range(at("2024-03-10T23:58"), at("2024-03-11T00:02"), 60)
    assert [p["invocations"] for p in metric_buckets(function=function, qualifier="", time_range=minutes)] == [0, 1, 1, 0]
    daily_quarters = custom_range(at("2024-03-10T23:30"), at("2024-03-11T00:30"), 900)
    assert [p["invocations"] for p in metric_buckets(function=function, qualifier="", time_range=daily_quarters)] == [0, 1, 1, 0]


def test_a_period_sums_its_minutes(function):
    for minute in range(7):
        ended(function, at("2024-03-10T10:00") + timedelta(minutes=minute, seconds=30), duration=10 + minute)
    five = custom_range(at("2024-03-10T10:00"), at("2024-03-10T10:15"), 300)
    points = metric_buckets(function=function, qualifier="", time_range=five)
    assert [p["invocations"] for p in points] == [5, 2, 0]
    assert (points[0]["duration_min"], points[0]["duration_avg"], points[0]["duration_max"]) == (10.0, 12.0, 14.0)
    assert (points[1]["duration_min"], points[1]["duration_max"]) == (15.0, 16.0)


def test_one_minute_is_one_row_with_sums_and_extremes(function):
    ended(function, at("2024-03-10T10:00:05"), duration=12.5, used=40, concurrent=1)
    ended(function, at("2024-03-10T10:00:45"), duration=7.25, used=55, concurrent=3, init=150.0)
    row = MetricMinute.objects.get(function=function)
    assert (row.minute, row.qualifier, row.invocations) == (at("2024-03-10T10:00"), "$LATEST", 2)
    assert (row.duration_count, row.duration_sum, row.duration_min, row.duration_max) == (2, 19.75, 7.25, 12.5)
    assert row.billed_ms_sum == 13 + 158
    assert row.gb_seconds == pytest.approx((13 + 158) / 1000 * 128 / 1024)
    assert (row.max_memory_used_mb, row.memory_size_mb, row.concurrent_max) == (55, 128, 3)
    assert (row.cold_starts, row.init_duration_sum, row.init_duration_max) == (1, 150.0, 150.0)


def test_errors_success_rate_throttles_and_cold_starts(function):
    when = at("2024-03-10T10:00:10")
    for status in ("succeeded", "succeeded", "succeeded", "failed", "timed_out"):
        ended(function, when, status=status)
    ended(function, when, status="throttled")
    ended(function, when + timedelta(seconds=1), init=100.0)
    ended(function, when + timedelta(seconds=2), init=300.0)
    point = metric_buckets(function=function, qualifier="", time_range=custom_range(when, when + timedelta(minutes=1), 60))[0]
    assert (point["invocations"], point["errors"], point["throttles"]) == (7, 2, 1)
    assert point["success_rate"] == pytest.approx(100 * 5 / 7, abs=0.01)
    assert (point["cold_starts"], point["init_duration_avg"], point["init_duration_max"]) == (2, 200.0, 300.0)
    assert (point["max_memory_used_mb"], point["memory_size_mb"], point["concurrent_executions"]) == (40, 128, 1)


def test_the_whole_function_sums_versions_and_never_counts_an_alias_twice(function):
    when = at("2024-03-10T10:00:10")
    ended(function, when)
    ended(function, when, version="$LATEST")
    ended(function, when, version="1", alias="prod", duration=50)
    tr = custom_range(when, when + timedelta(minutes=1), 60)
    total = {
        q: metrics_totals(function=function, qualifier=q, time_range=tr)["invocations"] for q in ("", "$LATEST", "1", "prod")
    }
    assert total == {"": 3, "$LATEST": 2, "1": 1, "prod": 1}
    assert metrics_totals(function=function, qualifier="prod", time_range=tr)["duration_avg"] == 50.0
    recent = monitoring.recent_invocations(function=function, qualifier="prod", time_range=tr)
    assert [(i.version, i.alias) for i in recent] == [("1", "prod")]


def test_the_graph_data_has_one_value_per_period_for_every_series(function):
    ended(function, datetime.now(UTC) - timedelta(minutes=2))
    data = monitoring.metrics_data(function=function, qualifier="", time_range=preset_range("1h"))
    assert data["period"] == 60 and len(data["labels"]) == len(data["timestamps"]) == 60
    assert set(data["series"]) == set(monitoring.SERIES)
    assert all(len(values) == 60 for values in data["series"].values())
    assert sum(data["series"]["invocations"]) == data["totals"]["invocations"] == 1
    assert data["timestamps"][0].endswith("Z") and data["configured_memory_mb"] == 128


# --- recent invocations


def test_recent_invocations_are_the_newest_in_the_range(function):
    now = datetime.now(UTC)
    ended(function, now - timedelta(hours=5))  # outside the 3 h range
    made = [ended(function, now - timedelta(seconds=10 * i)) for i in range(60)]
    recent = monitoring.recent_invocations(function=function, qualifier="", time_range=preset_range("3h"))
    assert [i.pk for i in recent] == [i.pk for i in made[:50]]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan text checked is SQLite's")
def test_the_pages_queries_walk_the_indexes(function):
    tr = preset_range("1w")
    recent = Invocation.objects.filter(function=function, created_at__gte=tr.start, created_at__lt=tr.end).order_by(
        "-created_at"
    )[:50]
    assert "invocation_fn_created" in recent.explain()
    rows = monitoring._in_range(function, "", tr)
    assert "metric_fn_minute" in rows.explain()
    # The unique (function, qualifier, minute) constraint's index.
    assert "(function_id=? AND qualifier=? AND minute>? AND minute<?)" in monitoring._in_range(function, "prod", tr).explain()


def test_the_change_token_moves_when_an_invocation_starts_or_ends(function):
    first = monitoring.change_token(function=function)
    invocation = Invocation.objects.create(function=function, status=Invocation.Status.RUNNING)
    second = monitoring.change_token(function=function)
    invocation.status = Invocation.Status.SUCCEEDED
    invocation.save()
    metrics.record_invocation(invocation)
    third = monitoring.change_token(function=function)
    assert len({first, second, third}) == 3
    assert monitoring.change_token(function=function) == third


# --- cost


def test_cost_is_requests_plus_gb_seconds_at_list_prices():
    month = cost.CostEstimate(1_000_000, 400_000.0)
    assert month.request_cost == Decimal("0.2")
    assert month.compute_cost == Decimal("6.66668")
    assert month.after_free_tier == 0
    assert (month.requests_free_share, month.gb_seconds_free_share) == (100.0, 100.0)
    more = cost.CostEstimate(2_000_000, 500_000.0)
    assert more.after_free_tier == Decimal("0.2") + Decimal("1.66667")


def test_one_invocation_costs_its_request_and_its_billed_gb_seconds(function):
    invocation = Invocation(function=function, status="succeeded", billed_duration_ms=100, memory_size=1024)
    estimate = cost.invocation_cost(invocation)
    assert (estimate.requests, estimate.gb_seconds) == (1, 0.1)
    assert estimate.total == Decimal("0.0000002") + Decimal("0.00000166667")
    assert cost.usd(estimate.total) == "$0.000001867"
    throttled = Invocation(function=function, status="throttled", memory_size=1024)
    assert cost.invocation_cost(throttled).total == 0


def test_prices_are_settings(settings):
    settings.LABDA_PRICE_PER_REQUEST = Decimal("0.000001")
    settings.LABDA_PRICE_PER_GB_SECOND = Decimal("0.00002")
    settings.LABDA_FREE_TIER_REQUESTS = 10
    estimate = cost.CostEstimate(20, 1.5)
    assert estimate.total == Decimal("0.00002") + Decimal("0.00003")
    assert estimate.after_free_tier == Decimal("0.00001")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal(0), "$0.00"),
        (Decimal("1234.567"), "$1,234.57"),
        (Decimal("0.0000002"), "$0.0000002"),
        (Decimal("0.0000123456"), "$0.00001235"),
        (Decimal("0.05"), "$0.05"),
    ],
)
def test_dollars_keep_the_significant_digits_of_a_fraction_of_a_cent(value, text):
    assert cost.usd(value) == text
