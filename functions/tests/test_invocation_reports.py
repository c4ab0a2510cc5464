"""What an invocation reports, through the real worker and real containers:
measured memory on a timeout and an out-of-memory, Decimal responses,
INIT_START, the trace id, and multi-line log records."""

from __future__ import annotations

import re

import pytest

from functions.models import Invocation, LogEvent

from .helpers import invoke, make_function, response

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]


def report_memory(invocation: Invocation) -> int:
    report = LogEvent.objects.get(request_id=invocation.pk, message__startswith="REPORT ").message
    match = re.search(r"\tMax Memory Used: (\d+) MB\t", report)
    assert match, report
    return int(match.group(1))


def test_a_timeout_reports_the_memory_it_used(owner):
    code = "import time\nhog = bytearray(40 * 1024 * 1024)\ndef lambda_handler(event, context):\n    time.sleep(30)\n"
    function = make_function(owner, code=code, timeout=1, memory_size=256)
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.TIMED_OUT
    # Measured before the container was killed (a cold start: no earlier reading).
    assert invocation.max_memory_used_mb is not None and invocation.max_memory_used_mb >= 40
    assert report_memory(invocation) == invocation.max_memory_used_mb


def test_an_out_of_memory_reports_its_peak_not_an_earlier_reading(owner):
    code = (
        "def lambda_handler(event, context):\n"
        "    if not event.get('hog'):\n"
        "        return 'small'\n"
        "    hog = []\n"
        "    while True:\n"
        "        hog.append(bytearray(8 * 1024 * 1024))\n"
    )
    function = make_function(owner, code=code, memory_size=128, timeout=20)
    small = invoke(function, {})
    assert small.max_memory_used_mb < 100
    oom = invoke(function, {"hog": True})
    assert oom.error_type == "Runtime.OutOfMemory" and oom.cold_start is False
    # The kernel killed it at its limit: that is its peak.
    assert oom.max_memory_used_mb >= 120
    assert report_memory(oom) == oom.max_memory_used_mb


def test_a_decimal_in_the_response_is_a_json_number(owner):
    code = (
        "from decimal import Decimal\n"
        "def lambda_handler(event, context):\n"
        "    return {'price': Decimal('19.99'), 'count': Decimal('3'), 'ratio': 0.5}\n"
    )
    invocation = invoke(make_function(owner, code=code))
    assert invocation.status == Invocation.Status.SUCCEEDED, invocation.response
    assert invocation.response == '{"price": 19.99, "count": 3, "ratio": 0.5}'


def test_init_start_opens_a_cold_start_only(owner):
    function = make_function(owner, code="print('loading')\ndef lambda_handler(event, context):\n    return 1\n")
    cold, warm = invoke(function), invoke(function)
    cold_lines = [e.message for e in LogEvent.objects.filter(request_id=cold.pk)]
    assert re.fullmatch(
        r"INIT_START Runtime Version: python:3\.11\.[0-9a-f]{12}\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}",
        cold_lines[0],
    ), cold_lines[0]
    assert cold_lines[1:3] == ["loading", f"START RequestId: {cold.pk} Version: $LATEST"]
    warm_lines = [e.message for e in LogEvent.objects.filter(request_id=warm.pk)]
    assert warm_lines[0].startswith("START RequestId:")
    assert not [line for line in warm_lines if line.startswith("INIT_START")]


TRACE_ID = r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0"


@pytest.mark.parametrize(
    ("runtime", "code"),
    [
        ("python3.11", "import os\ndef lambda_handler(event, context):\n    return os.environ.get('_X_AMZN_TRACE_ID')\n"),
        ("nodejs18.x", "exports.handler = async () => process.env._X_AMZN_TRACE_ID;\n"),
    ],
)
def test_each_invocation_gets_a_trace_id(owner, runtime, code):
    function = make_function(owner, runtime=runtime, code=code)
    first, second = invoke(function), invoke(function)
    assert re.fullmatch(TRACE_ID, response(first)), response(first)
    assert re.fullmatch(TRACE_ID, response(second)) and response(first) != response(second)


def test_a_multi_line_log_record_is_one_event(owner):
    code = (
        "import logging\n"
        "logger = logging.getLogger()\n"
        "logger.setLevel(logging.INFO)\n"
        "def lambda_handler(event, context):\n"
        "    try:\n"
        "        1 / 0\n"
        "    except ZeroDivisionError:\n"
        "        logger.exception('it failed')\n"
        "    print('after')\n"
        "    return 1\n"
    )
    invocation = invoke(make_function(owner, code=code))
    messages = [e.message for e in LogEvent.objects.filter(request_id=invocation.pk)]
    (record,) = [m for m in messages if "it failed" in m]
    # One event, its lines kept as lines, as CloudWatch shows a traceback.
    assert record.startswith("[ERROR]\t") and record.endswith("ZeroDivisionError: division by zero")
    assert "\nTraceback (most recent call last):\n" in record
    assert messages.index(record) < messages.index("after")


def test_the_execution_result_of_a_timeout_shows_max_memory_used(page, live_server, owner):
    from .browser import shot, sign_in

    code = "import time\ndef lambda_handler(event, context):\n    time.sleep(30)\n"
    function = make_function(owner, code=code, timeout=1)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/functions/{function.pk}/?tab=test")
    page.click("#test-button")
    page.wait_for_selector("#execution-result[data-status]", timeout=60_000)
    summary = page.inner_text("#execution-result")
    shot(page, "60-timeout-max-memory-used")
    assert "Task timed out after 1.00 seconds" in summary
    match = re.search(r"Max memory used\s+(\d+) MB", summary)
    assert match and int(match.group(1)) > 0, summary


def test_a_nodejs_console_record_with_newlines_is_one_event(owner):
    code = "exports.handler = async () => {\n  console.log('first line\\nsecond line');\n  return 1;\n};\n"
    invocation = invoke(make_function(owner, runtime="nodejs18.x", code=code))
    messages = [e.message for e in LogEvent.objects.filter(request_id=invocation.pk)]
    (record,) = [m for m in messages if "first line" in m]
    assert record.endswith(f"\t{invocation.pk}\tINFO\tfirst line\nsecond line"), record
