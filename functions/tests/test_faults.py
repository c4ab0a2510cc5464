"""Nothing lost, nobody starved: Redis stopped and started around in-flight
invocations, workers killed mid-invocation, a web process that dies between
recording an invocation and queueing it, a flood of events by one student.
Real processes, a real (private) Redis and the real Docker engine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from functions.models import Invocation, MetricMinute
from functions.services import invocations as invocation_services
from functions.services import recovery
from invoker import concurrency

from .faults import PrivateRedis, private_worker, stop_worker, web_on
from .helpers import make_function, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SLEEPY = "import time\ndef lambda_handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return {'slept': event.get('sleep', 0)}\n"


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    with web_on(server.url):
        yield server
    server.close()


def _finished(invocation: Invocation) -> bool:
    return Invocation.objects.get(pk=invocation.pk).is_finished


def test_the_worker_rides_out_a_redis_outage_and_keeps_the_result(owner, private_redis):
    worker = private_worker("blip", private_redis.url, "labda-blip")
    try:
        function = make_function(owner, code=SLEEPY, timeout=30)
        running = invocation_services.invocation_create(function=function, payload=json.dumps({"sleep": 3}))
        assert wait_until(lambda: Invocation.objects.get(pk=running.pk).status == Invocation.Status.RUNNING, timeout=30)
        private_redis.stop()
        # The outcome is stored while Redis is down.
        assert wait_until(lambda: _finished(running), timeout=30)
        assert Invocation.objects.get(pk=running.pk).status == Invocation.Status.SUCCEEDED
        time.sleep(5)  # an outage of several seconds
        assert worker.poll() is None, "the worker process exited during the Redis outage"
        private_redis.start()
        # ...and it carries on: a new invocation after the outage runs.
        after = invocation_services.invocation_create(function=function, payload=json.dumps({"sleep": 0}))
        assert wait_until(lambda: _finished(after), timeout=60)
        assert Invocation.objects.get(pk=after.pk).status == Invocation.Status.SUCCEEDED
        assert worker.poll() is None
    finally:
        stop_worker(worker)


def test_a_test_while_redis_is_down_is_a_message_not_a_500(client, owner, private_redis):
    function = make_function(owner, code=SLEEPY)
    private_redis.stop()
    client.force_login(owner)
    response = client.post(reverse("functions:test", args=[function.pk]), {"event_json": "{}"})
    assert response.status_code == 400
    assert "cannot reach its invocation queue" in response.content.decode()
    assert not Invocation.objects.filter(status=Invocation.Status.PENDING).exists()


def test_a_row_whose_web_died_before_queueing_is_queued_again(owner, private_redis):
    """A real web process records an invocation and is killed before it
    publishes the task; the sweep queues it and it runs."""
    worker = private_worker("requeue", private_redis.url, "labda-requeue")
    try:
        function = make_function(owner, code=SLEEPY)
        script = (
            "import django, os, sys; django.setup()\n"
            "from functions.models import Function\n"
            "from functions.services import invocations as s\n"
            "s.publish = lambda *a, **k: os.kill(os.getpid(), 9)\n"
            f"s.invocation_create(function=Function.objects.get(pk={function.pk}), payload='{{}}')\n"
        )
        env = dict(os.environ, REDIS_URL=private_redis.url, LABDA_SQLITE_PATH=str(settings.DATABASES["default"]["NAME"]))
        env["LABDA_DATABASE_NAME"] = env["LABDA_SQLITE_PATH"]
        proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR, timeout=60)
        assert proc.returncode == -signal.SIGKILL
        orphan = Invocation.objects.get(function=function)
        assert orphan.status == Invocation.Status.PENDING
        # The sweep (every 10 s under beat) finds it once it is overdue.
        assert recovery.invocations_requeue(now=timezone.now() + timedelta(seconds=31)) == 1
        assert wait_until(lambda: _finished(orphan), timeout=60)
        assert Invocation.objects.get(pk=orphan.pk).status == Invocation.Status.SUCCEEDED
        assert concurrency.in_flight(str(function.uid)) == 0
    finally:
        stop_worker(worker)


def test_a_killed_worker_s_rows_end_and_its_slots_are_freed_when_it_restarts(owner, private_redis):
    worker = private_worker("kill", private_redis.url, "labda-kill")
    function = make_function(owner, code=SLEEPY, timeout=60, reserved_concurrency=1)
    running = invocation_services.invocation_create(function=function, payload=json.dumps({"sleep": 50}))
    assert wait_until(lambda: Invocation.objects.get(pk=running.pk).status == Invocation.Status.RUNNING, timeout=30)
    worker.kill()
    worker.wait()
    # At its limit of 1 with the dead worker's slot still held...
    assert concurrency.in_flight(str(function.uid)) == 1
    restarted = private_worker("kill", private_redis.url, "labda-kill")
    try:
        # ...the restarted worker ends the row and frees the slot at once.
        assert wait_until(lambda: _finished(running), timeout=30)
        ended = Invocation.objects.get(pk=running.pk)
        assert ended.status == Invocation.Status.FAILED and ended.error_type == "Labda.WorkerLost"
        assert concurrency.in_flight(str(function.uid)) == 0
        after = invocation_services.invocation_create(function=function, payload=json.dumps({"sleep": 0}))
        assert after.status != Invocation.Status.THROTTLED
        assert wait_until(lambda: _finished(after), timeout=60)
    finally:
        stop_worker(restarted)


def test_the_sweep_ends_a_lost_test_but_retries_a_lost_event(owner):
    function = make_function(owner, code=SLEEPY, timeout=3)
    old = timezone.now() - timedelta(seconds=3 + settings.LABDA_INIT_TIMEOUT + recovery.RUNNING_MARGIN_SECONDS + 1)
    sync = Invocation.objects.create(function=function, status=Invocation.Status.RUNNING, started_at=old)
    event = Invocation.objects.create(
        function=function, status=Invocation.Status.RUNNING, started_at=old, invocation_type=Invocation.Type.EVENT
    )
    fresh = Invocation.objects.create(function=function, status=Invocation.Status.RUNNING, started_at=timezone.now())
    assert recovery.invocations_sweep_stale() == 2
    assert Invocation.objects.get(pk=sync.pk).error_type == "Labda.WorkerLost"
    assert Invocation.objects.get(pk=event.pk).status == Invocation.Status.PENDING
    assert Invocation.objects.get(pk=fresh.pk).status == Invocation.Status.RUNNING


def test_events_over_the_limit_are_accepted_throttled_and_retried(owner, private_redis):
    worker = private_worker("async", private_redis.url, "labda-async")
    try:
        function = make_function(owner, code=SLEEPY, timeout=30, reserved_concurrency=1)
        events = [
            invocation_services.invocation_create(
                function=function, payload=json.dumps({"sleep": 1}), invocation_type=Invocation.Type.EVENT
            )
            for _ in range(3)
        ]
        # Accepted, none refused.
        assert all(e.status == Invocation.Status.PENDING for e in events)
        assert wait_until(lambda: all(_finished(e) for e in events), timeout=120)
        rows = Invocation.objects.filter(pk__in=[e.pk for e in events])
        assert {r.status for r in rows} == {Invocation.Status.SUCCEEDED}
        # Each attempt counted against the limit of 1: never two at once,
        # and the refused attempts are in the Throttles graph.
        assert max(r.concurrent_executions or 0 for r in rows) == 1
        throttled = sum(r.throttled_attempts for r in rows)
        assert throttled >= 1
        assert (
            sum(MetricMinute.objects.filter(function=function, qualifier="$LATEST").values_list("throttles", flat=True))
            == throttled
        )
    finally:
        stop_worker(worker)


def test_an_expired_event_is_dropped_with_a_clear_error(owner, settings):
    function = make_function(owner, code=SLEEPY)
    settings.LABDA_ASYNC_MAX_EVENT_AGE = 60
    event = Invocation.objects.create(
        function=function,
        invocation_type=Invocation.Type.EVENT,
        created_at=timezone.now() - timedelta(seconds=61),
        run_after=timezone.now(),
    )
    from functions.services.execution import invocation_execute

    invocation_execute(invocation_id=str(event.pk))
    event.refresh_from_db()
    assert event.status == Invocation.Status.FAILED and event.error_type == "EventAgeExceeded"


def test_a_flood_of_events_by_one_student_does_not_starve_another(owner, stranger, private_redis):
    # As `make up` runs a worker host: one worker for tests, one for events.
    sync_worker = private_worker("flood-sync", private_redis.url, "labda-flood-sync", "labda.sync,labda.housekeeping")
    async_worker = private_worker("flood-async", private_redis.url, "labda-flood-async", "labda.async")
    try:
        flood_fn = make_function(owner, name="flood", code=SLEEPY, timeout=30)
        quiet_fn = make_function(stranger, name="quiet", code=SLEEPY, timeout=30)
        flood = [
            invocation_services.invocation_create(
                function=flood_fn, payload=json.dumps({"sleep": 1}), invocation_type=Invocation.Type.EVENT
            )
            for _ in range(40)
        ]
        tests = []
        for _ in range(5):
            test = invocation_services.invocation_create(function=quiet_fn, payload=json.dumps({"sleep": 0}))
            tests.append(invocation_services.invocation_wait(invocation=test, timeout=30))
        assert wait_until(lambda: all(_finished(t) for t in tests), timeout=60)
        assert {Invocation.objects.get(pk=t.pk).status for t in tests} == {Invocation.Status.SUCCEEDED}
        # The other student's tests did not wait for the flood to drain.
        assert Invocation.objects.filter(pk__in=[f.pk for f in flood], status=Invocation.Status.PENDING).exists()

        # The flooding account ran at most its fair share of events at once.
        def ran():
            return Invocation.objects.filter(pk__in=[f.pk for f in flood]).exclude(concurrent_executions=None)

        assert wait_until(lambda: ran().count() >= 3, timeout=120)
        ran = ran()
        assert max(r.concurrent_executions for r in ran) <= settings.LABDA_ACCOUNT_ASYNC_CONCURRENCY
    finally:
        stop_worker(async_worker)
        stop_worker(sync_worker)


def test_exactly_one_beat_sends_and_a_standby_takes_over(private_redis, tmp_path):
    import redis as redis_lib

    env = dict(os.environ, REDIS_URL=private_redis.url, LABDA_BEAT_LOCK_TTL="3")
    command = [sys.executable, "-m", "celery", "-A", "console", "beat", "-S", "console.beat:LockedScheduler", "-l", "info"]
    logs = [tmp_path / "beat-a.log", tmp_path / "beat-b.log"]
    beats = [
        subprocess.Popen(
            [*command, "--pidfile", str(tmp_path / f"{n}.pid")],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for n, log in zip("ab", logs, strict=True)
    ]
    lock = redis_lib.Redis.from_url(private_redis.url)

    def senders() -> list[int]:
        return [i for i, log in enumerate(logs) if "now sends the periodic tasks" in log.read_text()]

    try:
        assert wait_until(lambda: lock.get("labda:beat:leader") is not None and senders(), timeout=30)
        time.sleep(4)  # longer than the lease: the other beat still stands by
        assert len(senders()) == 1
        leader = senders()[0]
        beats[leader].kill()
        beats[leader].wait()
        standby = 1 - leader
        assert wait_until(lambda: standby in senders(), timeout=30)
        assert beats[standby].poll() is None
    finally:
        for beat in beats:
            beat.kill()
            beat.wait()


def test_a_platform_failure_of_an_event_is_retried_later(owner, monkeypatch):
    from functions.services import execution
    from invoker.environment import EnvironmentStartError

    class BrokenPool:
        def invoke(self, spec, request):
            raise EnvironmentStartError("Could not start the execution environment: the engine is down")

    monkeypatch.setattr(execution, "get_pool", lambda: BrokenPool())
    monkeypatch.setattr(execution, "enqueue_quietly", lambda *a, **k: True)
    function = make_function(owner, code=SLEEPY)
    event = Invocation.objects.create(
        function=function, invocation_type=Invocation.Type.EVENT, run_after=timezone.now(), payload="{}"
    )
    sync = Invocation.objects.create(function=function, run_after=timezone.now(), payload="{}")
    execution.invocation_execute(invocation_id=str(event.pk))
    execution.invocation_execute(invocation_id=str(sync.pk))
    event.refresh_from_db()
    sync.refresh_from_db()
    # The event waits for another try; the synchronous caller gets the error.
    assert event.status == Invocation.Status.PENDING and event.run_after > timezone.now()
    assert sync.status == Invocation.Status.FAILED and sync.error_type == "Labda.EnvironmentStartError"
