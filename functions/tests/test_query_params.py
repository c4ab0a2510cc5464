"""Every query parameter a user can type is validated: a bad one is named on
the page, what was typed stays in the box, and nothing answers 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from functions import forms
from functions.models import Invocation, LogEvent, LogStream
from functions.services import functions as function_services

from .helpers import group_of

pytestmark = pytest.mark.django_db

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}
HUGE = "99999999999999999999"


@pytest.fixture
def function(owner):
    function = function_services.function_create(owner=owner, name="Logged", runtime="python3.11", files=CODE)
    stream = LogStream.objects.create(
        group=group_of(function), name="2024/03/10/[$LATEST]0123", created_at=datetime(2024, 3, 10, tzinfo=UTC)
    )
    invocation = Invocation.objects.create(function=function, status="succeeded")
    when = datetime(2024, 3, 10, 12, tzinfo=UTC)
    LogEvent.objects.bulk_create(
        LogEvent(stream=stream, request_id=invocation.pk, timestamp=when + timedelta(seconds=i), message=f"line {i}")
        for i in range(3)
    )
    return function


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    client.raise_request_exception = False
    return client


def test_it_shows_the_first_page_of_streams_for_a_page_number_out_of_range(signed_in, function):
    for page in (HUGE, "0", "-1", "abc", "1e9"):
        response = signed_in.get(reverse("functions:log-group", args=[group_of(function).pk]), {"page": page})
        assert response.status_code == 200, page
        assert forms.ERR_PAGE in response.content.decode(), page
        assert "2024/03/10/[$LATEST]0123" in response.content.decode()


@pytest.mark.parametrize("cursor", [f"{HUGE}-1", f"1-{HUGE}", "999999999999999999-1", "12-", "x-1", "1" * 70])
def test_a_broken_older_events_link_shows_the_newest_events_and_says_so(signed_in, function, cursor):
    response = signed_in.get(reverse("functions:log-events", args=[group_of(function).pk]), {"before": cursor})
    assert response.status_code == 200
    body = response.content.decode()
    assert forms.ERR_CURSOR in body
    assert "line 2" in body


def test_a_filter_of_a_thousand_words_is_refused_with_a_message_and_kept_in_the_box(signed_in, function):
    words = " ".join(f"w{i}" for i in range(1000))
    response = signed_in.get(reverse("functions:log-events", args=[group_of(function).pk]), {"filter": words})
    assert response.status_code == 200
    body = response.content.decode()
    assert forms.ERR_FILTER_LENGTH in body
    assert "w0 w1 w2" in body
    assert "line 2" not in body  # not applied, so it matches nothing rather than everything


@pytest.mark.parametrize("text", ["l " * 499, "-l " * 333, '"l" ' * 250])
def test_a_filter_of_many_short_terms_is_refused_by_its_term_count(signed_in, function, text):
    for name in ("functions:log-events", "functions:log-tail-poll"):
        response = signed_in.get(reverse(name, args=[group_of(function).pk]), {"filter": text})
        assert response.status_code == 200, name
        assert forms.ERR_FILTER_TERMS in response.content.decode(), name
    download = signed_in.get(reverse("functions:log-download", args=[group_of(function).pk]), {"filter": text})
    assert download.status_code == 400 and forms.ERR_FILTER_TERMS in download.content.decode()


def test_a_filter_within_the_limits_still_filters(signed_in, function):
    terms = " ".join(["line"] * forms.MAX_FILTER_TERMS)
    response = signed_in.get(reverse("functions:log-events", args=[group_of(function).pk]), {"filter": terms + " 2"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "line 2" in body and "line 1" not in body


def test_a_bad_stream_or_tail_cursor_is_not_a_500(signed_in, function):
    download = signed_in.get(reverse("functions:log-download", args=[group_of(function).pk]), {"stream": HUGE})
    assert download.status_code == 400 and forms.ERR_STREAM in download.content.decode()
    poll = signed_in.get(reverse("functions:log-tail-poll", args=[group_of(function).pk]), {"after": HUGE + "-" + HUGE})
    assert poll.status_code == 200
