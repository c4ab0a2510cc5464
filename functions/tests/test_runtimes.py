"""One set of compatibility tests for every runtime: each managed runtime
(Python 3.11 and 3.13, Node.js 18, 20 and 22) and awslambdaric, AWS's own
Python runtime client, run unmodified as a `provided` runtime. They run real
invocations through the real worker, in the runtime images."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from functions.models import Function, Invocation, LogEvent
from functions.services import functions as function_services

from .helpers import containers_of, invoke, response, wait_until
from .runtime_code import AWSLAMBDARIC, RUNTIMES, Runtime, pip_target, zip_folder

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

CACHE = Path(__file__).resolve().parents[2] / "var" / "test-packages"
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture(params=RUNTIMES, ids=[r.label for r in RUNTIMES])
def runtime(request) -> Runtime:
    return request.param


def make(owner, runtime: Runtime, code_key: str, *, name: str = "Compat", files: dict[str, str] | None = None, **config):
    """A function of `runtime` whose handler file holds the code `code_key`."""
    files = files if files is not None else {runtime.filename: runtime.code[code_key]}
    if runtime.extra_files:
        ric = pip_target(CACHE, AWSLAMBDARIC)
        data = zip_folder(ric, extra={**files, **dict(runtime.extra_files)})
        function = function_services.function_create(
            owner=owner, name=name, runtime=runtime.id, zip_bytes=data, handler=runtime.handler
        )
    else:
        function = function_services.function_create(owner=owner, name=name, runtime=runtime.id, files=files)
    Function.objects.filter(pk=function.pk).update(**config) if config else None
    function.refresh_from_db()
    return function


def lines_of(invocation: Invocation) -> list[str]:
    """The invocation's own lines from START on (a cold start's INIT_START and
    init output come before it)."""
    lines = [e.message for e in LogEvent.objects.filter(request_id=invocation.pk)]
    starts = [i for i, line in enumerate(lines) if line.startswith("START RequestId:")]
    return lines[starts[0] :] if starts else lines


def test_the_context_and_environment(owner, runtime):
    function = make(owner, runtime, "context", name="CtxFn", timeout=5)
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.SUCCEEDED, invocation.response
    body = response(invocation)
    assert body["requestId"] == str(invocation.pk)
    assert body["name"] == "CtxFn" and body["version"] == "$LATEST"
    assert body["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:CtxFn"
    assert body["memory"] == "128"  # a string, as on AWS
    assert body["group"] == "/aws/lambda/CtxFn"
    assert body["stream"] == invocation.log_stream.name
    assert 3000 < body["remaining"] <= 5000
    assert body["env"] == runtime.execution_env and body["handler"] == runtime.handler
    assert body["task"] == "/var/task" and body["uid"] == 993
    if runtime.id != "provided":
        assert body["language"] == runtime.id  # the runtime really is that version


def test_a_handler_error_has_lambdas_shape(owner, runtime):
    invocation = invoke(make(owner, runtime, "error"))
    assert invocation.status == Invocation.Status.FAILED and invocation.function_error == "Unhandled"
    body = response(invocation)
    if runtime.family == "python":
        assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert body["errorMessage"] == "bad input" and body["errorType"] == "ValueError"
        assert body["requestId"] == str(invocation.pk)
        assert 'File "/var/task/lambda_function.py", line 2, in lambda_handler' in body["stackTrace"][0]
        # One record, traceback included, as the official client writes it.
        assert "[ERROR] ValueError: bad input\nTraceback (most recent call last):" in invocation.log_tail
    else:
        assert list(body) == ["errorType", "errorMessage", "trace"]
        assert body["errorType"] == "TypeError" and body["errorMessage"] == "bad input"
        assert body["trace"][0] == "TypeError: bad input" and "/var/task/index.js:1" in body["trace"][1]
        assert re.search(rf"{TIME}\t{invocation.pk}\tERROR\tInvoke Error \t\{{", invocation.log_tail)


def test_log_lines_have_lambdas_format(owner, runtime):
    invocation = invoke(make(owner, runtime, "logs"))
    body = lines_of(invocation)[1:-2]  # between START and END/REPORT
    assert body[0] == "plain line"
    if runtime.family == "python":
        assert re.fullmatch(rf"\[INFO\]\t{TIME}\t{invocation.pk}\tinfo line", body[1])
    else:
        assert re.fullmatch(rf"{TIME}\t{invocation.pk}\tINFO\tinfo line", body[1])
    assert lines_of(invocation)[0] == f"START RequestId: {invocation.pk} Version: $LATEST"


def test_init_errors(owner, runtime):
    missing = invoke(make(owner, runtime, "", name="NoModule", files={"other.txt": "x"}))
    assert missing.status == Invocation.Status.FAILED
    assert response(missing)["errorType"] == "Runtime.ImportModuleError"
    assert missing.init_duration_ms is not None
    no_handler = invoke(make(owner, runtime, "no_handler", name="NoHandler"))
    body = response(no_handler)
    assert body["errorType"] == "Runtime.HandlerNotFound"
    if runtime.family == "python":
        assert response(missing)["errorMessage"] == "Unable to import module 'lambda_function': No module named 'lambda_function'"
        assert body["errorMessage"] == "Handler 'lambda_handler' missing on module 'lambda_function'"
    else:
        assert response(missing)["errorMessage"].startswith("Error: Cannot find module 'index'")
        assert body["errorMessage"] == "index.handler is undefined or not exported"


def test_a_timeout_kills_the_environment(owner, runtime):
    function = make(owner, runtime, "sleep", timeout=1)
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.TIMED_OUT
    assert response(invocation) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {invocation.pk} Error: Task timed out after 1.00 seconds",
    }
    assert wait_until(lambda: not containers_of(function))


def test_out_of_memory(owner, runtime):
    invocation = invoke(make(owner, runtime, "hog", memory_size=128, timeout=20))
    assert invocation.status == Invocation.Status.FAILED
    assert invocation.error_type == "Runtime.OutOfMemory"
    assert response(invocation)["errorMessage"] == f"RequestId: {invocation.pk} Error: Runtime exited with error: signal: killed"


def test_an_exit_is_a_runtime_exit_error(owner, runtime):
    invocation = invoke(make(owner, runtime, "exit"))
    assert invocation.error_type == "Runtime.ExitError"
    assert response(invocation)["errorMessage"] == f"RequestId: {invocation.pk} Error: Runtime exited with error: exit status 3"


@pytest.mark.parametrize("runtime_id", ["nodejs18.x", "nodejs20.x", "nodejs22.x"])
def test_an_es_module_handler_runs(owner, runtime_id):
    """index.mjs with `export const handler`, as the console's starter code for
    Node.js is today; it can import the runtime's AWS SDK too."""
    code = (
        "import { LambdaClient } from '@aws-sdk/client-lambda';\n"
        "import { readFileSync } from 'node:fs';\n"
        "export const handler = async (event, context) => ({\n"
        "  esm: typeof require === 'undefined', node: process.version, sdk: typeof LambdaClient,\n"
        "  id: context.awsRequestId, hello: event.name,\n"
        "});\n"
    )
    function = function_services.function_create(owner=owner, name="Esm", runtime=runtime_id, files={"index.mjs": code})
    # Loading the SDK's ES modules at 128 MB's share of a CPU can outlast 3 s
    # on a busy host (as on Lambda): give it a whole vCPU and some time.
    Function.objects.filter(pk=function.pk).update(memory_size=1769, timeout=15)
    invocation = invoke(function, {"name": "world"})
    assert invocation.status == Invocation.Status.SUCCEEDED, invocation.response
    body = response(invocation)
    assert body["esm"] is True and body["sdk"] == "function" and body["hello"] == "world"
    assert body["node"].startswith("v" + runtime_id[6:8] + ".")
    assert body["id"] == str(invocation.pk)
