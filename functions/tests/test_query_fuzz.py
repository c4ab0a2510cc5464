"""No query string a user can type makes a page answer 500: every GET page
of the console, with every parameter any page reads, set to hostile values."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from functions.models import Invocation, LogStream
from functions.services import functions as function_services

from .helpers import group_of

pytestmark = pytest.mark.django_db

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}
PARAMS = [
    "page", "prefix", "q", "filter", "request_id", "before", "after", "stream", "tab", "event", "template",
    "blueprint_q", "option", "blueprint", "range", "start", "end", "period", "qualifier", "id",
]  # fmt: skip
VALUES = [
    "99999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "\x00",
    "\x1b[2J",
    "x" * 5000,
    "%",
    "'\"<>&",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "custom",
    "$LATEST",
    "alias:",
    "99999999999999999999-99999999999999999999",
    "99999999999999999999-1",
    "1-99999999999999999999",
    " ".join(["-a"] * 400),
]


@pytest.fixture
def urls(owner):
    function = function_services.function_create(owner=owner, name="Fuzzed", runtime="python3.11", files=CODE)
    stream = LogStream.objects.create(group=group_of(function), name="s", created_at=timezone.now())
    invocation = Invocation.objects.create(function=function, status="succeeded", finished_at=timezone.now())
    pk = function.pk
    gpk = group_of(function).pk
    return [
        reverse("functions:list"),
        reverse("functions:create"),
        reverse("functions:detail", args=[pk]),
        *(reverse("functions:detail", args=[pk]) + f"?tab={tab}&" for tab in ("code", "test", "monitor", "configuration")),
        reverse("functions:event-template", args=[pk]),
        reverse("functions:invocation-result", args=[pk, invocation.pk]),
        reverse("functions:monitor-metrics", args=[pk]),
        reverse("functions:monitor-changes", args=[pk]),
        reverse("functions:invocation-compare", args=[pk]),
        reverse("functions:invocation-detail", args=[pk, invocation.pk]),
        reverse("functions:invocation-detail", args=[pk, uuid.uuid4()]),
        reverse("functions:log-groups"),
        reverse("functions:function-logs", args=[pk]),
        reverse("functions:log-group", args=[gpk]),
        reverse("functions:log-events", args=[gpk]),
        reverse("functions:log-stream", args=[gpk, stream.pk]),
        reverse("functions:log-download", args=[gpk]),
        reverse("functions:log-tail", args=[gpk]),
        reverse("functions:log-tail-poll", args=[gpk]),
    ]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_no_query_value_makes_a_page_answer_500(client, owner, urls, value):
    client.force_login(owner)
    client.raise_request_exception = False
    failures = []
    for n, url in enumerate(urls):
        # Full pages and htmx partials, in turn.
        htmx = (n + len(value)) % 2 == 1
        data = dict.fromkeys(PARAMS, value)
        if "?tab=" in url:
            data.pop("tab")
        if value == "custom":  # a custom range with hostile bounds
            data.update({"start": "9999-12-31T23:00", "end": "9999-12-31T23:59"})
        response = client.get(url, data, headers={"HX-Request": "true"} if htmx else {})
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {url} htmx={htmx}")
    assert not failures, failures
