"""A page and its htmx fragments never mix: Back never shows a raw fragment,
and a change on the page refreshes every fragment that shows it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from functions.models import Function
from functions.services import functions as function_services

from .helpers import group_of

pytestmark = pytest.mark.django_db

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def function(owner):
    return function_services.function_create(owner=owner, name="Fresh", runtime="python3.11", files=CODE)


def test_it_varies_every_answer_on_hx_request_and_never_stores_a_fragment(client, owner, function):
    client.force_login(owner)
    url = reverse("functions:list") + "?q=Fre"
    page = client.get(url)
    fragment = client.get(url, headers=HTMX)
    assert "HX-Request" in page["Vary"] and "HX-Request" in fragment["Vary"]
    assert "no-store" in fragment["Cache-Control"]
    assert "<html" in page.content.decode() and "<html" not in fragment.content.decode()


def test_a_history_restore_gets_the_whole_page(client, owner, function):
    client.force_login(owner)
    url = reverse("functions:list") + "?q=Fre"
    response = client.get(url, headers=HTMX | {"HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_the_filters_put_their_text_in_the_url(client, owner, function):
    client.force_login(owner)
    for url in (reverse("functions:list"), reverse("functions:log-groups")):
        text = client.get(url).content.decode()
        assert 'hx-push-url="true"' in text, url


def test_the_log_filter_swaps_a_download_link_with_the_typed_filter(client, owner, function):
    client.force_login(owner)
    url = reverse("functions:log-events", args=[group_of(function).pk])
    text = client.get(url, {"filter": "needle -hay", "request_id": "abc"}, headers=HTMX).content.decode()
    assert 'id="log-actions" hx-swap-oob="true"' in text
    assert "download/?filter=needle%20-hay&amp;request_id=abc" in text


def test_deploy_refreshes_the_code_sha_and_the_overview(client, owner, function):
    client.force_login(owner)
    new_code = {"lambda_function.py": "def lambda_handler(event, context):\n    return 2\n"}
    response = client.post(reverse("functions:deploy", args=[function.pk]), {"files": json.dumps(new_code)}, headers=HTMX)
    function = Function.objects.get(pk=function.pk)
    text = response.content.decode()
    assert f'id="code-sha256" hx-swap-oob="true">{function.code_sha256}<' in text
    assert 'id="function-overview" hx-swap-oob="true"' in text


def test_saving_the_description_refreshes_the_overview(client, owner, function):
    client.force_login(owner)
    data = {"description": "Says hello", "memory_size": 128, "timeout_min": 0, "timeout_sec": 3, "ephemeral_storage": 512}
    response = client.post(reverse("functions:configuration-save", args=[function.pk, "general"]), data, headers=HTMX)
    text = response.content.decode()
    assert 'id="function-overview" hx-swap-oob="true"' in text
    assert '<div id="overview-description">Says hello</div>' in text
