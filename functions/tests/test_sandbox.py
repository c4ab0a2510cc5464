"""Untrusted code stays inside its container: each attack is a handler."""

from __future__ import annotations

import docker
import pytest

from functions.models import Invocation, LogEvent

from .helpers import invoke, make_function, response

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

PROBE = r"""
import os, socket, subprocess

def attempt(action):
    try:
        action()
        return "allowed"
    except Exception as exc:
        return type(exc).__name__ + ": " + str(exc)

def lambda_handler(event, context):
    status = open("/proc/self/status").read()
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    def connect():
        s = socket.create_connection(("1.1.1.1", 53), timeout=2)
        s.close()
    def write_root():
        open("/var/task/evil.py", "w").write("x")
    def write_etc():
        open("/etc/evil", "w").write("x")
    def setuid_root():
        os.setuid(0)
    open("/tmp/ok", "w").write("tmp is writable")
    env = dict(os.environ)
    return {
        "uid": os.getuid(),
        "cap_eff": fields["CapEff"].strip(),
        "no_new_privs": fields["NoNewPrivs"].strip(),
        "network": attempt(connect),
        "write_task": attempt(write_root),
        "write_etc": attempt(write_etc),
        "setuid": attempt(setuid_root),
        "tmp": open("/tmp/ok").read(),
        "secrets": sorted(k for k in env if "SECRET_KEY" in k or "REDIS" in k or "DATABASE" in k or "DJANGO" in k),
    }
"""


def test_the_container_is_locked_down(owner):
    body = response(invoke(make_function(owner, code=PROBE, timeout=10)))
    assert body["uid"] == 993
    assert body["cap_eff"] == "0000000000000000"
    assert body["no_new_privs"] == "1"
    assert body["network"] != "allowed" and "unreachable" in body["network"].lower()
    assert body["write_task"].startswith("OSError") and "Read-only file system" in body["write_task"]
    assert "Read-only file system" in body["write_etc"] or "Permission denied" in body["write_etc"]
    assert body["setuid"].startswith("PermissionError")
    assert body["tmp"] == "tmp is writable"
    assert body["secrets"] == []


def test_a_fork_bomb_hits_the_pids_limit(owner, settings):
    code = (
        "import os, time\n"
        "def lambda_handler(event, context):\n"
        "    children = 0\n"
        "    try:\n"
        "        while True:\n"
        "            if os.fork() == 0:\n"
        "                time.sleep(30)\n"
        "                os._exit(0)\n"
        "            children += 1\n"
        "    except OSError as exc:\n"
        "        return {'children': children, 'error': str(exc)}\n"
    )
    # Enough memory that the process limit, not memory, stops it.
    invocation = invoke(make_function(owner, code=code, timeout=20, memory_size=2048))
    body = response(invocation)
    assert body["children"] < settings.LABDA_PIDS_LIMIT
    assert "Resource temporarily unavailable" in body["error"]


def test_an_output_flood_is_truncated_with_a_marker(owner, settings):
    code = "def lambda_handler(event, context):\n    for i in range(20000):\n        print('x' * 100)\n    return 'flooded'\n"
    function = make_function(owner, code=code, timeout=20)
    invocation = invoke(function)
    assert response(invocation) == "flooded"
    events = LogEvent.objects.filter(request_id=invocation.pk)
    total = sum(len(e.message) for e in events)
    assert total < settings.LABDA_LOG_MAX_BYTES + 10_000
    assert events.filter(message__startswith="[Labda] Output truncated:").exists()
    assert "[Labda] Output truncated:" in invocation.log_tail


def test_a_restarted_worker_removes_its_orphans():
    from invoker.pool import remove_orphans

    client = docker.from_env()
    orphan = client.containers.create(
        "labda/runtime:python3.11", command=["sleep", "60"], entrypoint=[], labels={"labda": "1", "labda.worker": "orphan-test"}
    )
    assert remove_orphans("orphan-test") == 1
    with pytest.raises(docker.errors.NotFound):
        client.containers.get(orphan.id)


def test_the_sweeper_ends_invocations_whose_worker_died(owner):
    from datetime import timedelta

    from django.utils import timezone

    function = make_function(owner, code="def lambda_handler(e, c):\n    return 1\n")
    lost = Invocation.objects.create(
        function=function, status=Invocation.Status.RUNNING, started_at=timezone.now() - timedelta(minutes=10)
    )
    recent = Invocation.objects.create(function=function, status=Invocation.Status.RUNNING, started_at=timezone.now())
    from functions.services import recovery

    assert recovery.invocations_sweep_stale() == 1
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.status == Invocation.Status.FAILED and lost.error_type == "Labda.WorkerLost"
    assert recent.status == Invocation.Status.RUNNING
    recent.delete()
