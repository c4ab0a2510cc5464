"""The first flow in a real browser (headless Chromium driven by Playwright):
sign in, create HelloWorld from the hello-world-python blueprint, save the
hello-world event as HelloWorldTestEvent, Test, then break the event and
Test again. Screenshots go to test-output/screenshots/ for people to look at."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from functions.models import Function, Invocation, TestEvent

from .browser import open_test_tab, set_event_json, shot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]


def test_hello_world_from_a_blueprint_to_a_keyerror(page, live_server, owner):
    call_command("load_blueprints")
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "student1")
    page.fill("#id_password", "pw-student1")
    shot(page, "01-sign-in")
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Functions')")
    assert page.is_visible("text=You have not created any functions yet")
    shot(page, "02-functions-empty")

    page.click("a:has-text('Create function')")
    page.click("text=Use a blueprint")
    page.wait_for_selector("#blueprint-cards")
    page.fill("input[name=blueprint_q]", "hello-world")
    page.wait_for_function("() => document.querySelectorAll('#blueprint-cards .card').length < 9")
    cards = page.locator("#blueprint-cards .card").all_inner_texts()
    assert any("hello-world-python" in c for c in cards) and any(c.startswith("hello-world\n") for c in cards)
    assert not any("s3-object-handler" in c for c in cards)
    page.click("[data-blueprint=hello-world-python]")
    page.fill("#id_name", "HelloWorld")
    page.click("summary:has-text('Change default execution role')")
    assert page.is_checked("input[name=role_choice][value=new]")
    shot(page, "03-create-from-blueprint")
    page.click("#create-function")

    page.wait_for_selector("text=Successfully created the function HelloWorld")
    page.wait_for_selector("#code-source .CodeMirror")
    assert "print(\"value1 = \" + event['key1'])" in page.inner_text("#code-source .CodeMirror")
    shot(page, "04-code-tab")

    page.click("a[role=tab]:has-text('Test')")
    page.wait_for_selector("#event-editor .CodeMirror")
    assert page.input_value("#id_template") == "hello-world"
    page.fill("#id_event_name", "HelloWorldTestEvent")
    page.click("#save-event")
    page.wait_for_selector("text=The test event HelloWorldTestEvent was successfully saved.")
    assert TestEvent.objects.filter(name="HelloWorldTestEvent", function__name="HelloWorld").exists()

    page.click("#test-button")
    page.wait_for_selector("#execution-result[data-status]", timeout=60_000)
    result = page.inner_text("#execution-result")
    assert "Executing function: succeeded" in result
    assert '"value1"' in page.inner_text("#result-response")
    for label in ("Request ID", "Init duration", "Duration", "Billed duration", "Resources configured", "Max memory used"):
        assert label in result
    invocation = Invocation.objects.get(function__name="HelloWorld")
    assert str(invocation.pk) in result
    assert f"{invocation.max_memory_used_mb} MB" in result and f"{invocation.duration_ms:.2f} ms" in result
    log = page.inner_text("#log-output")
    # A cold start: INIT_START, the init output, then START (as the real console shows it).
    assert log.startswith("INIT_START Runtime Version: python:3.") and "\nLoading function\nSTART RequestId:" in log
    assert "value1 = value1" in log and "REPORT RequestId:" in log
    shot(page, "05-test-succeeded")

    set_event_json(page, '{\n  "key2": "value2",\n  "key3": "value3"\n}')
    page.click("#test-button")
    page.wait_for_selector("#execution-result[data-status=failed]", timeout=60_000)
    response = page.inner_text("#result-response")
    assert '"errorMessage": "\'key1\'"' in response and '"errorType": "KeyError"' in response and '"stackTrace"' in response
    assert "Init duration" not in page.inner_text("#execution-result")  # warm now
    assert "[ERROR] KeyError: 'key1'" in page.inner_text("#log-output")
    shot(page, "06-test-keyerror")
    assert Function.objects.get(name="HelloWorld").invocations.count() == 2


def test_a_bad_event_and_a_bad_name_get_clear_messages(page, live_server, function):
    sign_in(page, live_server)
    open_test_tab(page, live_server, function)
    set_event_json(page, '{"key1": }')
    page.click("#test-button")
    page.wait_for_selector("#execution-result.result-failed")
    assert "line 1, column 10" in page.inner_text("#execution-result")
    assert not Invocation.objects.filter(function=function).exists()
    shot(page, "07-test-invalid-json")

    page.goto(f"{live_server.url}/functions/create/")
    page.fill("#id_name", "has spaces")
    page.click("#create-function")
    page.wait_for_selector("#create-error")
    assert "can contain only letters, numbers, hyphens or underscores" in page.inner_text("#create-error")
    shot(page, "08-create-bad-name")
