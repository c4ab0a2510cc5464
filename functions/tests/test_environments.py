"""Execution environments between invocations, through the real worker and
real containers: frozen while idle, CPU capped by memory, never handed out
dead, retired without a fake crash."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from functions.models import Invocation, LogEvent
from functions.services import functions as function_services
from invoker import live_tail

from .helpers import containers_of, invoke, make_function, response, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

CGROUP = Path("/sys/fs/cgroup")

TICKER = """
import threading, time

ticker = None

def tick():
    while True:
        print(f"tick {time.time():.3f}", flush=True)
        time.sleep(0.05)

def lambda_handler(event, context):
    global ticker
    if ticker is None:
        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
    return "ok"
"""


def freezer_state(container_id: str) -> str:
    v1 = CGROUP / "freezer" / "docker" / container_id / "freezer.state"
    if v1.exists():
        return v1.read_text().strip()
    events = (CGROUP / "docker" / container_id / "cgroup.events").read_text()
    return "FROZEN" if "frozen 1" in events else "THAWED"


def test_a_warm_environment_is_frozen_between_invocations(owner):
    function = make_function(owner, code="def lambda_handler(event, context):\n    return 'ok'\n")
    assert response(invoke(function)) == "ok"
    (container,) = containers_of(function)
    assert freezer_state(container.id) == "FROZEN"
    second = invoke(function)
    # Thawed for its event, frozen again after it.
    assert response(second) == "ok" and second.cold_start is False
    assert freezer_state(container.id) == "FROZEN"


def test_output_of_a_background_thread_never_lands_in_the_next_invocations_log(owner):
    function = make_function(owner, code=TICKER)
    first = invoke(function)
    assert response(first) == "ok"
    # Idle long enough for a running thread to print about 30 times.
    time.sleep(1.5)
    second = invoke(function)
    assert response(second) == "ok" and second.cold_start is False
    ticks = [
        float(m.group(1))
        for e in LogEvent.objects.filter(request_id=second.pk)
        if (m := re.fullmatch(r"tick (\d+\.\d+)", e.message))
    ]
    started = second.started_at.timestamp()
    # Nothing printed while idle: every tick in this log was printed after
    # the environment was thawed for this event (a margin for the thaw), not
    # up to 1.5 s before it.
    assert all(tick > started - 0.5 for tick in ticks), (started, ticks)
    # What was printed after the first result, before the freeze, is in the
    # stream with no request id, never inside an invocation's START ... REPORT.
    for event in LogEvent.objects.filter(stream=second.log_stream, request_id__isnull=True):
        assert event.message.startswith("tick ")


def test_the_cpu_is_capped_in_proportion_to_memory(owner):
    function = make_function(owner, code="def lambda_handler(event, context):\n    return 'ok'\n", memory_size=512)
    invoke(function)
    (container,) = containers_of(function)
    host = container.attrs["HostConfig"]
    assert host["CpuPeriod"] == 100_000
    assert host["CpuQuota"] == round(100_000 * 512 / 1769)  # one vCPU at 1,769 MB
    quota = CGROUP / "cpu" / "docker" / container.id / "cpu.cfs_quota_us"
    if quota.exists():
        assert int(quota.read_text()) == host["CpuQuota"]


def test_a_runtime_that_dies_after_its_response_is_not_handed_the_next_event(owner):
    code = "exports.handler = async () => {\n  setTimeout(() => { throw new Error('thrown in a timer'); }, 0);\n  return 'answered';\n};\n"
    function = make_function(owner, runtime="nodejs18.x", code=code)
    first = invoke(function)
    assert response(first) == "answered"
    # The runtime exited after answering: the next test gets a new
    # environment, as on Lambda, not the dead one's exit.
    second = invoke(function)
    assert second.status == Invocation.Status.SUCCEEDED, second.response
    assert response(second) == "answered" and second.cold_start is True
    assert "thrown in a timer" not in second.log_tail


def test_an_over_limit_response_is_drained_and_the_next_test_runs(owner):
    code = (
        "def lambda_handler(event, context):\n"
        "    if event.get('big'):\n"
        "        return 'x' * (7 * 1024 * 1024)\n"
        "    return 'small'\n"
    )
    function = make_function(owner, code=code, memory_size=512, timeout=20)
    big = invoke(function, {"big": True})
    assert big.error_type == "Function.ResponseSizeTooLarge"
    # The runtime was answered (413), not cut off mid-body: no traceback.
    assert "Traceback" not in big.log_tail and "BrokenPipe" not in big.log_tail
    small = invoke(function, {})
    assert small.status == Invocation.Status.SUCCEEDED, small.response
    assert response(small) == "small" and small.cold_start is True


def test_exit_code_129_is_an_exit_status_not_a_signal(owner):
    function = make_function(owner, runtime="nodejs18.x", code="exports.handler = async () => { process.exit(129); };\n")
    invocation = invoke(function)
    assert invocation.error_type == "Runtime.ExitError"
    assert response(invocation)["errorMessage"] == f"RequestId: {invocation.pk} Error: Runtime exited with error: exit status 129"


def test_children_left_near_the_pids_limit_retire_the_environment(owner, settings):
    code = (
        "import os, time\n"
        "def lambda_handler(event, context):\n"
        "    children = 0\n"
        "    try:\n"
        "        while True:\n"
        "            if os.fork() == 0:\n"
        "                time.sleep(300)\n"
        "                os._exit(0)\n"
        "            children += 1\n"
        "    except OSError:\n"
        "        return children\n"
    )
    function = make_function(owner, code=code, timeout=20, memory_size=2048)
    first = invoke(function)
    assert first.status == Invocation.Status.SUCCEEDED
    # Its children still hold the container's processes: not reused.
    second = invoke(function)
    assert second.status == Invocation.Status.SUCCEEDED and second.cold_start is True


def test_retiring_a_warm_environment_is_not_a_crash_in_live_tail(owner):
    function = make_function(owner, code="def lambda_handler(event, context):\n    return 'old'\n")
    since = live_tail.cursor_since(1)
    assert response(invoke(function)) == "old"
    old_ids = {c.id for c in containers_of(function)}
    function_services.function_update_code(
        function=function, files={"lambda_function.py": "def lambda_handler(event, context):\n    return 'new'\n"}
    )
    assert wait_until(lambda: not old_ids & {c.id for c in containers_of(function)}, timeout=10)
    time.sleep(0.5)  # let any shutdown output reach the stream
    lines, _ = live_tail.read(str(function.uid), after=since, count=1000)
    messages = [line.message for line in lines]
    assert any(m.startswith("REPORT RequestId:") for m in messages)
    assert not [m for m in messages if "Traceback" in m or "KeyError" in m or "bootstrap.py" in m], messages
