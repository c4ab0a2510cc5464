"""Real invocations: the web's service queues, the real Celery worker runs them
in real Docker containers, and the tests read what was recorded."""

from __future__ import annotations

import re
import threading

import docker
import pytest
from django.db import connection

from functions.models import Function, Invocation, LogEvent
from functions.services import configuration, versions
from functions.services import functions as function_services
from functions.services import invocations as invocation_services

from .helpers import containers_of, invoke, make_function, response, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

COUNTER = """
count = 0

def lambda_handler(event, context):
    global count
    count += 1
    with open('/tmp/seen', 'a') as f:
        f.write('x')
    return {'count': count, 'tmp': len(open('/tmp/seen').read()), 'stream': context.log_stream_name}
"""


def test_it_starts_cold_then_reuses_the_warm_container(owner):
    function = make_function(owner, code=COUNTER)
    first, second, third = (invoke(function) for _ in range(3))
    assert first.status == second.status == third.status == Invocation.Status.SUCCEEDED
    assert first.cold_start is True and first.init_duration_ms > 0
    assert second.cold_start is False and second.init_duration_ms is None
    # Module globals and /tmp survive in the warm container.
    assert [response(i)["count"] for i in (first, second, third)] == [1, 2, 3]
    assert response(third)["tmp"] == 3
    assert first.log_stream_id == second.log_stream_id == third.log_stream_id
    assert len(containers_of(function)) == 1
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", first.log_stream.name)
    assert response(first)["stream"] == first.log_stream.name


def test_it_measures_what_it_reports(owner):
    function = make_function(owner, code="def lambda_handler(event, context):\n    return 1\n", memory_size=256)
    invocation = invoke(function)
    assert invocation.memory_size == 256
    # Max Memory Used comes from the container's cgroup, not the setting.
    assert 1 <= invocation.max_memory_used_mb < 256
    assert invocation.duration_ms > 0
    assert invocation.billed_duration_ms >= int(invocation.duration_ms + invocation.init_duration_ms)
    lines = [e.message for e in LogEvent.objects.filter(request_id=invocation.pk)]
    # A cold start: INIT_START, then START.
    assert lines[0].startswith("INIT_START Runtime Version: python:3.11.")
    assert lines[1] == f"START RequestId: {invocation.pk} Version: $LATEST"
    assert lines[-2] == f"END RequestId: {invocation.pk}"
    report = lines[-1]
    assert report == (
        f"REPORT RequestId: {invocation.pk}\tDuration: {invocation.duration_ms:.2f} ms\t"
        f"Billed Duration: {invocation.billed_duration_ms} ms\tMemory Size: 256 MB\t"
        f"Max Memory Used: {invocation.max_memory_used_mb} MB\tInit Duration: {invocation.init_duration_ms:.2f} ms\t"
    )


