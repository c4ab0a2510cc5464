"""Issue 8's smaller items: Create function keeps the typed name, blueprints
show their code, aliases have Edit, a retried async test says when, saved
events sort as people read, times carry UTC for the browser, error pages lead
back, and there is a favicon."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from functions.models import Invocation, LogStream, TestEvent
from functions.selectors import functions as function_selectors
from functions.services import functions as function_services
from functions.services import logs as log_services
from functions.services import versions

from .helpers import group_of

pytestmark = pytest.mark.django_db

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}
T0 = datetime(2024, 3, 10, 23, 59, 58, 123000, tzinfo=UTC)


@pytest.fixture
def function(owner):
    return function_services.function_create(owner=owner, name="Small", runtime="python3.11", files=CODE)


def test_switching_the_create_option_keeps_the_typed_name(client, owner):
    client.force_login(owner)
    page = client.get(reverse("functions:create"), {"option": "upload", "name": "MyFunction", "runtime": "nodejs18.x"})
    text = page.content.decode()
    assert 'id="id_name" name="name" value="MyFunction"' in text
    assert '<option value="nodejs18.x" selected>' in text


def test_blueprints_show_their_code(client, owner):
    call_command("load_blueprints")
    client.force_login(owner)
    text = client.get(reverse("functions:create"), {"option": "blueprint", "blueprint": "hello-world-python"}).content.decode()
    assert '<details class="blueprint-code" id="preview-hello-world-python" open>' in text
    assert "def lambda_handler(event, context):" in text


def test_each_alias_has_edit_which_fills_the_form(client, owner, function):
    versions.version_publish(function=function)
    versions.alias_create(
        function=function, name="prod", version="1", description="live", additional_version="", weight_percent=0
    )
    client.force_login(owner)
    url = reverse("functions:detail", args=[function.pk])
    listing = client.get(url, {"tab": "aliases"}).content.decode()
    assert 'data-edit-alias="prod"' in listing and "Update the existing alias" not in listing
    form = client.get(url, {"tab": "aliases", "edit": "prod"}, headers={"HX-Request": "true"}).content.decode()
    assert "Edit alias prod" in form and '<input type="hidden" name="edit" value="1">' in form
    assert '<option value="1" selected>' in form and 'value="live"' in form
    saved = client.post(
        reverse("functions:alias-save", args=[function.pk]),
        {"name": "prod", "edit": "1", "version": "$LATEST", "description": "x"},
    )
    assert "Successfully updated alias prod." in saved.content.decode()
    assert function.aliases.get(name="prod").version == "$LATEST"


def test_a_failed_async_attempt_says_when_it_is_retried(client, owner, function, settings):
    settings.LABDA_ASYNC_RETRY_DELAYS = [60, 120]
    invocation = Invocation.objects.create(
        function=function,
        invocation_type=Invocation.Type.EVENT,
        status=Invocation.Status.PENDING,
        attempts=1,
        error_type="KeyError",
        finished_at=T0,
    )
    client.force_login(owner)
    text = client.get(reverse("functions:invocation-result", args=[function.pk, invocation.pk])).content.decode()
    assert "Attempt 1 of 3 failed</strong> with KeyError; next retry at" in text
    assert '<time datetime="2024-03-11T00:00:58.123Z" data-local="time">00:00:58 UTC</time>' in text
    assert 'id="error-help"' in text  # and what KeyError means


def test_saved_events_sort_as_people_read_them(owner, function):
    for name in ["banana", "Apple", "cherry", "Date"]:
        TestEvent.objects.create(function=function, owner=owner, name=name, payload="{}")
    assert [e.name for e in function_selectors.test_events(function=function, user=owner)] == [
        "Apple",
        "banana",
        "cherry",
        "Date",
    ]


def test_times_are_utc_in_the_page_for_the_browser_to_localise(client, owner, function):
    invocation = Invocation.objects.create(function=function, status="succeeded", created_at=T0)
    log_services.log_events_store(function=function, invocation=invocation, stream_name="s", lines=[(T0.timestamp(), "hi")])
    client.force_login(owner)
    group = group_of(function)
    events = client.get(reverse("functions:log-events", args=[group.pk])).content.decode()
    assert '<time datetime="2024-03-10T23:59:58.123Z" data-local="ms">2024-03-10 23:59:58.123 UTC</time>' in events
    streams = client.get(reverse("functions:log-group", args=[group.pk])).content.decode()
    assert f'<time datetime="{LogStream.objects.get(group=group).last_event_at:%Y-%m-%dT%H:%M:%S}' in streams


def test_a_missing_page_leads_back(client, owner):
    client.force_login(owner)
    response = client.get(reverse("functions:detail", args=[987654]))
    text = response.content.decode()
    assert response.status_code == 404
    assert 'id="error-page"' in text and 'href="/functions/">Back to Functions' in text and "sidenav" in text


def test_a_server_error_page_leads_back():
    response = server_error(RequestFactory().get("/functions/"))
    text = response.content.decode()
    assert response.status_code == 500 and 'href="/functions/">Back to Functions' in text and "console.css" in text


def test_there_is_a_favicon(client, owner):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/favicon.svg"
    client.force_login(owner)
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get(reverse("functions:list")).content.decode()
