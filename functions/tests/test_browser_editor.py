"""The Code tab as a workbench a student can trust (issue 8), in a real
browser: edits survive tab switches and reloads and are never put back
silently over newer code; Test with undeployed changes deploys first and
the result names the code it ran; Test sits beside Deploy and the result
under the editor; Ctrl+S deploys; the editors let the keyboard out; results
are announced; the editor works at 800 and 390 px."""

from __future__ import annotations

import pytest

from functions.models import Function, Invocation
from functions.selectors.functions import function_files
from functions.services import functions as function_services
from functions.tests.helpers import make_function

from .browser import shot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

V1 = "def lambda_handler(event, context):\n    return 'v1'\n"
V2 = "def lambda_handler(event, context):\n    return 'v2'\n"


def deployed_code(function) -> str:
    return function_files(Function.objects.get(pk=function.pk))["lambda_function.py"] or ""


def code_page(page, live_server, function) -> None:
    page.goto(f"{live_server.url}/functions/{function.pk}/?tab=code")
    page.wait_for_selector("#code-source .CodeMirror")


def editor_text(page) -> str:
    return page.evaluate("() => labdaCode.cm.getValue()")


def type_at_end(page, text: str) -> None:
    page.click("#code-source .CodeMirror-code")
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def test_edits_survive_tab_switches_and_reloads_and_never_come_back_silently(page, live_server, owner):
    function = make_function(owner, name="Keeper", code=V1)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    sign_in(page, live_server)
    code_page(page, live_server, function)
    type_at_end(page, "# my fix\n")
    assert page.is_visible("#unsaved")

    # To the Test tab and back: the edit is there, and the Test tab says it is not deployed.
    page.click("a[role=tab]:has-text('Test')")
    page.wait_for_selector("#event-editor .CodeMirror")
    assert page.is_visible("#undeployed-notice")
    shot(page, "workbench-01-test-tab-undeployed")
    page.click("a[role=tab]:has-text('Code')")
    page.wait_for_selector("#code-source .CodeMirror")
    assert "# my fix" in editor_text(page)
    assert page.is_visible("#unsaved") and page.is_visible("#file-tree li.dirty")
    assert "Restored your changes" in page.inner_text("#buffer-notice")
    assert dialogs == []  # a tab switch keeps the edit, so it does not ask

    # A reload asks first (undeployed changes), then keeps the edit.
    page.reload()
    page.wait_for_selector("#code-source .CodeMirror")
    assert dialogs == ["beforeunload"]
    assert "# my fix" in editor_text(page)

    # Deployed from elsewhere meanwhile: the newer code shows; the old edit is offered, not applied.
    function_services.function_update_code(function=function, files={"lambda_function.py": V2})
    page.reload()
    page.wait_for_selector("#code-source .CodeMirror")
    assert editor_text(page) == V2
    notice = page.inner_text("#buffer-notice")
    assert "You have unsaved changes from" in notice and "deployed again" in notice
    shot(page, "workbench-02-stale-buffer")
    page.click("#buffer-restore")
    assert "# my fix" in editor_text(page) and page.is_visible("#unsaved")

    # Deployed: nothing unsaved, no warning when leaving.
    page.click("#deploy")
    page.wait_for_selector("text=Successfully updated the function Keeper.")
    page.wait_for_function("() => document.getElementById('unsaved').hidden")
    asked = len(dialogs)
    page.goto(f"{live_server.url}/functions/")
    assert len(dialogs) == asked
    assert "# my fix" in deployed_code(function)


def test_test_with_undeployed_changes_deploys_first_and_names_the_code_it_ran(page, live_server, owner):
    function = make_function(owner, name="Fixer", code=V1)
    sign_in(page, live_server)
    page.set_viewport_size({"width": 1280, "height": 800})
    code_page(page, live_server, function)

    # Test is beside Deploy, in the editor's toolbar, within sight of the editor.
    test_box = page.locator("#code-test-button").bounding_box()
    deploy_box = page.locator("#deploy").bounding_box()
    editor_box = page.locator("#code-source .CodeMirror").bounding_box()
    assert abs(test_box["y"] - deploy_box["y"]) < 5 and test_box["y"] < editor_box["y"]
    assert test_box["y"] + test_box["height"] <= 800
    assert page.inner_text("#code-test-button") == "Test"

    page.evaluate("c => labdaCode.cm.setValue(c)", V2)
    assert page.inner_text("#code-test-button") == "Deploy and test"
    page.click("#code-test-button")
    page.wait_for_selector("#execution-result[data-status=succeeded]", timeout=60_000)
    assert '"v2"' in page.inner_text("#result-response")
    assert page.is_hidden("#unsaved") and page.inner_text("#code-test-button") == "Test"
    function.refresh_from_db()
    invocation = Invocation.objects.get(function=function)
    assert invocation.code_sha256 == function.code_sha256
    ran = page.inner_text("#result-code-sha256")
    assert function.code_sha256 in ran and "the deployed code, as in the Code tab" in ran
    assert page.inner_text("#code-sha256") == function.code_sha256
    # The result is under the editor.
    result_box = page.locator("#execution-result").bounding_box()
    editor_box = page.locator("#code-source .CodeMirror").bounding_box()
    assert 0 <= result_box["y"] - (editor_box["y"] + editor_box["height"]) < 120
    page.wait_for_function("() => document.getElementById('announcer').textContent.includes('succeeded')")
    shot(page, "workbench-03-deploy-and-test")

    # Ctrl+S deploys, from inside the editor.
    type_at_end(page, "# saved with the keyboard\n")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => document.getElementById('unsaved').hidden")
    page.wait_for_function("() => document.getElementById('announcer').textContent.includes('Successfully updated')")
    assert "# saved with the keyboard" in deployed_code(function)


def test_the_keyboard_gets_in_and_out_of_everything(page, live_server, owner):
    function = make_function(owner, name="Keys", files={"lambda_function.py": V1, "util.py": "X = 1\n"})
    sign_in(page, live_server)
    code_page(page, live_server, function)

    # The first Tab on a page reaches the skip link, which leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # The file tree is reachable and works from the keyboard.
    page.focus("#file-tree li[data-file='util.py'] button")
    page.keyboard.press("Enter")
    assert page.inner_text("#editor-filename") == "util.py" and editor_text(page) == "X = 1\n"

    # Tab indents in the editor; Esc then Tab leaves it (no keyboard trap).
    inside = "() => !!document.activeElement.closest('#code-source .CodeMirror')"
    page.click("#code-source .CodeMirror-code")
    page.keyboard.press("Tab")
    assert page.evaluate(inside) and "    " in editor_text(page)
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert not page.evaluate(inside)
    assert "Esc, then Tab" in page.inner_text("#editor-keys")
    # The same in the event editor, backwards.
    event_inside = "() => !!document.activeElement.closest('#event-editor .CodeMirror')"
    page.click("#event-editor .CodeMirror-code")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    assert not page.evaluate(event_inside)


@pytest.mark.parametrize("width", [800, 390])
def test_the_editor_and_its_buttons_fit_a_narrow_window(page, live_server, owner, width):
    function = make_function(owner, name="Narrow", code=V1)
    sign_in(page, live_server)
    page.set_viewport_size({"width": width, "height": 800})
    code_page(page, live_server, function)
    for selector in ("#deploy", "#code-test-button"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, selector
    assert page.locator("#code-source .CodeMirror").bounding_box()["width"] >= width * 0.6
    shot(page, f"workbench-04-code-{width}")