def test_it_captures_print_and_logging_in_order(owner):
    code = (
        "import logging, sys\n"
        "logger = logging.getLogger()\n"
        "logger.setLevel(logging.INFO)\n"
        "def lambda_handler(event, context):\n"
        "    print('one')\n"
        "    logger.info('two')\n"
        "    sys.stderr.write('three\\n')\n"
        "    print('four')\n"
        "    return 'ok'\n"
    )
    invocation = invoke(make_function(owner, code=code))
    lines = [e.message for e in LogEvent.objects.filter(request_id=invocation.pk)]
    body = lines[[line.startswith("START ") for line in lines].index(True) + 1 : -2]
    assert body[0] == "one"
    assert re.fullmatch(rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{invocation.pk}\ttwo", body[1])
    assert body[2:] == ["three", "four"]


def test_it_reports_a_handler_exception_as_lambda_does(owner):
    function = Function.objects.get(
        pk=function_services.function_create_from_blueprint(
            owner=owner, name="HelloWorld", blueprint=_blueprint("hello-world-python")
        ).pk
    )
    ok = invoke(function, {"key1": "value1", "key2": "value2", "key3": "value3"})
    assert response(ok) == "value1"
    failed = invoke(function, {"key2": "value2", "key3": "value3"})
    assert failed.status == Invocation.Status.FAILED
    assert failed.function_error == "Unhandled"
    body = response(failed)
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert body["errorMessage"] == "'key1'" and body["errorType"] == "KeyError"
    assert body["requestId"] == str(failed.pk)
    assert 'File "/var/task/lambda_function.py", line 8, in lambda_handler' in body["stackTrace"][0]
    assert "[ERROR] KeyError: 'key1'\nTraceback (most recent call last):" in failed.log_tail


def test_it_kills_a_function_that_times_out(owner):
    code = "import time\ndef lambda_handler(event, context):\n    print('sleeping')\n    time.sleep(30)\n"
    function = make_function(owner, code=code, timeout=1)
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.TIMED_OUT
    assert invocation.error_type == "Sandbox.Timedout"
    assert response(invocation) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {invocation.pk} Error: Task timed out after 1.00 seconds",
    }
    assert 1000 <= invocation.duration_ms < 1500
    assert "sleeping" in invocation.log_tail
    assert "Status: timeout" in invocation.log_tail
    assert f"{invocation.pk} Task timed out after 1.00 seconds" in invocation.log_tail
    # Killed, never reused: the container goes, and the next call is cold.
    assert wait_until(lambda: not containers_of(function))
    assert invoke(function).cold_start is True


def test_it_reports_out_of_memory(owner):
    code = "def lambda_handler(event, context):\n    hog = []\n    while True:\n        hog.append(bytearray(16 * 1024 * 1024))\n"
    function = make_function(owner, code=code, memory_size=128, timeout=20)
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.FAILED
    assert invocation.error_type == "Runtime.OutOfMemory"
    assert response(invocation)["errorMessage"] == f"RequestId: {invocation.pk} Error: Runtime exited with error: signal: killed"
    assert "Error Type: Runtime.OutOfMemory" in invocation.log_tail
    assert wait_until(lambda: not containers_of(function))


def test_it_reports_a_runtime_that_exits(owner):
    function = make_function(owner, code="import os\ndef lambda_handler(event, context):\n    os._exit(3)\n")
    invocation = invoke(function)
    assert invocation.error_type == "Runtime.ExitError"
    assert response(invocation)["errorMessage"] == f"RequestId: {invocation.pk} Error: Runtime exited with error: exit status 3"


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        (
            {"other.py": "x = 1\n"},
            "lambda_function.lambda_handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'lambda_function': No module named 'lambda_function'",
        ),
        (
            {"lambda_function.py": "x = 1\n"},
            "lambda_function.lambda_handler",
            "Runtime.HandlerNotFound",
            "Handler 'lambda_handler' missing on module 'lambda_function'",
        ),
    ],
)
def test_it_reports_init_errors(owner, files, handler, error_type, message):
    function = make_function(owner, files=files, handler=handler)
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.FAILED
    body = response(invocation)
    assert body["errorType"] == error_type and body["errorMessage"] == message
    assert invocation.init_duration_ms is not None


def test_it_gives_the_handler_lambdas_context_and_environment(owner):
    code = (
        "import os\n"
        "def lambda_handler(event, context):\n"
        "    return {k: getattr(context, k) for k in ('aws_request_id', 'function_name', 'function_version',\n"
        "            'invoked_function_arn', 'memory_limit_in_mb', 'log_group_name')} | {\n"
        "        'remaining': context.get_remaining_time_in_millis(), 'GREETING': os.environ.get('GREETING'),\n"
        "        'uid': os.getuid(), 'handler': os.environ['_HANDLER']}\n"
    )
    function = make_function(owner, name="CtxFn", code=code, environment={"GREETING": "hi"}, timeout=5)
    invocation = invoke(function)
    body = response(invocation)
    assert body["aws_request_id"] == str(invocation.pk)
    assert body["function_name"] == "CtxFn" and body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:CtxFn"
    assert body["memory_limit_in_mb"] == "128"
    assert body["log_group_name"] == "/aws/lambda/CtxFn"
    assert 3000 < body["remaining"] <= 5000
    assert body["GREETING"] == "hi" and body["handler"] == "lambda_function.lambda_handler"
    assert body["uid"] == 993  # not root


