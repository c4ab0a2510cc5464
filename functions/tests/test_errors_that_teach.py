"""Errors that teach: each error type says what it means and links to the
setting that fixes it; Deploy refuses code that does not parse and names the
line."""

from __future__ import annotations

import json
import shutil

import pytest
from django.urls import reverse

from functions.errorhelp import error_help
from functions.models import Function, Invocation
from functions.services import functions as function_services
from functions.services.syntax import CodeSyntaxError, code_check_syntax

pytestmark = pytest.mark.django_db

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}
BROKEN = {"lambda_function.py": "def lambda_handler(event, context):\n    return event['a'\n\n", "util.py": "X = 1\n"}


@pytest.fixture
def function(owner):
    return function_services.function_create(owner=owner, name="Teach", runtime="python3.11", files=CODE)


@pytest.mark.parametrize(
    ("error_type", "message", "status", "link"),
    [
        ("Sandbox.Timedout", "Task timed out after 3.00 seconds", "timed_out", "?tab=configuration#config-general"),
        ("", "", "timed_out", "?tab=configuration#config-general"),
        ("Runtime.OutOfMemory", "Runtime exited with error: signal: killed", "failed", "?tab=configuration#config-general"),
        ("Runtime.ImportModuleError", "Unable to import module 'lambda_function'", "failed", "?tab=configuration#config-runtime"),
        (
            "Runtime.HandlerNotFound",
            "Handler 'main' missing on module 'lambda_function'",
            "failed",
            "?tab=configuration#config-runtime",
        ),
        ("Runtime.UserCodeSyntaxError", "Syntax error in module 'lambda_function'", "failed", "?tab=code#code-source"),
        ("KeyError", "'key1'", "failed", "?tab=test#event-editor"),
        ("TypeError", "Cannot read properties of undefined (reading 'name')", "failed", "?tab=test#event-editor"),
    ],
)
def test_it_explains_each_error_and_links_to_its_setting(error_type, message, status, link):
    help = error_help(error_type=error_type, error_message=message, status=status)
    assert help is not None and help.text
    assert help.query == link


def test_it_has_nothing_to_say_about_an_error_of_the_users_own():
    assert error_help(error_type="ValueError", error_message="bad", status="failed") is None


def test_the_execution_result_shows_the_explanation_beside_the_error(client, owner, function):
    invocation = Invocation.objects.create(
        function=function,
        status=Invocation.Status.FAILED,
        function_error="Unhandled",
        error_type="Runtime.HandlerNotFound",
        error_message="Handler 'lambda_handler' missing on module 'lambda_function'",
        response=json.dumps({"errorType": "Runtime.HandlerNotFound"}),
    )
    client.force_login(owner)
    for url in (
        reverse("functions:invocation-result", args=[function.pk, invocation.pk]),
        reverse("functions:invocation-detail", args=[function.pk, invocation.pk]),
    ):
        text = client.get(url).content.decode()
        assert 'id="error-help"' in text, url
        assert f'href="/functions/{function.pk}/?tab=configuration#config-runtime"' in text, url


def test_a_syntax_error_names_its_file_and_line():
    with pytest.raises(CodeSyntaxError) as caught:
        code_check_syntax(files=BROKEN)
    assert caught.value.file == "lambda_function.py" and caught.value.line == 2
    assert "SyntaxError in lambda_function.py, line 2" in str(caught.value)
    code_check_syntax(files=CODE)  # good code passes


@pytest.mark.skipif(shutil.which("node") is None, reason="no node: JavaScript is left to the runtime (checked in the service)")
def test_a_javascript_syntax_error_names_its_line():
    files = {"index.mjs": "export const handler = async (event) => {\n  return 1\n  let x = ;\n};\n"}
    with pytest.raises(CodeSyntaxError) as caught:
        code_check_syntax(files=files)
    assert caught.value.file == "index.mjs" and caught.value.line == 3
    code_check_syntax(files={"index.mjs": "export const handler = async () => 1;\n", "package.json": "{}"})


def test_deploy_refuses_code_that_does_not_parse_and_keeps_the_old_code(client, owner, function):
    before = function.code_sha256
    client.force_login(owner)
    response = client.post(
        reverse("functions:deploy", args=[function.pk]), {"files": json.dumps(BROKEN)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "SyntaxError in lambda_function.py, line 2" in text
    assert 'data-error-file="lambda_function.py" data-error-line="2"' in text
    assert Function.objects.get(pk=function.pk).code_sha256 == before


def test_without_node_javascript_is_left_to_the_runtime(monkeypatch):
    monkeypatch.setattr("functions.services.syntax.shutil.which", lambda name: None)
    code_check_syntax(files={"index.mjs": "export const handler = async (event) => {\n  let x = ;\n};\n"})
