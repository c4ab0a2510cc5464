"""Issue 8 in a real browser: Back after a log filter shows the whole page,
Download follows the typed filter, times show local with UTC on hover, Deploy
marks a syntax error's line and refreshes the SHA, the create tiles keep the
typed name, and deleting asks for the word and keeps the logs.
Screenshots go to test-output/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from functions.models import Function, Invocation, LogGroup
from functions.services import functions as function_services
from functions.services import logs as log_services

from .browser import shot, sign_in
from .helpers import group_of

pytestmark = pytest.mark.django_db(transaction=True)

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}


def code_editor_set(page, text: str) -> None:
    page.evaluate("t => document.querySelector('#code-source .CodeMirror').CodeMirror.setValue(t)", text)


def test_create_tiles_keep_the_name_and_show_blueprint_code(page, live_server, owner):
    call_command("load_blueprints")
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/functions/create/")
    page.fill("#id_name", "KeepMe")
    page.click("text=Use a blueprint")
    page.wait_for_selector("#blueprint-cards")
    assert page.input_value("#id_name") == "KeepMe"
    page.click("[data-blueprint=hello-world-python]")
    page.wait_for_selector("#preview-hello-world-python[open]")
    assert "def lambda_handler" in page.inner_text("#preview-hello-world-python")
    shot(page, "40-blueprint-preview")


def test_deploy_marks_a_syntax_error_then_refreshes_the_sha(page, live_server, owner):
    function = function_services.function_create(owner=owner, name="Marked", runtime="python3.11", files=CODE)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/functions/{function.pk}/")
    page.wait_for_selector("#code-source .CodeMirror")
    code_editor_set(page, "def lambda_handler(event, context):\n    return {'a': 1\n\n")
    page.click("#deploy")
    page.wait_for_selector("#deploy-error")
    assert "SyntaxError in lambda_function.py, line 2" in page.inner_text("#deploy-error")
    page.wait_for_selector("#code-source .CodeMirror .cm-error-line")
    assert page.locator("#code-source .CodeMirror .cm-error-line").count() == 1
    shot(page, "41-syntax-error-marked")

    code_editor_set(page, "def lambda_handler(event, context):\n    return 2\n")
    page.click("#deploy")
    page.wait_for_selector("text=Successfully updated the function Marked.")
    new_sha = Function.objects.get(pk=function.pk).code_sha256
    assert new_sha != function.code_sha256
    page.wait_for_function("sha => document.getElementById('code-sha256').textContent.trim() === sha", arg=new_sha)
    assert page.locator("#code-source .CodeMirror .cm-error-line").count() == 0


def test_back_after_a_log_filter_is_the_whole_page(page, live_server, owner):
    function = function_services.function_create(owner=owner, name="Filtered", runtime="python3.11", files=CODE)
    when = datetime(2024, 3, 10, 23, 59, 58, tzinfo=UTC)
    invocation = Invocation.objects.create(function=function, status="succeeded", created_at=when)
    log_services.log_events_store(
        function=function,
        invocation=invocation,
        stream_name="2024/03/10/[$LATEST]abc",
        lines=[(when.timestamp(), "needle in the log"), (when.timestamp(), "hay in the log")],
    )
    group = group_of(function)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/functions/logs/{group.pk}/events/")
    # Local time in the text, UTC in the title.
    stamp = page.locator("time[data-local]").first
    page.wait_for_function("() => document.querySelector('time[data-local]').title !== ''")
    assert stamp.get_attribute("title") == "2024-03-10 23:59:58.000 UTC"

    page.fill("#filter-events", "needle")
    page.wait_for_url("**filter=needle**")
    page.wait_for_function("() => !document.getElementById('log-events').innerText.includes('hay in the log')")
    assert "filter=needle" in page.get_attribute("#download-events", "href")
    page.click("a:has-text('Log groups') >> nth=0")
    page.wait_for_selector("h1:has-text('Log groups')")
    page.go_back()
    page.wait_for_selector("#log-events")
    # The whole page, styled, with the filter: not the bare fragment.
    assert page.locator("header.topnav").count() == 1 and page.locator("nav.sidenav").count() == 1
    assert "needle in the log" in page.inner_text("#log-events")
    shot(page, "42-back-after-filter")


def test_the_function_list_filter_is_in_the_url(page, live_server, owner):
    function_services.function_create(owner=owner, name="Alpha", runtime="python3.11", files=CODE)
    function_services.function_create(owner=owner, name="Beta", runtime="python3.11", files=CODE)
    sign_in(page, live_server)
    page.fill("input[name=q]", "alp")
    page.wait_for_url("**q=alp**")
    page.reload()
    assert page.input_value("input[name=q]") == "alp" and "Beta" not in page.inner_text("#function-table")


def test_delete_asks_for_the_word_and_keeps_the_logs(page, live_server, owner):
    function = function_services.function_create(owner=owner, name="Gone", runtime="python3.11", files=CODE)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/functions/{function.pk}/")
    page.click("summary:has-text('Actions')")
    page.fill("#id_delete_confirm", "yes")
    page.click("#delete-function")
    page.wait_for_selector('text=type the word "delete"')
    assert Function.objects.filter(pk=function.pk).exists()
    page.click("summary:has-text('Actions')")
    page.fill("#id_delete_confirm", "delete")
    shot(page, "43-delete-dialog")
    page.click("#delete-function")
    page.wait_for_selector("text=Successfully deleted the function Gone.")
    page.click("nav.sidenav a:has-text('Logs')")
    page.wait_for_selector("#log-group-table a:has-text('/aws/lambda/Gone')")
    assert "Function deleted" in page.inner_text("#log-group-table")
    assert LogGroup.objects.filter(owner=owner, name="/aws/lambda/Gone").exists()


def test_an_alias_is_updated_from_its_edit_button(page, live_server, owner):
    from functions.models import Alias
    from functions.services import versions

    function = function_services.function_create(owner=owner, name="Aliased", runtime="python3.11", files=CODE)
    versions.version_publish(function=function)
    versions.alias_create(function=function, name="prod", version="1", description="", additional_version="", weight_percent=0)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/functions/{function.pk}/?tab=aliases")
    page.click("[data-edit-alias=prod]")
    page.wait_for_selector("h3:has-text('Edit alias prod')")
    assert page.input_value("#id_alias_version") == "1"
    page.select_option("#id_alias_version", "$LATEST")
    page.fill("#id_alias_description", "follows latest")
    shot(page, "44-alias-edit")
    page.click("#save-alias")
    page.wait_for_selector("text=Successfully updated alias prod.")
    alias = Alias.objects.get(function=function, name="prod")
    assert alias.version == "$LATEST" and alias.description == "follows latest"
