"""`make bench`: one student floods events while another presses Test.

Two workers as `make up` runs them (one for tests and housekeeping, one for
events), real Redis, real containers. Measures another student's synchronous
test (service -> queue -> worker -> warm container -> row) when the class is
quiet, then during a one-minute flood of asynchronous events by one student,
and prints both with the target (flood p99 within 3x of quiet p99). Also: how
long a test takes to get its message when Redis is down.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
os.environ["LABDA_SQLITE_PATH"] = str(ROOT / "var" / "bench-flood.sqlite3")
os.environ["REDIS_URL"] = os.getenv("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ["LABDA_RUN_DIR"] = "/run/labda-bench-flood"
os.environ["LABDA_CODE_DIR"] = str(ROOT / "var" / "bench-flood-code")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from console.celery import app  # noqa: E402
from functions.models import Invocation  # noqa: E402
from functions.services import functions as function_services  # noqa: E402
from functions.services import invocations as invocation_services  # noqa: E402

FLOOD_SECONDS = float(os.getenv("BENCH_FLOOD_SECONDS", "60"))
QUIET_N = int(os.getenv("BENCH_QUIET_N", "100"))
FLOOD_RATE = float(os.getenv("BENCH_FLOOD_RATE", "20"))  # events per second
TARGET_RATIO = 3.0
HELLO = "def lambda_handler(event, context):\n    return event.get('key1')\n"
BUSY = "import time\ndef lambda_handler(event, context):\n    time.sleep(0.5)\n    return 'done'\n"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def start_worker(name: str, queues: str, concurrency: int) -> subprocess.Popen:
    log = open(ROOT / "var" / f"bench-flood-{name}.log", "w")  # noqa: SIM115 - lives as long as the worker
    env = dict(os.environ, LABDA_WORKER_NAME=f"labda-bench-{name}")
    command = [sys.executable, "-m", "celery", "-A", "console", "worker", "-P", "threads", "-c", str(concurrency)]
    proc = subprocess.Popen(
        [*command, "-l", "warning", "-n", f"{name}@bench", "-Q", queues, "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not app.control.ping(destination=[f"{name}@bench"], timeout=0.5):
        if proc.poll() is not None:
            raise SystemExit(f"the bench worker {name} exited; see var/bench-flood-{name}.log")
    return proc


def test_once(function) -> float:
    start = time.perf_counter()
    invocation = invocation_services.invocation_create(function=function, payload=json.dumps({"key1": "v"}))
    invocation = invocation_services.invocation_wait(invocation=invocation, timeout=60)
    assert invocation.status == "succeeded", invocation.response
    return (time.perf_counter() - start) * 1000


def flood(function, stop: threading.Event, sent: list[int]) -> None:
    from django.db import connection

    interval = 1.0 / FLOOD_RATE
    while not stop.is_set():
        invocation_services.invocation_create(function=function, payload="{}", invocation_type=Invocation.Type.EVENT)
        sent[0] += 1
        time.sleep(interval)
    connection.close()


def redis_down_seconds(function) -> float:
    """A test while Redis is down: seconds until the page has its message."""
    from functions.errors import ServiceError
    from invoker import redis_client

    port = "6397"
    folder = tempfile.mkdtemp()
    server = subprocess.Popen(["redis-server", "--port", port, "--save", "", "--dir", folder], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    server.kill()
    server.wait()
    shutil.rmtree(folder, ignore_errors=True)
    old_broker = app.conf.broker_url
    from django.conf import settings

    old_url = settings.REDIS_URL
    settings.REDIS_URL = app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    app._pool = None
    app.amqp._producer_pool = None
    redis_client._client = None
    start = time.perf_counter()
    try:
        invocation_services.invocation_create(function=function, payload="{}")
    except ServiceError:
        pass
    elapsed = time.perf_counter() - start
    settings.REDIS_URL, app.conf.broker_url = old_url, old_broker
    app._pool = None
    app.amqp._producer_pool = None
    redis_client._client = None
    return elapsed


def main() -> None:
    call_command("migrate", verbosity=0)
    __import__("redis").Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    users = get_user_model().objects
    flooder = users.get_or_create(username="bench-flooder")[0]
    student = users.get_or_create(username="bench-student")[0]
    for user in (flooder, student):
        user.functions.all().delete()
    busy = function_services.function_create(
        owner=flooder, name="flood", runtime="python3.11", files={"lambda_function.py": BUSY}
    )
    hello = function_services.function_create(
        owner=student, name="hello", runtime="python3.11", files={"lambda_function.py": HELLO}
    )
    workers = [start_worker("sync", "labda.sync,labda.housekeeping", 8), start_worker("async", "labda.async", 4)]
    try:
        for _ in range(5):
            test_once(hello)  # warm up
        quiet = [test_once(hello) for _ in range(QUIET_N)]
        stop, sent = threading.Event(), [0]
        flooder_thread = threading.Thread(target=flood, args=(busy, stop, sent), daemon=True)
        flooder_thread.start()
        during: list[float] = []
        deadline = time.monotonic() + FLOOD_SECONDS
        while time.monotonic() < deadline:
            during.append(test_once(hello))
        stop.set()
        flooder_thread.join()
        backlog = Invocation.objects.filter(function=busy, status__in=["pending", "running"]).count()
        down = redis_down_seconds(hello)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    ratio = pct(during, 99) / pct(quiet, 99)
    print(f"\nOne student's flood vs another student's Test ({os.cpu_count()} CPUs)\n")
    print(f"{'measurement':<66} {'p50 ms':>9} {'p99 ms':>9}")
    print("-" * 86)
    print(f"{f'another student, quiet class ({len(quiet)} tests)':<66} {statistics.median(quiet):>9.1f} {pct(quiet, 99):>9.1f}")
    label = f"same, during a {FLOOD_SECONDS:.0f} s flood of {sent[0]} events ({len(during)} tests)"
    print(f"{label:<66} {statistics.median(during):>9.1f} {pct(during, 99):>9.1f}")
    print("-" * 86)
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"flood p99 / quiet p99: {ratio:.1f}x (target <= {TARGET_RATIO:.0f}x: {verdict}); events still queued after: {backlog}")
    print(f"a Test while Redis is down gets its message in {down:.2f} s (target: a few seconds)")


if __name__ == "__main__":
    main()