def test_two_concurrent_invocations_use_two_containers(owner):
    code = "import time\ndef lambda_handler(event, context):\n    time.sleep(1.5)\n    return context.log_stream_name\n"
    function = make_function(owner, code=code, timeout=10)
    results = []

    def run():
        results.append(invoke(function))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status for r in results] == [Invocation.Status.SUCCEEDED] * 2
    assert response(results[0]) != response(results[1])
    assert all(r.cold_start for r in results)
    assert len(containers_of(function)) == 2


def test_it_throttles_past_the_concurrency_limit(owner):
    function = make_function(owner, code="def lambda_handler(event, context):\n    return 1\n", reserved_concurrency=0)
    invocation = invocation_services.invocation_create(function=function, payload="{}")
    assert invocation.status == Invocation.Status.THROTTLED
    assert invocation.error_type == "TooManyRequestsException"
    assert not containers_of(function)


def test_an_idle_container_expires(function):
    assert invoke(function).status == Invocation.Status.SUCCEEDED
    assert len(containers_of(function)) == 1
    # The worker runs with LABDA_IDLE_TIMEOUT=12 s (scripts/test.sh).
    assert wait_until(lambda: not containers_of(function), timeout=40, interval=1)


def test_a_code_change_is_picked_up_and_retires_the_old_container(owner):
    function = make_function(owner, code="def lambda_handler(event, context):\n    return 'old'\n")
    assert response(invoke(function)) == "old"
    old_ids = {c.id for c in containers_of(function)}
    function_services.function_update_code(
        function=function, files={"lambda_function.py": "def lambda_handler(event, context):\n    return 'new'\n"}
    )
    # Retired at once, on every worker, without waiting for an invocation.
    assert wait_until(lambda: not old_ids & {c.id for c in containers_of(function)}, timeout=10)
    second = invoke(function)
    assert response(second) == "new" and second.cold_start is True


def test_deleting_a_function_removes_its_warm_containers(function):
    assert invoke(function).status == Invocation.Status.SUCCEEDED
    assert len(containers_of(function)) == 1
    function_services.function_delete(function=function)
    assert wait_until(lambda: not containers_of(function), timeout=10)


def test_nodejs_context_succeed_runs_unchanged(owner):
    code = 'exports.handler = function(event, context) { context.succeed("Hello World"); };\n'
    function = make_function(owner, runtime="nodejs18.x", code=code)
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.SUCCEEDED
    assert response(invocation) == "Hello World"


def test_nodejs_async_handler_and_error(owner):
    code = (
        "let calls = 0;\n"
        "exports.handler = async (event, context) => {\n"
        "  calls += 1;\n"
        "  console.log('call', calls);\n"
        "  if (event.fail) throw new TypeError('bad input');\n"
        "  return {calls, id: context.awsRequestId};\n"
        "};\n"
    )
    function = make_function(owner, runtime="nodejs18.x", code=code)
    ok = invoke(function)
    assert response(ok) == {"calls": 1, "id": str(ok.pk)}
    assert re.search(rf"\t{ok.pk}\tINFO\tcall 1", ok.log_tail)
    failed = invoke(function, {"fail": True})
    body = response(failed)
    assert body["errorType"] == "TypeError" and body["errorMessage"] == "bad input"
    assert isinstance(body["trace"], list)
    assert failed.cold_start is False


