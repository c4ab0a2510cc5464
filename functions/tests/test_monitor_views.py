"""Monitor and logs pages: access (another user's ids are a 404, JSON endpoints
included), htmx partials, empty states, replay, compare and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from functions.models import Invocation, LogEvent, LogStream
from functions.selectors import monitoring

from .helpers import group_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def invocation_log(stream, invocation):
    """The log of `invocation` in `stream`: START, a line, a truncation
    marker, END and a cold REPORT."""
    rid = invocation.pk
    now = invocation.created_at
    messages = [
        f"START RequestId: {rid} Version: $LATEST",
        "value1 = value1",
        "[Labda] Output truncated: 5,000 bytes over this invocation's log limit were dropped.",
        f"END RequestId: {rid}",
        f"REPORT RequestId: {rid}\tDuration: 1.50 ms\tBilled Duration: 153 ms\tMemory Size: 128 MB\tMax Memory Used: 41 MB\tInit Duration: 151.20 ms\t",
    ]
    LogEvent.objects.bulk_create(LogEvent(stream=stream, request_id=invocation.pk, timestamp=now, message=m) for m in messages)
    invocation.log_stream = stream
    invocation.save()


def added_urls(function, invocation, stream) -> list[tuple[str, str]]:
    """Every URL issue 4 adds that names an object, with its method."""
    pk, rid, gpk = function.pk, invocation.pk, group_of(function).pk
    return [
        ("get", reverse("functions:function-logs", args=[pk])),
        ("get", reverse("functions:function-log-tail", args=[pk])),
        ("get", reverse("functions:detail", args=[pk]) + "?tab=monitor"),
        ("get", reverse("functions:monitor-metrics", args=[pk])),
        ("get", reverse("functions:monitor-metrics", args=[pk]) + "?range=1w&qualifier=$LATEST"),
        ("get", reverse("functions:monitor-changes", args=[pk])),
        ("get", reverse("functions:invocation-compare", args=[pk]) + f"?id={rid}&id={rid}"),
        ("get", reverse("functions:invocation-detail", args=[pk, rid])),
        ("post", reverse("functions:invocation-replay", args=[pk, rid])),
        ("get", reverse("functions:log-group", args=[gpk])),
        ("post", reverse("functions:log-retention", args=[gpk])),
        ("get", reverse("functions:log-events", args=[gpk])),
        ("get", reverse("functions:log-stream", args=[gpk, stream.pk])),
        ("get", reverse("functions:log-download", args=[gpk])),
        ("get", reverse("functions:log-download", args=[gpk]) + f"?stream={stream.pk}"),
        ("get", reverse("functions:log-tail", args=[gpk])),
        ("get", reverse("functions:log-tail-poll", args=[gpk])),
    ]


def test_another_user_gets_404_on_every_url_and_changes_nothing(client, stranger, function, invocation, stream, invocation_log):
    client.force_login(stranger)
    for method, url in added_urls(function, invocation, stream):
        response = getattr(client, method)(url, {"retention_days": "1"}) if method == "post" else client.get(url)
        assert response.status_code == 404, url
        # The JSON endpoints too: nothing of the function leaks in the body.
        assert b"HelloWorld" not in response.content and str(invocation.pk).encode() not in response.content, url
    function.refresh_from_db()
    assert group_of(function).retention_days is None
    assert Invocation.objects.filter(function=function).count() == 1


def test_another_users_stream_or_invocation_under_my_function_is_404(client, owner, function, invocation, their_function):
    theirs = their_function
    their_stream = LogStream.objects.create(group=group_of(theirs), name="s")
    their_invocation = Invocation.objects.create(function=theirs, status="succeeded")
    client.force_login(owner)
    pk, gpk = function.pk, group_of(function).pk
    for url in [
        reverse("functions:log-stream", args=[gpk, their_stream.pk]),
        reverse("functions:log-download", args=[gpk]) + f"?stream={their_stream.pk}",
        reverse("functions:invocation-detail", args=[pk, their_invocation.pk]),
        reverse("functions:invocation-compare", args=[pk]) + f"?id={invocation.pk}&id={their_invocation.pk}",
        reverse("functions:invocation-compare", args=[pk]) + "?id=not-a-uuid",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("functions:invocation-replay", args=[pk, their_invocation.pk])).status_code == 404


def test_every_added_page_requires_sign_in(client, function, invocation, stream, invocation_log):
    for method, url in [*added_urls(function, invocation, stream), ("get", reverse("functions:log-groups"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


def test_an_instructor_sees_their_students_metrics_and_logs(
    client, instructor, course, function, invocation, stream, invocation_log
):
    client.force_login(instructor)
    compare_one = reverse("functions:invocation-compare", args=[function.pk]) + f"?id={invocation.pk}&id={invocation.pk}"
    for method, url in added_urls(function, invocation, stream):
        if method == "get":
            response = client.get(url, follow=True)
            if url == compare_one:  # an invocation compared with itself: a 400 that says why
                assert response.status_code == 400 and "Choose two invocations" in response.content.decode(), url
            else:
                assert response.status_code == 200, url
        else:  # read-only: replay and retention are refused, and change nothing
            assert client.post(url, {"retention_days": "1"}).status_code == 403, url
    function.refresh_from_db()
    assert group_of(function).retention_days is None and function.invocations.count() == 1
    # The instructor's own Logs page lists only their own log groups.
    assert "/aws/lambda/HelloWorld" not in client.get(reverse("functions:log-groups")).content.decode()
    metrics = client.get(reverse("functions:monitor-metrics", args=[function.pk]), {"range": "1h"}).json()
    assert metrics["totals"]["invocations"] == 1


def test_the_metrics_json_has_the_graphs_of_the_range(client, owner, function, invocation):
    client.force_login(owner)
    data = client.get(reverse("functions:monitor-metrics", args=[function.pk]), {"range": "1h"}).json()
    assert data["period"] == 60 and len(data["labels"]) == 60
    assert data["totals"]["invocations"] == 1 and data["totals"]["cold_starts"] == 1
    assert data["series"]["init_duration_max"][-1] == 151.2 or data["series"]["init_duration_max"][-2] == 151.2
    assert (
        client.get(reverse("functions:monitor-metrics", args=[function.pk]), {"qualifier": "prod"}).json()["totals"][
            "invocations"
        ]
        == 0
    )
    bad = client.get(
        reverse("functions:monitor-metrics", args=[function.pk]),
        {"range": "custom", "start": "2024-01-02T00:00", "end": "2024-01-01T00:00"},
    )
    assert bad.status_code == 400 and "after its start" in bad.json()["message"]
    changes = client.get(reverse("functions:monitor-changes", args=[function.pk])).json()
    assert changes["token"] == monitoring.change_token(function=function)


def test_the_monitor_tab_shows_an_empty_state(client, owner, function):
    client.force_login(owner)
    page = client.get(reverse("functions:detail", args=[function.pk]), {"tab": "monitor"}).content.decode()
    assert "No invocations in this time range" in page and 'id="recent-table"' not in page
    assert '<div class="label">Invocations</div><div class="stat">0</div>' in page
    assert '<td class="num" id="cost-total">$0.00</td>' in page
    # The graphs are drawn (or say "No data available.") by monitor.js from the metrics JSON.
    assert page.count('<canvas id="chart-') == 7
    assert "chartjs/chart.umd.min.js" in page and "js/monitor.js" in page
    assert f'id="view-logs" href="/functions/{function.pk}/logs/"' in page


def test_the_monitor_tab_lists_recent_invocations_with_their_cost(client, owner, function, invocation):
    client.force_login(owner)
    page = client.get(reverse("functions:detail", args=[function.pk]), {"tab": "monitor", "range": "1h"}).content.decode()
    assert str(invocation.pk) in page and "153 ms" in page and "151.20 ms" in page and "Cold" in page
    assert '<div class="label">Invocations</div><div class="stat">1</div>' in page
    assert "No invocations in this time range" not in page
    assert "$0.0000005188" in page  # 1 request + 0.153 s x 0.125 GB at list price
    assert reverse("functions:invocation-replay", args=[function.pk, invocation.pk]) in page


def test_a_range_button_swaps_only_the_tab(client, owner, function):
    client.force_login(owner)
    partial = client.get(
        reverse("functions:detail", args=[function.pk]), {"tab": "monitor", "range": "1w"}, HTTP_HX_REQUEST="true"
    )
    text = partial.content.decode()
    assert '<div id="monitor"' in text and "<html" not in text and "period 1 hour" in text
    bad = client.get(
        reverse("functions:detail", args=[function.pk]), {"tab": "monitor", "range": "custom", "start": "x"}
    ).content.decode()
    assert "Enter the start and end of a custom range" in bad


def test_the_invocation_page_explains_its_report_line(client, owner, function, invocation, stream, invocation_log):
    client.force_login(owner)
    page = client.get(reverse("functions:invocation-detail", args=[function.pk, invocation.pk])).content.decode()
    assert "What do these numbers mean?" in page and 'data-field="Init Duration"' in page
    assert "Billed Duration 153 ms = Duration 1.50 ms + Init Duration 151.20 ms" in page
    assert "log-truncated" in page and "[Labda] Output truncated" in page
    assert "&quot;key1&quot;: &quot;value1&quot;" in page  # the event


def test_replay_creates_a_new_invocation_with_the_same_event(client, owner, function, invocation):
    # reserved_concurrency=0: the replay is throttled, so no worker is needed here.
    function.reserved_concurrency = 0
    function.save()
    client.force_login(owner)
    response = client.post(reverse("functions:invocation-replay", args=[function.pk, invocation.pk]))
    replay = Invocation.objects.filter(function=function).exclude(pk=invocation.pk).get()
    assert response.status_code == 302 and response.url == reverse("functions:invocation-detail", args=[function.pk, replay.pk])
    assert replay.payload == invocation.payload and replay.status == "throttled"
    assert client.get(reverse("functions:invocation-replay", args=[function.pk, invocation.pk])).status_code == 405


def test_compare_needs_two_invocations(client, owner, function, invocation, stream, invocation_log):
    other = Invocation.objects.create(
        function=function,
        status="failed",
        payload="{}",
        response='{"errorType": "KeyError"}',
        duration_ms=3.0,
        billed_duration_ms=3,
        max_memory_used_mb=45,
        created_at=invocation.created_at + timedelta(seconds=1),
    )
    client.force_login(owner)
    url = reverse("functions:invocation-compare", args=[function.pk])
    page = client.get(url, {"id": [invocation.pk, other.pk]}).content.decode()
    assert "+1.50 ms" in page and "+4 MB" in page and "KeyError" in page and "value1 = value1" in page
    assert "<tr><th>Event</th><td>different</td></tr>" in page
    one = client.get(url, {"id": [invocation.pk]})
    assert one.status_code == 400 and "Choose two invocations" in one.content.decode()


def test_log_pages_render_and_filter(client, owner, function, invocation, stream, invocation_log):
    client.force_login(owner)
    groups = client.get(reverse("functions:log-groups")).content.decode()
    assert "/aws/lambda/HelloWorld" in groups and "Never expire" in groups
    group = client.get(reverse("functions:log-group", args=[group_of(function).pk])).content.decode()
    assert stream.name in group and "Edit retention setting" in group and "Search all log streams" in group
    events = client.get(reverse("functions:log-stream", args=[group_of(function).pk, stream.pk])).content.decode()
    assert "value1 = value1" in events and "inv-group" in events
    partial = client.get(
        reverse("functions:log-events", args=[group_of(function).pk]), {"filter": "value1 ="}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.startswith('<div id="log-events">') or '<div id="log-events">' in partial[:200]
    assert "value1 = value1" in partial and "START RequestId" not in partial
    none = client.get(reverse("functions:log-events", args=[group_of(function).pk]), {"filter": "absent"}).content.decode()
    assert "No matching events" in none


def test_download_is_a_text_attachment(client, owner, function, invocation, stream, invocation_log):
    client.force_login(owner)
    response = client.get(reverse("functions:log-download", args=[group_of(function).pk]), {"stream": stream.pk})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Disposition"] == (
        'attachment; filename="HelloWorld-2024_03_10_LATEST_0123456789abcdef0123456789abcdef.log"'
    )
    assert body.count("\n") == 5 and "\tREPORT RequestId:" in body


def test_retention_is_saved_or_refused(client, owner, function):
    client.force_login(owner)
    url = reverse("functions:log-retention", args=[group_of(function).pk])
    assert client.post(url, {"retention_days": "14"}).status_code == 302
    function.refresh_from_db()
    assert group_of(function).retention_days == 14
    page = client.post(url, {"retention_days": "2"}, follow=True).content.decode()
    assert "Choose a retention setting" in page
    client.post(url, {"retention_days": ""})
    function.refresh_from_db()
    assert group_of(function).retention_days is None


def test_live_tail_page_and_poll(client, owner, function):
    from invoker import live_tail

    client.force_login(owner)
    page = client.get(reverse("functions:log-tail", args=[group_of(function).pk])).content.decode()
    assert "Live Tail" in page and 'id="tail-poller"' in page
    live_tail.publish(str(function.uid), "stream-x", "rid", [(datetime.now(UTC).timestamp(), "tick 1")])
    live_tail.flush()
    poll = client.get(reverse("functions:log-tail-poll", args=[group_of(function).pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-swap-oob="beforeend:#tail-lines"' in poll and "tick 1" in poll and "after=" in poll


def test_the_nav_has_logs(client, owner, function):
    client.force_login(owner)
    page = client.get(reverse("functions:log-groups")).content.decode()
    assert '<a href="/functions/logs/" class="active">Logs</a>' in page
