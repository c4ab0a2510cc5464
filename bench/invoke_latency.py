"""`make bench`: how fast Labda invokes, against plain `docker run` in the same run.

Measures, on this machine and now:
  * warm end-to-end invoke: service -> Redis -> Celery worker -> warm container -> row (p50/p99)
  * the container boundary alone: pool.invoke on a warm environment minus the
    handler's own Duration (Runtime API over the Unix socket, log pipe, cgroup read)
  * cold start: a new container and the handler's import, end to end in the pool
  * baseline: the same handler run by `docker run --rm` once per invocation
and prints a table with the ratio baseline / ours.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
os.environ["LABDA_SQLITE_PATH"] = str(ROOT / "var" / "bench.sqlite3")
os.environ["REDIS_URL"] = os.getenv("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ["LABDA_WORKER_NAME"] = "labda-bench"
os.environ["LABDA_RUN_DIR"] = "/run/labda-bench"
os.environ["LABDA_UNRESERVED_CONCURRENCY"] = "100"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

HANDLER = "def lambda_handler(event, context):\n    return event['key1']\n"
EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}
WARM_N = int(os.getenv("BENCH_WARM_N", "300"))
COLD_N = int(os.getenv("BENCH_COLD_N", "10"))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def start_worker() -> subprocess.Popen:
    from console.celery import app

    log = open(ROOT / "var" / "bench-worker.log", "w")  # noqa: SIM115 - lives as long as the worker
    name = "labda-bench@localhost"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "console",
            "worker",
            "-P",
            "threads",
            "-c",
            "4",
            "-l",
            "warning",
            "-n",
            name,
            "--without-gossip",
            "--without-mingle",
            "-Q",
            "labda.sync,labda.async,labda.housekeeping",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not app.control.ping(destination=[name], timeout=0.5):
        if proc.poll() is not None:
            raise SystemExit("the bench worker exited; see var/bench-worker.log")
    return proc


def bench_end_to_end(function) -> list[float]:
    from functions.services import invocations as invocation_services

    times = []
    for i in range(WARM_N + 5):
        start = time.perf_counter()
        invocation = invocation_services.invocation_create(function=function, payload=json.dumps(EVENT))
        invocation = invocation_services.invocation_wait(invocation=invocation, timeout=30)
        elapsed = (time.perf_counter() - start) * 1000
        assert invocation.status == "succeeded", invocation.response
        if i >= 5:  # the first ones start the container
            times.append(elapsed)
    return times


def bench_pool(function) -> tuple[list[float], list[float], list[float], list[float]]:
    """(boundary overhead ms, handler durations ms, cold start ms, init durations ms)"""
    from functions.services.specs import function_spec
    from invoker.pool import WarmPool
    from invoker.runtime_api import Invoke

    spec = function_spec(function)
    pool = WarmPool(worker="labda-bench")

    def request() -> Invoke:
        return Invoke(
            request_id=str(uuid.uuid4()), payload=json.dumps(EVENT).encode(), timeout_s=3, invoked_function_arn=spec.function_arn
        )

    overhead, durations, cold, inits = [], [], [], []
    pool.invoke(spec, request())
    for _ in range(WARM_N):
        start = time.perf_counter()
        outcome = pool.invoke(spec, request())
        total = (time.perf_counter() - start) * 1000
        overhead.append(total - outcome.duration_ms)
        durations.append(outcome.duration_ms)
    for _ in range(COLD_N):
        pool.retire_function(spec.function_uid)
        start = time.perf_counter()
        outcome = pool.invoke(spec, request())
        cold.append((time.perf_counter() - start) * 1000)
        inits.append(outcome.init_duration_ms)
        assert outcome.cold
    pool.shutdown()
    return overhead, durations, cold, inits


def bench_docker_run(code_dir: Path) -> list[float]:
    """The baseline: one `docker run --rm` per invocation, same image and handler."""
    script = (
        "import json,sys; sys.path.insert(0,'/var/task'); import lambda_function as m; "
        f"print(json.dumps(m.lambda_handler({EVENT!r}, None)))"
    )
    times = []
    for _ in range(COLD_N):
        start = time.perf_counter()
        out = subprocess.run(
            [
                "docker",
                "run",
                "--rm",
                "--network",
                "none",
                "-m",
                "128m",
                "-v",
                f"{code_dir}:/var/task:ro",
                "--entrypoint",
                "python3",
                f"{settings.LABDA_IMAGE_PREFIX}:python3.11",
                "-c",
                script,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append((time.perf_counter() - start) * 1000)
        assert out.stdout.strip() == '"value1"', out
    return times


def main() -> None:
    from functions.services import functions as function_services
    from functions.services import specs as spec_services
    from invoker.code_cache import code_dir

    call_command("migrate", verbosity=0)
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    user, _ = get_user_model().objects.get_or_create(username="bench")
    user.functions.all().delete()
    function = function_services.function_create(
        owner=user, name=f"Bench{uuid.uuid4().hex[:6]}", runtime="python3.11", files={"lambda_function.py": HANDLER}
    )
    worker = start_worker()
    try:
        e2e = bench_end_to_end(function)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    overhead, durations, cold, inits = bench_pool(function)
    baseline = bench_docker_run(code_dir(spec_services.function_spec(function)))

    rows = [
        ("warm invoke, end to end (web service -> Celery -> container -> row)", e2e),
        ("container boundary overhead (warm pool.invoke minus handler Duration)", overhead),
        ("handler Duration as reported", durations),
        ("cold start in the pool (new container + import)", cold),
        ("Init Duration as reported on those cold starts", inits),
        ("baseline: `docker run --rm` per invocation", baseline),
    ]
    print(f"\nLabda invoke benchmark ({WARM_N} warm, {COLD_N} cold runs; {os.cpu_count()} CPUs)\n")
    print(f"{'measurement':<74} {'p50 ms':>9} {'p99 ms':>9}")
    print("-" * 94)
    for label, values in rows:
        print(f"{label:<74} {statistics.median(values):>9.2f} {pct(values, 99):>9.2f}")
    print("-" * 94)
    print(f"baseline p50 / warm end-to-end p50: {statistics.median(baseline) / statistics.median(e2e):.1f}x faster")
    print(f"baseline p50 / cold start p50:      {statistics.median(baseline) / statistics.median(cold):.1f}x faster")
    function.delete()


if __name__ == "__main__":
    main()