def test_an_unmodified_runtime_client_answers_a_real_invocation(owner):
    """A shell-script custom runtime: it speaks the Runtime API over
    AWS_LAMBDA_RUNTIME_API (host:port) with curl, knowing nothing of Labda."""
    bootstrap = (
        "#!/bin/sh\n"
        "set -eu\n"
        'API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"\n'
        "while true; do\n"
        "  HEADERS=$(mktemp)\n"
        '  EVENT=$(curl -sS -D "$HEADERS" "$API/next")\n'
        "  REQUEST_ID=$(grep -i '^lambda-runtime-aws-request-id:' \"$HEADERS\" | tr -d '\\r' | cut -d' ' -f2)\n"
        '  echo "custom runtime got $EVENT"\n'
        '  curl -sS -o /dev/null -X POST "$API/$REQUEST_ID/response" -d "{\\"echo\\": $EVENT, \\"id\\": \\"$REQUEST_ID\\"}"\n'
        "done\n"
    )
    function = make_function(owner, runtime="provided", files={"bootstrap": bootstrap}, handler="function.handler")
    first = invoke(function, {"hello": "world"})
    assert first.status == Invocation.Status.SUCCEEDED, first.response
    assert response(first) == {"echo": {"hello": "world"}, "id": str(first.pk)}
    assert 'custom runtime got {"hello": "world"}' in first.log_tail
    second = invoke(function, {"n": 2})
    assert response(second)["echo"] == {"n": 2} and second.cold_start is False


def test_the_task_is_safe_to_run_twice(owner):
    from functions.services.execution import invocation_execute

    function = make_function(owner, code=COUNTER)
    invocation = invoke(function)
    invocation_execute(invocation_id=str(invocation.pk))  # a redelivered task
    invocation.refresh_from_db()
    assert invocation.attempts == 1
    assert response(invocation)["count"] == 1


def _blueprint(name: str):
    from django.core.management import call_command

    from functions.models import Blueprint

    call_command("load_blueprints")
    return Blueprint.objects.get(name=name)


def test_configuration_changes_reach_the_next_invocation(owner):

    code = "import os\ndef lambda_handler(event, context):\n    return [os.environ.get('COLOR'), context.memory_limit_in_mb]\n"
    function = make_function(owner, code=code)
    assert response(invoke(function)) == [None, "128"]
    configuration.function_update_environment(function=function, keys=["COLOR"], values=["blue"])
    configuration.function_update_general(function=function, description="", memory_size=256, timeout=3, ephemeral_storage=512)
    changed = invoke(function)
    assert response(changed) == ["blue", "256"] and changed.cold_start is True
    # The container that ran it (named after the environment in its log stream).
    container = docker.from_env().containers.get(f"labda-{changed.log_stream.name[-32:]}")
    assert container.attrs["HostConfig"]["Memory"] == 256 * 1024 * 1024
    assert container.attrs["HostConfig"]["CpuShares"] == 148


def test_versions_and_aliases_run_their_own_code(owner):
    function = make_function(
        owner, name="Versioned", code="def lambda_handler(event, context):\n    return ['v1', context.invoked_function_arn]\n"
    )
    versions.version_publish(function=function)
    function_services.function_update_code(
        function=function,
        files={
            "lambda_function.py": "def lambda_handler(event, context):\n    return ['latest', context.invoked_function_arn]\n"
        },
    )
    versions.alias_create(function=function, name="prod", version="1")
    via_alias = invoke(function, qualifier="prod")
    assert response(via_alias) == ["v1", "arn:aws:lambda:us-east-1:123456789012:function:Versioned:prod"]
    assert via_alias.version == "1" and via_alias.alias == "prod"
    assert "[1]" in via_alias.log_stream.name and f"START RequestId: {via_alias.pk} Version: 1" in via_alias.log_tail
    assert response(invoke(function))[0] == "latest"


def test_a_role_without_log_permission_keeps_no_log_stream(owner):

    function = make_function(owner, code="def lambda_handler(event, context):\n    print('hidden')\n    return 1\n")
    configuration.role_update_policies(role=function.role, policies_json='[{"name": "Nothing", "document": {"Statement": []}}]')
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.SUCCEEDED
    assert invocation.log_stream is None and not LogEvent.objects.filter(request_id=invocation.pk).exists()
    # The console's execution result still shows the log tail, as Lambda's LogResult.
    assert "hidden" in invocation.log_tail


