"""`make bench`: how fast the Monitor tab renders with a month of heavy use.

Builds (once; later runs reuse it) a separate SQLite database holding the
rollups of 1,000,000 invocations over 30 days (MetricMinute rows, as
metrics.record_invocation writes them: one per minute and version, plus the
alias rows) and their 1,000,000 Invocation rows (BENCH_INVOCATION_ROWS; at
least 100,000) for the recent-invocations table. The first run takes about a
minute and a half to build it.
Then measures, with Django's test client, ~20 renders each of:
  * the Monitor tab (summary, cost, recent invocations): 1 d, 1 w and a
    custom range of the whole 30 days
  * the graphs' JSON for the same ranges
  * tab + JSON: what the user waits for before the graphs are drawn
against the 300 ms target, and as the baseline the same graphs' query run on
the Invocation rows instead of the rollups.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = ROOT / "var" / "bench-monitor.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
os.environ["LABDA_SQLITE_PATH"] = str(DB)
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["DEBUG"] = "False"
os.environ["REDIS_URL"] = os.getenv("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, ExpressionWrapper, IntegerField, Max, Min, Sum, Value  # noqa: E402
from django.test import Client  # noqa: E402

from functions import cost  # noqa: E402
from functions.models import Function, Invocation, MetricMinute  # noqa: E402
from functions.selectors import monitoring, timerange  # noqa: E402
from functions.services import functions as function_services  # noqa: E402

TOTAL_INVOCATIONS = 1_000_000
DAYS = 30
INVOCATION_ROWS = int(os.getenv("BENCH_INVOCATION_ROWS", "1000000"))
RENDERS = int(os.getenv("BENCH_RENDERS", "20"))
TARGET_MS = 300.0
BATCH = 5000
NAME = "BenchMonitor"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def minute_weights(minutes: int, rng: random.Random) -> list[float]:
    """A lab's day: busy in the afternoon, quiet at night, some noise."""
    weights = []
    for i in range(minutes):
        hour = (i // 60) % 24
        daily = 0.25 + math.sin(math.pi * max(0, hour - 6) / 16) ** 2 if 6 <= hour <= 22 else 0.15
        weights.append(daily * rng.uniform(0.6, 1.4))
    return weights


def build(function: Function, end: datetime) -> None:
    rng = random.Random(4)
    minutes = DAYS * 24 * 60
    start = end - timedelta(minutes=minutes)
    weights = minute_weights(minutes, rng)
    scale = TOTAL_INVOCATIONS / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(TOTAL_INVOCATIONS - sum(counts)):  # exactly 1,000,000
        counts[i % minutes] += 1
    rows: list[MetricMinute] = []

    def row(qualifier: str, minute: datetime, n: int, memory: int) -> MetricMinute:
        errors = sum(1 for _ in range(n) if rng.random() < 0.02)
        colds = max(1 if rng.random() < 0.3 else 0, n // 80)
        avg = rng.uniform(20, 60)
        billed = int(n * math.ceil(avg)) + colds * 180
        return MetricMinute(
            function=function,
            qualifier=qualifier,
            minute=minute,
            invocations=n,
            errors=errors,
            throttles=1 if rng.random() < 0.01 else 0,
            duration_count=n,
            duration_sum=avg * n,
            duration_min=avg * 0.4,
            duration_max=avg * 3.5,
            billed_ms_sum=billed,
            gb_seconds=cost.gb_seconds(billed, memory),
            cold_starts=colds,
            init_duration_sum=colds * 175.0,
            init_duration_max=210.0 if colds else None,
            max_memory_used_mb=rng.randint(38, 70),
            memory_size_mb=memory,
            concurrent_max=max(1, min(10, n // 6)),
        )

    for i, n in enumerate(counts):
        if not n:
            continue
        minute = start + timedelta(minutes=i)
        latest = round(n * 0.6)
        if latest:
            rows.append(row("$LATEST", minute, latest, 128))
        if n - latest:
            version = row("1", minute, n - latest, 256)
            rows.append(version)
            alias = MetricMinute(
                **{f.attname: getattr(version, f.attname) for f in MetricMinute._meta.concrete_fields if f.name != "id"}
            )
            alias.qualifier = "alias:live"
            rows.append(alias)
        if len(rows) >= BATCH:
            MetricMinute.objects.bulk_create(rows)
            rows = []
    MetricMinute.objects.bulk_create(rows)

    # The newest 100,000 invocations, spread over the month like the load.
    step = timedelta(minutes=minutes) / INVOCATION_ROWS
    batch: list[Invocation] = []
    for i in range(INVOCATION_ROWS):
        when = end - step * i - timedelta(seconds=1)
        status = "failed" if rng.random() < 0.02 else "succeeded"
        cold = rng.random() < 0.012
        duration = rng.uniform(8, 120)
        batch.append(
            Invocation(
                function=function,
                version="$LATEST" if i % 5 < 3 else "1",
                alias="" if i % 5 < 3 else "live",
                status=status,
                payload='{"key1": "value1", "key2": "value2", "key3": "value3"}',
                response='"value1"',
                function_error="Unhandled" if status == "failed" else "",
                error_type="KeyError" if status == "failed" else "",
                created_at=when,
                started_at=when,
                finished_at=when + timedelta(milliseconds=duration),
                attempts=1,
                duration_ms=round(duration, 2),
                billed_duration_ms=math.ceil(duration + (180 if cold else 0)),
                memory_size=128,
                max_memory_used_mb=rng.randint(38, 70),
                init_duration_ms=180.0 if cold else None,
                cold_start=cold,
                concurrent_executions=rng.randint(1, 4),
                log_tail="START ...\nEND ...\nREPORT ...\n",
            )
        )
        if len(batch) >= BATCH:
            Invocation.objects.bulk_create(batch)
            batch = []
    Invocation.objects.bulk_create(batch)


def dataset() -> Function:
    """The bench function with its month of data, built once and then reused."""
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-monitor")
    function = Function.objects.filter(owner=user, name=NAME).first()
    if function is not None:
        totals = function.metric_minutes.exclude(qualifier__startswith="alias:").aggregate(
            n=Sum("invocations"), last=Max("minute")
        )
        fresh = totals["last"] and datetime.now(UTC) - totals["last"] < timedelta(days=1)
        if totals["n"] == TOTAL_INVOCATIONS and fresh and function.invocations.count() == INVOCATION_ROWS:
            return function
        function.delete()
    print(
        "Building the bench data (1,000,000 invocations of rollups over 30 days, "
        f"{INVOCATION_ROWS:,} invocation rows); later runs reuse {DB.name} ...",
        flush=True,
    )
    started = time.perf_counter()
    function = function_services.function_create(
        owner=user, name=NAME, runtime="python3.11", files={"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n"}
    )
    end = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    with transaction.atomic():
        build(function, end)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"... built in {time.perf_counter() - started:.0f} s", flush=True)
    return function


def timed(fn, n: int = RENDERS) -> list[float]:
    fn()  # warm caches (templates, statements)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def baseline_from_invocations(function: Function, params: dict) -> None:
    """The same graphs from Invocation rows: what a page without rollups does."""
    time_range = timerange.parse_time_range(params)
    rows = Invocation.objects.filter(function=function, created_at__gte=time_range.start, created_at__lt=time_range.end)
    bucket = ExpressionWrapper(
        (monitoring.EpochSeconds("created_at") - Value(int(time_range.start.timestamp()))) / Value(time_range.period),
        output_field=IntegerField(),
    )
    list(
        rows.annotate(bucket=bucket)
        .values("bucket")
        .annotate(
            n=Count("id"),
            d=Sum("duration_ms"),
            lo=Min("duration_ms"),
            hi=Max("duration_ms"),
            mem=Max("max_memory_used_mb"),
            billed=Sum("billed_duration_ms"),
        )
        .order_by("bucket")
    )


def live_tail_publish_us() -> list[float]:
    """What Live Tail adds to the worker's invoke path per read batch: the
    publish call (the Redis round trip happens on the publisher thread)."""
    from invoker import live_tail, redis_client

    uid = "bench-live-tail"
    batch = [(time.time(), f"line {i} of a batch the log pipe read at once") for i in range(10)]
    times = []
    for _ in range(2000):
        start = time.perf_counter()
        live_tail.publish(uid, "2026/01/01/[$LATEST]bench", "bench-request", batch)
        times.append((time.perf_counter() - start) * 1_000_000)
    live_tail.flush(30)
    redis_client.client().delete(live_tail.key(uid))
    return times


def main() -> None:
    function = dataset()
    client = Client()
    client.force_login(function.owner)
    tab = f"/functions/{function.pk}/"
    data = f"/functions/{function.pk}/monitor/metrics/"
    for url in (tab + "?tab=monitor&range=1d", data + "?range=1w"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    rows = []
    month_end = datetime.now(UTC)
    ranges = {
        "1d": {"range": "1d"},
        "1w": {"range": "1w"},
        "30 d": {
            "range": "custom",
            "start": (month_end - timedelta(days=DAYS)).strftime(timerange.CUSTOM_FORMAT),
            "end": month_end.strftime(timerange.CUSTOM_FORMAT),
        },
    }
    for key, params in ranges.items():
        tab_ms = timed(lambda params=params: client.get(tab, {"tab": "monitor", **params}))
        json_ms = timed(lambda params=params: client.get(data, params))
        both = [a + b for a, b in zip(tab_ms, json_ms, strict=True)]
        version_ms = timed(lambda params=params: client.get(data, {**params, "qualifier": "live"}))
        base_ms = timed(lambda params=params: baseline_from_invocations(function, params), n=max(5, RENDERS // 4))
        rows += [
            (f"Monitor tab HTML ({key}: summary, cost, 50 recent invocations)", tab_ms),
            (f"graphs' JSON ({key}, whole function)", json_ms),
            (f"graphs' JSON ({key}, alias live)", version_ms),
            (f"tab + JSON ({key}): until the graphs can be drawn", both),
            (f"baseline: the {key} graphs' query on {INVOCATION_ROWS:,} Invocation rows", base_ms),
        ]
    minutes = MetricMinute.objects.filter(function=function).count()
    print(
        f"\nLabda Monitor tab benchmark: {TOTAL_INVOCATIONS:,} invocations over {DAYS} days "
        f"({minutes:,} rollup rows, {INVOCATION_ROWS:,} invocation rows); {RENDERS} renders each; {os.cpu_count()} CPUs\n"
    )
    print(f"{'measurement':<70} {'p50 ms':>9} {'p99 ms':>9}  target {TARGET_MS:.0f} ms")
    print("-" * 104)
    for label, values in rows:
        verdict = "" if label.startswith("baseline") else ("ok" if pct(values, 99) <= TARGET_MS else "OVER")
        print(f"{label:<70} {statistics.median(values):>9.1f} {pct(values, 99):>9.1f}  {verdict}")
    print("-" * 104)
    publish = live_tail_publish_us()
    print(
        f"{'live tail: publish one read batch of 10 lines (worker invoke path)':<70} "
        f"{statistics.median(publish) / 1000:>9.4f} {pct(publish, 99) / 1000:>9.4f}  "
        f"{'ok' if pct(publish, 99) <= 100 else 'OVER'} (target 0.1 ms)"
    )
    print("-" * 104)
    week = timerange.preset_range("1w")
    plan_rows = monitoring._in_range(function, "", week).explain()
    plan_recent = Invocation.objects.filter(function=function, created_at__gte=week.start).order_by("-created_at")[:50].explain()
    print(f"rollup query plan:  {plan_rows.strip()}")
    print(f"recent query plan:  {plan_recent.strip()}")


if __name__ == "__main__":
    main()
