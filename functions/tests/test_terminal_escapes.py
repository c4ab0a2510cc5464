"""What a function prints is shown as text: terminal escapes (ANSI colours,
OSC titles, BEL, carriage returns...) and other control characters appear
visibly escaped in every page, never raw."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from functions.models import Invocation, LogEvent, LogStream
from functions.services import functions as function_services

from .helpers import group_of

pytestmark = pytest.mark.django_db

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}
PRINTED = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 back\x08space \x00nul \x9b2J \u202eevil"
SHOWN = ["\\x1b[31mred", "\\x1b[0m", "\\x1b]0;pwned", "\\x07", "\\x08space", "\\x00nul", "\\x9b2J", "\\u202eevil"]
# Any control character but tab, newline (and the CR of a CRLF line end).
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def invocation(owner):
    function = function_services.function_create(owner=owner, name="Noisy", runtime="python3.11", files=CODE)
    now = timezone.now()
    stream = LogStream.objects.create(group=group_of(function), name="2024/03/10/[$LATEST]abc", created_at=now, last_event_at=now)
    invocation = Invocation.objects.create(
        function=function,
        status=Invocation.Status.FAILED,
        finished_at=now,
        response=f"not json {PRINTED}",
        error_type=f"Err{PRINTED}",
        log_tail=f"START\n{PRINTED}\nEND\n",
        log_stream=stream,
    )
    LogEvent.objects.create(stream=stream, request_id=invocation.pk, timestamp=now, message=PRINTED)
    return invocation


def assert_shown_escaped(body: str, where: str) -> None:
    assert not RAW.search(body), f"raw control character on {where}: {RAW.search(body)!r}"
    text = html.unescape(re.sub(r"<[^>]+>", "", body))  # what the page shows
    for escaped in SHOWN:
        assert escaped in text, f"{escaped} not shown on {where}"


def test_log_events_show_control_characters_escaped(client, owner, invocation):
    client.force_login(owner)
    function = invocation.function
    for url in (
        reverse("functions:log-events", args=[group_of(function).pk]),
        reverse("functions:log-stream", args=[group_of(function).pk, invocation.log_stream.pk]),
    ):
        assert_shown_escaped(client.get(url).content.decode(), url)


def test_the_execution_result_and_invocation_pages_show_them_escaped(client, owner, invocation):
    client.force_login(owner)
    function = invocation.function
    for url in (
        reverse("functions:invocation-result", args=[function.pk, invocation.pk]),
        reverse("functions:invocation-detail", args=[function.pk, invocation.pk]),
    ):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code in (200, 286), url  # 286: a finished result stops polling
        assert_shown_escaped(response.content.decode(), url)


def test_a_json_response_keeps_its_own_escapes(client, owner, invocation):
    invocation.response = '"\\u001b[31mred"'
    invocation.save()
    client.force_login(owner)
    body = client.get(reverse("functions:invocation-result", args=[invocation.function.pk, invocation.pk])).content.decode()
    assert "\\u001b[31mred" in body and "\x1b" not in body