def test_a_failed_async_invocation_is_retried_twice_with_the_same_request_id(owner):
    import time

    function = make_function(
        owner,
        code="def lambda_handler(event, context):\n    print('attempt', context.aws_request_id)\n    raise ValueError('nope')\n",
    )
    invocation = invocation_services.invocation_create(function=function, payload="{}", invocation_type=Invocation.Type.EVENT)
    assert wait_until(
        lambda: Invocation.objects.get(pk=invocation.pk).attempts == 3 and Invocation.objects.get(pk=invocation.pk).is_finished,
        timeout=60,
        interval=0.5,
    )
    time.sleep(0.5)
    invocation.refresh_from_db()
    assert invocation.status == Invocation.Status.FAILED and invocation.error_type == "ValueError"
    starts = LogEvent.objects.filter(request_id=invocation.pk, message__startswith="START RequestId:")
    assert [e.message for e in starts] == [f"START RequestId: {invocation.pk} Version: $LATEST"] * 3
    # A synchronous invocation is never retried: that is the caller's job.
    sync = invoke(function)
    time.sleep(2)
    sync.refresh_from_db()
    assert sync.attempts == 1 and sync.status == Invocation.Status.FAILED


def test_init_output_comes_before_start(owner):
    function = make_function(
        owner, code="print('loading')\ndef lambda_handler(event, context):\n    print('handling')\n    return 1\n"
    )
    for _ in range(5):
        function_services.function_update_code(
            function=function,
            files={
                "lambda_function.py": "print('loading')\ndef lambda_handler(event, context):\n    print('handling')\n    return 1\n# "
                + str(_)
            },
        )
        invocation = invoke(function)
        events = list(LogEvent.objects.filter(request_id=invocation.pk).order_by("timestamp", "id"))
        assert events[0].message.startswith("INIT_START Runtime Version: python:3.11.")
        assert [e.message for e in events[1:4]] == ["loading", f"START RequestId: {invocation.pk} Version: $LATEST", "handling"]


def test_a_second_worker_host_shares_the_work_and_the_limit(owner, settings):
    """Scale-out is Celery's: another worker (its own name, socket folder and
    code cache, as on another host) takes invocations from the same queue,
    and a function's concurrency limit holds across both."""
    from conftest import start_worker, stop_worker

    first_name = settings.LABDA_WORKER_NAME
    second_name = f"{first_name}-b"
    second = start_worker(
        "worker-b",
        LABDA_WORKER_NAME=second_name,
        LABDA_RUN_DIR=f"{settings.LABDA_RUN_DIR}-b",
        LABDA_CODE_DIR=f"{settings.LABDA_CODE_DIR}-b",
    )
    try:
        code = "import time\ndef lambda_handler(event, context):\n    time.sleep(2)\n    return context.log_stream_name\n"
        # More at once than the first worker's 8 threads can take: the rest
        # must go to the second worker.
        function = make_function(owner, code=code, timeout=20, reserved_concurrency=12)
        created = [invocation_services.invocation_create(function=function, payload="{}") for _ in range(14)]
        statuses = [i.status for i in created]
        # The limit is counted in Redis, for every worker host at once.
        assert statuses.count(Invocation.Status.THROTTLED) == 2
        assert wait_until(lambda: all(Invocation.objects.get(pk=i.pk).is_finished for i in created), timeout=60)
        workers = {c.labels["labda.worker"] for c in containers_of(function)}
        assert workers == {first_name, second_name}
        ran = Invocation.objects.filter(function=function, status=Invocation.Status.SUCCEEDED)
        assert ran.count() == 12 and len({i.log_stream_id for i in ran}) == 12
    finally:
        stop_worker(second)
