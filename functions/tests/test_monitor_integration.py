"""Real invocations (real worker, Redis and Docker) found again in the graphs'
JSON, the logs pages, Live Tail while they still run, replay and compare."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from functions import logformat
from functions.models import Invocation
from functions.selectors import logs as log_selectors
from functions.selectors import monitoring, timerange
from functions.services import invocations as invocation_services
from functions.tests.helpers import invoke, make_function, response, wait_until

from .helpers import group_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

HANDLER = """
import json

def lambda_handler(event, context):
    print("hello", json.dumps(event))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"ok": event.get("n")}
"""

TICKER = """
import time

def lambda_handler(event, context):
    for i in range(1, 6):
        print(f"tick {i}")
        time.sleep(1)
    return "done"
"""


def test_real_invocations_are_in_the_graphs_and_the_logs(client, owner):
    function = make_function(owner, name="Graphed", code=HANDLER)
    client.force_login(owner)
    token = client.get(reverse("functions:monitor-changes", args=[function.pk])).json()["token"]
    ran = [invoke(function, {"n": n}) for n in range(3)] + [invoke(function, {"fail": True})]
    function.reserved_concurrency = 0
    function.save()
    throttled = [invocation_services.invocation_create(function=function, payload="{}") for _ in range(2)]
    assert [i.status for i in throttled] == ["throttled", "throttled"]
    assert ran[0].cold_start and not ran[1].cold_start and ran[3].status == "failed"

    data = client.get(reverse("functions:monitor-metrics", args=[function.pk]), {"range": "1h"}).json()
    assert data["totals"] == {"invocations": 4, "errors": 1, "throttles": 2, "cold_starts": 1, "success_rate": 75.0}
    series = data["series"]
    assert sum(series["invocations"]) == 4 and sum(series["throttles"]) == 2 and sum(series["cold_starts"]) == 1
    assert max(v for v in series["duration_max"] if v is not None) == round(max(i.duration_ms for i in ran), 2)
    assert min(v for v in series["duration_min"] if v is not None) == round(min(i.duration_ms for i in ran), 2)
    assert max(v for v in series["init_duration_max"] if v is not None) == round(ran[0].init_duration_ms, 2)
    assert max(v for v in series["max_memory_used_mb"] if v is not None) == max(i.max_memory_used_mb for i in ran)
    assert {v for v in series["memory_size_mb"] if v is not None} == {128}
    assert client.get(reverse("functions:monitor-changes", args=[function.pk])).json()["token"] != token

    tab = client.get(reverse("functions:detail", args=[function.pk]), {"tab": "monitor", "range": "1h"}).content.decode()
    for invocation in ran + throttled:
        assert str(invocation.pk) in tab
    assert "TooManyRequestsException" in tab and "ValueError" in tab

    page = log_selectors.log_events_page(group=group_of(function))
    assert [g.request_id for g in page["groups"]] == [str(i.pk) for i in ran]  # throttled ones never ran
    for group, invocation in zip(page["groups"], ran, strict=True):
        kinds = [line.kind for line in group.lines]
        # A cold start opens with INIT_START.
        opening = ["platform", "start"] if invocation.cold_start else ["start"]
        assert kinds[: len(opening)] == opening
        assert kinds[-2:] == ["end", "report"]
        assert group.summary["Billed Duration"] == f"{invocation.billed_duration_ms} ms"
    failed = log_selectors.log_events_page(group=group_of(function), request_id=str(ran[3].pk))
    assert any("[ERROR] ValueError: asked to fail" in line.message for line in failed["groups"][0].lines)
    download = client.get(reverse("functions:log-download", args=[group_of(function).pk]))
    text = b"".join(download.streaming_content).decode()
    assert text.count("\tREPORT RequestId: ") == 4 and 'hello {"n": 2}' in text

    detail = client.get(reverse("functions:invocation-detail", args=[function.pk, ran[0].pk])).content.decode()
    assert f"Init Duration {ran[0].init_duration_ms:.2f} ms" in detail and "this was a cold start" in detail


def test_live_tail_shows_lines_while_the_invocation_is_still_running(owner):
    function = make_function(owner, name="Ticker", code=TICKER, timeout=20)
    cursor = ""
    seen: list[logformat.LogLine] = []
    invocation = invocation_services.invocation_create(function=function, payload="{}")
    status_when_seen = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        result = log_selectors.live_tail(function=function, after=cursor)
        cursor = result["cursor"]
        seen.extend(result["lines"])
        if any(line.message == "tick 2" for line in seen) and status_when_seen is None:
            status_when_seen = Invocation.objects.get(pk=invocation.pk).status
        if any(line.kind == "report" for line in seen):
            break
        time.sleep(0.25)
    assert status_when_seen == Invocation.Status.RUNNING  # seen live, not when it ended
    messages = [line.message for line in seen if line.request_id == str(invocation.pk)]
    assert messages[0] == f"START RequestId: {invocation.pk} Version: $LATEST"
    assert [m for m in messages if m.startswith("tick")] == [f"tick {i}" for i in range(1, 6)]
    assert messages[-2] == f"END RequestId: {invocation.pk}" and messages[-1].startswith(f"REPORT RequestId: {invocation.pk}\t")
    assert wait_until(lambda: Invocation.objects.get(pk=invocation.pk).is_finished)


def test_an_output_flood_shows_its_truncated_marker_on_the_log_pages(client, owner):
    code = "def lambda_handler(event, context):\n    for i in range(400):\n        print(str(i) + ' ' + 'x' * 1000)\n    return 'flooded'\n"
    function = make_function(owner, name="Flood", code=code)
    invocation = invoke(function)
    assert response(invocation) == "flooded"
    client.force_login(owner)
    page = client.get(reverse("functions:log-stream", args=[group_of(function).pk, invocation.log_stream_id])).content.decode()
    assert "log-truncated" in page and "[Labda] Output truncated:" in page and "inv-truncated" in page
    lines = log_selectors.invocation_lines(invocation)
    assert [line.kind for line in lines][-3:] == ["truncated", "end", "report"]


def test_replay_runs_the_same_event_again_and_compare_shows_both(client, owner):
    function = make_function(owner, name="Replayed", code=HANDLER)
    first = invoke(function, {"n": 7})
    client.force_login(owner)
    reply = client.post(reverse("functions:invocation-replay", args=[function.pk, first.pk]))
    replay = Invocation.objects.filter(function=function).exclude(pk=first.pk).get()
    assert reply.url == reverse("functions:invocation-detail", args=[function.pk, replay.pk])
    replay = invocation_services.invocation_wait(invocation=replay, timeout=60)
    assert replay.status == "succeeded" and replay.payload == first.payload
    assert json.loads(replay.response) == json.loads(first.response) == {"ok": 7}
    assert replay.cold_start is False  # the warm environment of the first run
    page = client.get(reverse("functions:invocation-compare", args=[function.pk]), {"id": [first.pk, replay.pk]}).content.decode()
    assert page.count("Cold start (a new execution environment)") == 1 and "Warm (a reused execution environment)" in page
    assert page.count("hello {&quot;n&quot;: 7}") == 2
    assert "<tr><th>Event</th><td>the same</td></tr>" in page and "<tr><th>Response</th><td>the same</td></tr>" in page
    assert monitoring.metrics_totals(function=function, qualifier="", time_range=timerange.preset_range("1h"))["invocations"] == 2
