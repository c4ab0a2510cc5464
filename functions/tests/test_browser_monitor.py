"""Monitor and Logs in a real browser: the graphs drawn after successful,
failing and throttled invocations, redrawn after a Test without a reload; an
invocation's REPORT explained; compare and replay; log group, stream and
events; Live Tail while an invocation still runs. Screenshots go to
test-output/screenshots/monitor-*.png."""

from __future__ import annotations

import pytest

from functions.models import Invocation
from functions.services import invocations as invocation_services
from functions.tests.helpers import group_of, invoke, make_function

from .browser import shot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

HANDLER = """
import json

def lambda_handler(event, context):
    print("event", json.dumps(event))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"statusCode": 200, "body": "ok"}
"""

TICKER = """
import time

def lambda_handler(event, context):
    for i in range(1, 8):
        print(f"tick {i}", flush=True)
        time.sleep(1)
    return "done"
"""


def test_graphs_drawn_after_real_invocations_and_redrawn_after_a_test(page, live_server, owner):
    function = make_function(owner, name="MonitorDemo", code=HANDLER)
    for n in range(3):
        assert invoke(function, {"n": n}).status == "succeeded"
    for _ in range(2):
        assert invoke(function, {"fail": True}).status == "failed"
    function.reserved_concurrency = 0  # no concurrency: every invocation is throttled
    function.save()
    for _ in range(2):
        assert invocation_services.invocation_create(function=function, payload="{}").status == "throttled"
    function.reserved_concurrency = None
    function.save()

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/functions/{function.pk}/?tab=monitor&range=1h")
    page.wait_for_selector("#charts[data-state=drawn]")
    monitor = page.locator("#monitor")
    assert monitor.get_attribute("data-total-invocations") == "5"
    assert monitor.get_attribute("data-total-errors") == "2"
    assert monitor.get_attribute("data-total-throttles") == "2"
    assert page.evaluate("window.labdaMonitor.state.charts.length") == 7
    # Every canvas has been drawn on (a blank canvas is a short data URL).
    sizes = page.evaluate("[...document.querySelectorAll('#charts canvas')].map(c => c.toDataURL().length)")
    assert len(sizes) == 7 and min(sizes) > 5000
    assert page.locator(".chart-empty:visible").count() == 0
    summary = page.inner_text("#monitor-summary")
    assert "Invocations\n5" in summary and "Errors\n2" in summary and "Throttles\n2" in summary and "60.00%" in summary
    assert page.locator("#recent-table tbody tr").count() == 7
    assert page.locator("#recent-table tr[data-status=throttled]").count() == 2
    shot(page, "monitor-01-graphs")

    # A Test in another browser tab: this one redraws without a reload.
    page.evaluate("window.__notReloaded = true")
    test_page = page.context.new_page()
    test_page.goto(f"{live_server.url}/functions/{function.pk}/?tab=test")
    test_page.wait_for_selector("#event-editor .CodeMirror")
    test_page.click("#test-button")
    test_page.wait_for_selector("#execution-result[data-status=succeeded]", timeout=60_000)
    test_page.close()
    page.wait_for_function("() => document.getElementById('monitor').dataset.totalInvocations === '6'", timeout=30_000)
    assert page.evaluate("window.__notReloaded === true")
    assert page.locator("#recent-table tbody tr").count() == 8
    shot(page, "monitor-02-after-a-test")

    # The other time ranges draw too; an empty range says so.
    page.click("a.seg[data-range='1w']")
    # Wait for the new range's text, not a chart state the old range had too.
    page.wait_for_function("() => document.getElementById('monitor-range-text').innerText.includes('period 1 hour')")
    page.wait_for_selector("#charts[data-state=drawn]")
    page.click("summary:has-text('Custom')")
    page.fill("input[name=start]", "2020-01-01T00:00")
    page.fill("input[name=end]", "2020-01-02T00:00")
    page.click(".custom-range button:has-text('Apply')")
    page.wait_for_selector("#charts[data-state=empty]")
    assert page.locator(".chart-empty:visible").count() == 7
    assert page.is_visible("text=No invocations in this time range")
    shot(page, "monitor-03-empty-range")


