"""Every page works under the strict Content-Security-Policy in a real
browser: no violation is reported while the editor (CodeMirror), the graphs
(Chart.js), htmx swaps and the Django admin run. Screenshots go to
test-output/screenshots/csp-*.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from functions.models import Invocation, LogEvent, LogStream
from functions.tests.helpers import make_function

from .browser import shot, sign_in
from .helpers import group_of

pytestmark = pytest.mark.django_db(transaction=True)

# Chromium reports each refused script, style or eval as a
# securitypolicyviolation event on the document.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_the_console_runs_under_its_content_security_policy(page, live_server, owner, django_user_model):
    function = make_function(owner, name="Policed", code="def lambda_handler(event, context):\n    return 1\n")
    now = timezone.now()
    stream = LogStream.objects.create(group=group_of(function), name="2024/03/10/[$LATEST]abc", created_at=now, last_event_at=now)
    invocation = Invocation.objects.create(function=function, status="succeeded")
    LogEvent.objects.create(stream=stream, request_id=invocation.pk, timestamp=now, message="hello from the log")
    page.add_init_script(RECORD_VIOLATIONS)
    errors: list[str] = []
    # A missing resource is reported by its URL below, not as console text.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, live_server)
    # The Code tab: CodeMirror draws and edits.
    page.goto(f"{live_server.url}/functions/{function.pk}/")
    page.wait_for_selector("#code-source .CodeMirror")
    page.evaluate("() => labdaCode.cm.setValue(labdaCode.cm.getValue() + '\\n# edited\\n')")
    page.wait_for_selector("#unsaved:not([hidden])")
    # htmx swaps a tab in (no <style> injected, no eval needed).
    page.click("a[role=tab]:has-text('Configuration')")
    page.wait_for_selector("#config-general")
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    # The Monitor tab: Chart.js draws every graph (empty ones: no invocation yet).
    page.goto(f"{live_server.url}/functions/{function.pk}/?tab=monitor&range=1h")
    page.wait_for_selector("#charts[data-state=empty]")
    assert page.evaluate("window.labdaMonitor.state.charts.length") > 0
    shot(page, "csp-monitor")
    # Logs: the filter swaps the events in.
    page.goto(f"{live_server.url}/functions/logs/{group_of(function).pk}/events/")
    page.fill("#filter-events", "hello")
    page.wait_for_selector("#log-events:has-text('the filter')")
    page.goto(f"{live_server.url}/functions/create/")
    page.wait_for_selector("#id_name")
    assert violations(page) == [] and errors == []

    # The Django admin (where an instructor makes students' accounts).
    django_user_model.objects.create_user(username="teacher", password="pw-teacher", is_staff=True, is_superuser=True)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "teacher")
    page.fill("#id_password", "pw-teacher")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/auth/user/add/")
    page.wait_for_selector("#id_username")
    shot(page, "csp-admin")
    assert violations(page) == [], violations(page)


def test_an_oversized_zip_is_refused_in_the_browser_before_it_is_sent(page, live_server, owner, tmp_path, monkeypatch):
    from invoker import package

    monkeypatch.setattr(package, "MAX_ZIPPED_BYTES", 1000)
    function = make_function(owner, name="Uploader", code="def lambda_handler(event, context):\n    return 1\n")
    big = tmp_path / "big.zip"
    big.write_bytes(b"x" * 5000)
    sign_in(page, live_server)
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.url) if r.method == "POST" else None)
    page.goto(f"{live_server.url}/functions/{function.pk}/")
    page.click("summary:has-text('Upload from')")
    page.set_input_files("#id_upload_zip", str(big))
    message = page.evaluate("document.getElementById('id_upload_zip').validationMessage")
    assert message == "The .zip file is 5,000 bytes; the limit is 1,000 bytes (50 MB)."
    page.click("#upload-zip")
    page.wait_for_timeout(500)
    assert uploads == []
