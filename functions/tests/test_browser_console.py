"""The console's pages in a real browser, including their failure paths:
author from scratch, edit and deploy, configuration, versions and aliases,
upload, and delete from the list. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import io
import zipfile

import pytest

from functions.models import Alias, Function, FunctionVersion, Invocation

from .browser import open_test_tab, run_test, set_event_json, shot, sign_in
from .helpers import make_function

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]


def test_author_edit_configure_version_alias_and_delete(page, live_server, owner, tmp_path):
    sign_in(page, live_server)
    page.click("a:has-text('Create function')")
    page.fill("#id_name", "Greeter")
    page.select_option("#id_runtime", "nodejs18.x")
    page.click("#create-function")
    page.wait_for_selector("text=Successfully created the function Greeter")
    function = Function.objects.get(name="Greeter")
    assert function.handler == "index.handler"

    # Edit in the browser: the unsaved marker shows until Deploy.
    page.wait_for_selector("#code-source .CodeMirror")
    assert page.is_hidden("#unsaved")
    code = "export const handler = async (event) => {\n  console.log('greeting', event.name);\n  return `Hello, ${event.name} (${process.env.GREETING || 'no greeting'})`;\n};\n"
    page.evaluate("c => document.querySelector('#code-source .CodeMirror').CodeMirror.setValue(c)", code)
    page.evaluate("() => labdaCode.cm.setValue(labdaCode.cm.getValue())")
    assert page.is_visible("#unsaved")
    page.click("li[data-file='index.mjs']")
    shot(page, "10-code-unsaved")
    page.click("#deploy")
    page.wait_for_selector("text=Successfully updated the function Greeter.")
    page.wait_for_function("() => document.getElementById('unsaved').hidden")

    # Test from the Code tab: code, event, result and logs on one screen.
    set_event_json(page, '{"name": "Ada"}')
    result = run_test(page)
    assert "succeeded" in result and "Hello, Ada (no greeting)" in page.inner_text("#result-response")
    assert "greeting Ada" in page.inner_text("#log-output")
    shot(page, "11-code-tab-test")

    # Configuration: a limit violation is named on the page; then valid values save.
    page.click("a[role=tab]:has-text('Configuration')")
    page.fill("#id_memory_size", "64")
    page.click("#config-general button[type=submit]")
    page.wait_for_selector("#config-general .alert-error")
    assert "between 128 MB and 10240 MB" in page.inner_text("#config-general .alert-error")
    shot(page, "12-config-memory-error")
    page.fill("#id_memory_size", "256")
    page.click("#config-general button[type=submit]")
    page.wait_for_selector("#config-general .alert-success")
    page.click("#config-environment .add-row")
    page.fill("#config-environment tbody tr:last-child input[name=key]", "AWS_REGION")
    page.fill("#config-environment tbody tr:last-child input[name=value]", "eu-west-1")
    page.click("#config-environment button[type=submit]")
    page.wait_for_selector("#config-environment .alert-error")
    assert "Reserved keys used in this request: AWS_REGION" in page.inner_text("#config-environment")
    page.fill("#config-environment tbody tr:last-child input[name=key]", "GREETING")
    page.fill("#config-environment tbody tr:last-child input[name=value]", "hi")
    page.click("#config-environment button[type=submit]")
    page.wait_for_selector("#config-environment .alert-success")
    shot(page, "13-config-saved")
    function.refresh_from_db()
    assert function.memory_size == 256 and function.environment == {"GREETING": "hi"}

    # Versions: publish 1; publishing again without a change makes no version 2.
    page.click("a[role=tab]:has-text('Versions')")
    page.click("#publish-version")
    page.wait_for_selector("text=Successfully created version 1 of function Greeter.")
    page.click("#publish-version")
    page.wait_for_selector("text=Nothing changed since version 1")
    assert FunctionVersion.objects.filter(function=function).count() == 1
    shot(page, "14-versions")

    # Aliases: a numeric name is refused; prod -> 1 is created.
    page.click("a[role=tab]:has-text('Aliases')")
    page.fill("#id_alias_name", "123")
    page.click("#save-alias")
    page.wait_for_selector("#aliases-tab .alert-error")
    page.fill("#id_alias_name", "prod")
    page.select_option("#id_alias_version", "1")
    page.click("#save-alias")
    page.wait_for_selector("text=Successfully created alias prod.")
    assert Alias.objects.get(function=function).version == "1"
    shot(page, "15-aliases")

    # Test by qualifier: Greeter:prod runs version 1.
    page.click("a:has-text('prod')")
    page.wait_for_selector("#event-editor .CodeMirror")
    assert page.input_value("#id_qualifier") == "prod"
    set_event_json(page, '{"name": "Grace"}')
    run_test(page)
    assert "Hello, Grace (hi)" in page.inner_text("#result-response")
    assert "Version: 1" in page.inner_text("#log-output")
    shot(page, "16-test-alias")

    # Upload a .zip that is not one: a clear message, the code unchanged.
    page.click("a[role=tab]:has-text('Code')")
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"this is not a zip")
    page.click("summary:has-text('Upload from')")
    page.set_input_files("#id_upload_zip", str(bad))
    page.click("#upload-zip")
    page.wait_for_selector("text=Could not unzip uploaded file")
    shot(page, "17-upload-bad-zip")
    good = tmp_path / "good.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", "exports.handler = async () => 'from the zip';\n")
    good.write_bytes(buffer.getvalue())
    page.click("summary:has-text('Upload from')")
    page.set_input_files("#id_upload_zip", str(good))
    page.click("#upload-zip")
    page.wait_for_selector("text=Successfully updated the function Greeter.")
    run_test(page)
    assert "from the zip" in page.inner_text("#result-response")

    # Delete from the list, after typing the word "delete", as on AWS.
    page.goto(f"{live_server.url}/functions/")
    page.check("input[data-name=Greeter]")
    page.click("#delete-selected")
    page.fill("#id_delete_many_confirm", "delete")
    page.click("#delete-selected-confirm")
    page.wait_for_selector("text=Successfully deleted Greeter.")
    assert not Function.objects.filter(name="Greeter").exists()
    shot(page, "18-deleted")


SLOW = "import time\ndef lambda_handler(event, context):\n    print('working')\n    time.sleep(4)\n    return event.get('answer', 'done')\n"


def test_a_slow_test_shows_progress_then_the_result(page, live_server, owner):
    function = make_function(owner, name="Slow", code=SLOW, timeout=10)
    sign_in(page, live_server)
    open_test_tab(page, live_server, function)
    page.click("#test-button")
    page.wait_for_selector("#execution-result.result-running")
    assert "Executing function: running" in page.inner_text("#execution-result")
    shot(page, "19-test-running")
    page.wait_for_selector("#execution-result[data-status=succeeded]", timeout=30_000)
    assert '"done"' in page.inner_text("#result-response")


def test_an_asynchronous_test_is_queued_then_shows_its_result(page, live_server, owner):
    function = make_function(owner, name="Async", code=SLOW, timeout=10)
    sign_in(page, live_server)
    open_test_tab(page, live_server, function)
    set_event_json(page, '{"answer": "async done"}')
    page.check("input[name=invocation_type][value=Event]")
    page.click("#test-button")
    # Accepted at once (202), before the worker has even picked it up.
    page.wait_for_selector("#execution-result.result-running")
    queued = page.inner_text("#execution-result")
    assert "Executing function: queued" in queued and "Invoked asynchronously (202 Accepted)" in queued
    shot(page, "20-test-async-queued")
    page.wait_for_selector("#execution-result[data-status=succeeded]", timeout=30_000)
    assert '"async done"' in page.inner_text("#result-response")
    assert Invocation.objects.get(function=function).invocation_type == "Event"