def test_an_invocation_compare_replay_and_the_log_pages(page, live_server, owner):
    function = make_function(owner, name="Explained", code=HANDLER)
    cold = invoke(function, {"n": 1})
    warm = invoke(function, {"n": 2})
    assert cold.cold_start and not warm.cold_start
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/functions/{function.pk}/?tab=monitor&range=1h")
    page.wait_for_selector("#charts[data-state=drawn]")

    # A row opens that invocation's log; its REPORT line explains itself.
    page.click(f"#recent-table tr[data-request-id='{cold.pk}'] td:nth-child(3) a")
    page.wait_for_selector("#invocation-log .log-report")
    init = page.locator(".log-report .report-field[data-field='Init Duration']")
    init.hover()
    tip = init.locator(".report-tip")
    assert tip.is_visible() and "cold start" in tip.inner_text()
    shot(page, "monitor-04-report-tooltip")
    page.click("summary:has-text('What do these numbers mean?')")
    note = page.inner_text(".report-note")
    assert f"Init Duration {cold.init_duration_ms:.2f} ms" in note and "cold start" in note
    shot(page, "monitor-05-invocation-report-explained")

    # Compare the cold and the warm run side by side.
    page.select_option("#compare-with", str(warm.pk))
    page.click("#compare-submit")
    page.wait_for_selector("#compare-deltas")
    columns = page.locator(".compare-column")
    assert columns.count() == 2
    assert "Cold start" in columns.nth(0).inner_text() and "Warm" in columns.nth(1).inner_text()
    shot(page, "monitor-06-compare")

    # Replay the cold run's event: a new request, same event and response.
    page.goto(f"{live_server.url}/functions/{function.pk}/monitor/invocations/{cold.pk}/")
    page.click("#replay-button")
    page.wait_for_selector("text=Replayed the event of request")
    page.wait_for_selector("#invocation[data-status=succeeded]", timeout=60_000)
    replay = Invocation.objects.filter(function=function).order_by("-created_at").first()
    assert replay.pk not in (cold.pk, warm.pk) and replay.payload == cold.payload
    assert '"n": 1' in page.inner_text("#invocation-event")
    shot(page, "monitor-07-replayed")

    # Logs: group, streams, events grouped START ... REPORT, filter.
    page.click("nav.sidenav a:has-text('Logs')")
    page.wait_for_selector("h1:has-text('Log groups')")
    page.click("a:has-text('/aws/lambda/Explained')")
    page.wait_for_selector("h2:has-text('Log streams')")
    shot(page, "monitor-08-log-group")
    # The cold run's stream: it, the warm run and, if the environment was
    # still warm (the suite's idle timeout is 12 s), the replay.
    in_stream = Invocation.objects.filter(log_stream_id=cold.log_stream_id).count()
    assert in_stream >= 2
    page.click(f"#log-stream-table a.mono:has-text('{cold.log_stream.name}')")
    page.wait_for_selector(".inv-group")
    assert page.locator(".inv-group").count() == in_stream
    # All streams: the three runs, wherever they ran.
    page.click("a:has-text('Search all log streams')")
    page.wait_for_url(f"{live_server.url}/functions/logs/{group_of(function).pk}/events/")
    page.wait_for_function("() => document.querySelectorAll('.inv-group').length === 3")
    page.fill("#filter-events", "event -1")  # the warm run's {"n": 2}, not the {"n": 1} ones
    page.wait_for_function("() => document.querySelectorAll('.inv-group').length === 1")
    assert str(warm.pk) in page.inner_text("#log-events") and '{"n": 2}' in page.inner_text("#log-events")
    shot(page, "monitor-09-log-events-filtered")
    page.fill("#filter-events", "")
    page.fill("#filter-request-id", str(warm.pk))
    page.wait_for_function("() => document.querySelectorAll('.inv-group .log-row').length === 4")
    assert page.locator(".inv-group .log-report").count() == 1
    page.fill("#filter-request-id", "")
    page.wait_for_function("() => document.querySelectorAll('.inv-group').length === 3")
    shot(page, "monitor-10-log-events")


def test_live_tail_shows_lines_while_the_invocation_runs(page, live_server, owner):
    function = make_function(owner, name="Ticker", code=TICKER, timeout=20)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/functions/{function.pk}/logs/tail/")
    page.wait_for_selector("#tail-waiting")
    invocation = invocation_services.invocation_create(function=function, payload="{}")
    page.wait_for_selector("#tail-lines .log-row:has-text('tick 2')", timeout=30_000)
    assert Invocation.objects.get(pk=invocation.pk).status == Invocation.Status.RUNNING
    assert page.is_hidden("#tail-waiting")
    assert f"START RequestId: {invocation.pk}" in page.inner_text("#tail-lines")
    shot(page, "monitor-11-live-tail-running")
    page.wait_for_selector("#tail-lines .log-report", timeout=30_000)
    assert page.locator("#tail-lines .log-row:has-text('tick')").count() == 7
    shot(page, "monitor-12-live-tail-ended")
    page.click("#tail-stop")
    assert page.inner_text("#tail-status") == "Live Tail is stopped"
