"""Every main page at 1280, 800 and 390 px wide: an automated accessibility
check (axe-core, vendored) finds no serious or critical violation, nothing
sticks out sideways, and a screenshot of each is kept in
test-output/screenshots/a11y-<page>-<width>.png for people to look at."""

from __future__ import annotations

import pytest

from functions.models import LogStream
from functions.services import versions as version_services
from functions.tests.helpers import group_of, invoke, make_function

from .browser import WIDTHS, axe_violations, shot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

HANDLER = """
import json

def lambda_handler(event, context):
    print("a rather long log line so that the narrow layout has to wrap it: " + "x" * 120, json.dumps(event))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"statusCode": 200, "body": "ok"}
"""


def pages(function, invocation, stream) -> dict[str, str]:
    base = f"/functions/{function.pk}"
    return {
        "functions-list": "/functions/",
        "create": "/functions/create/",
        "code": f"{base}/?tab=code",
        "test": f"{base}/?tab=test",
        "monitor": f"{base}/?tab=monitor&range=1h",
        "configuration": f"{base}/?tab=configuration",
        "versions": f"{base}/?tab=versions",
        "aliases": f"{base}/?tab=aliases",
        "invocation": f"{base}/monitor/invocations/{invocation.pk}/",
        "log-groups": "/functions/logs/",
        "log-group": f"{base}/logs/",
        "log-stream": f"{base}/logs/streams/{stream.pk}/",
        "log-events": f"{base}/logs/events/",
        "live-tail": f"{base}/logs/tail/",
    }


def test_every_page_passes_axe_and_fits_at_each_width(page, live_server, owner):
    function = make_function(owner, name="A11yDemo", code=HANDLER)
    invocation = invoke(function, {"n": 1})
    assert invoke(function, {"fail": True}).status == "failed"
    version_services.version_publish(function=function, description="first")
    stream = LogStream.objects.filter(group=group_of(function)).first()
    assert stream is not None

    sign_in(page, live_server)
    problems: dict[str, list[str]] = {}
    for name, path in pages(function, invocation, stream).items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            key = f"{name}@{width}"
            found = axe_violations(page)
            # The page itself never scrolls sideways (wide tables scroll in their own box).
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                found.append(f"page is {overflow} px wider than the window")
            if found:
                problems[key] = found
            shot(page, f"a11y-{name}-{width}")
    # The Code tab after "Deploy and test": the deploy status and the Execution result.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/functions/{function.pk}/?tab=code")
    page.wait_for_selector("#code-source .CodeMirror")
    page.evaluate("() => labdaCode.cm.replaceRange('# note\\n', {line: 0, ch: 0})")
    page.click("#code-test-button")
    page.wait_for_selector("#execution-result[data-status]", timeout=60_000)
    found = axe_violations(page)
    if found:
        problems["code-with-result@1280"] = found
    shot(page, "a11y-code-with-result-1280")
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
