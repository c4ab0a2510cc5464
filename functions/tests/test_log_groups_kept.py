"""A log group outlives its function, as on AWS: deleting a function keeps
its logs (readable by their owner only), a new function of the same name
writes to the same group again, and deleting asks for the typed word."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from functions.forms import ERR_DELETE_WORD
from functions.models import Function, Invocation, LogEvent, LogGroup, LogStream
from functions.services import functions as function_services
from functions.services import logs as log_services

from .helpers import group_of

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}
T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


def logged_invocation(function: Function) -> Invocation:
    invocation = Invocation.objects.create(function=function, status="succeeded", created_at=T0)
    rid = invocation.pk
    log_services.log_events_store(
        function=function,
        invocation=invocation,
        stream_name="2024/03/10/[$LATEST]0123abcd",
        lines=[
            (T0.timestamp(), f"START RequestId: {rid} Version: $LATEST"),
            (T0.timestamp(), "hello from the function"),
            (T0.timestamp(), f"END RequestId: {rid}"),
        ],
    )
    return invocation


@pytest.fixture
def function(owner):
    return function_services.function_create(owner=owner, name="Doomed", runtime="python3.11", files=CODE)


@pytest.mark.django_db
def test_deleting_a_function_keeps_its_log_group_streams_and_events(client, owner, function):
    invocation = logged_invocation(function)
    group = group_of(function)
    client.force_login(owner)
    response = client.post(reverse("functions:delete", args=[function.pk]), {"confirm": "delete"})
    assert response.status_code == 302 and not Function.objects.filter(pk=function.pk).exists()
    assert LogGroup.objects.filter(pk=group.pk).exists() and LogStream.objects.filter(group=group).count() == 1
    # The events keep their request id: they still group by invocation.
    assert LogEvent.objects.filter(request_id=invocation.pk).count() == 3

    listing = client.get(reverse("functions:log-groups")).content.decode()
    assert "/aws/lambda/Doomed" in listing and "Function deleted" in listing
    page = client.get(reverse("functions:log-group", args=[group.pk])).content.decode()
    assert 'id="deleted-function"' in page and "2024/03/10/[$LATEST]0123abcd" in page
    events = client.get(reverse("functions:log-events", args=[group.pk])).content.decode()
    assert "hello from the function" in events and f'data-request-id="{invocation.pk}"' in events
    download = client.get(reverse("functions:log-download", args=[group.pk]))
    assert "hello from the function" in b"".join(download.streaming_content).decode()
    tail = client.get(reverse("functions:log-tail-poll", args=[group.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "was deleted" in tail


@pytest.mark.django_db
def test_a_deleted_functions_logs_are_404_to_others(client, owner, stranger, function):
    logged_invocation(function)
    group = group_of(function)
    stream = LogStream.objects.get(group=group)
    function_services.function_delete(function=function)
    client.force_login(stranger)
    for url in (
        reverse("functions:log-group", args=[group.pk]),
        reverse("functions:log-events", args=[group.pk]),
        reverse("functions:log-stream", args=[group.pk, stream.pk]),
        reverse("functions:log-download", args=[group.pk]),
        reverse("functions:log-tail", args=[group.pk]),
        reverse("functions:log-tail-poll", args=[group.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("functions:log-retention", args=[group.pk]), {"retention_days": "1"}).status_code == 404
    assert "/aws/lambda/Doomed" not in client.get(reverse("functions:log-groups")).content.decode()
    assert LogGroup.objects.get(pk=group.pk).retention_days is None


@pytest.mark.django_db
def test_a_function_created_again_writes_to_its_old_group(owner, function):
    logged_invocation(function)
    group = group_of(function)
    log_services.log_retention_set(group=group, days=7)
    function_services.function_delete(function=function)
    again = function_services.function_create(owner=owner, name="Doomed", runtime="python3.11", files=CODE)
    assert group_of(again).pk == group.pk and group_of(again).retention_days == 7
    invocation = Invocation.objects.create(function=again, status="succeeded")
    stream = log_services.log_events_store(
        function=again, invocation=invocation, stream_name="new-env", lines=[(T0.timestamp(), "x")]
    )
    assert stream.group_id == group.pk and LogStream.objects.filter(group=group).count() == 2


@pytest.mark.django_db
def test_the_function_page_links_its_log_group(client, owner, function):
    client.force_login(owner)
    response = client.get(reverse("functions:function-logs", args=[function.pk]), {"filter": "x"})
    assert response.url == reverse("functions:log-group", args=[group_of(function).pk]) + "?filter=x"


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["", "Delete", "delete it", "yes"])
def test_delete_needs_the_typed_word(client, owner, function, word):
    client.force_login(owner)
    page = client.post(reverse("functions:delete", args=[function.pk]), {"confirm": word}, follow=True).content.decode()
    assert Function.objects.filter(pk=function.pk).exists()
    assert ERR_DELETE_WORD.replace('"', "&quot;") in page
    many = client.post(reverse("functions:delete-many"), {"function": [function.pk], "confirm": word}, follow=True)
    assert Function.objects.filter(pk=function.pk).exists()
    assert ERR_DELETE_WORD.replace('"', "&quot;") in many.content.decode()


@pytest.mark.django_db
def test_the_delete_dialog_says_the_logs_are_kept_and_asks_for_the_word(client, owner, function):
    client.force_login(owner)
    page = client.get(reverse("functions:detail", args=[function.pk])).content.decode()
    assert 'name="confirm"' in page and "type <strong>delete</strong>" in page
    assert "/aws/lambda/Doomed</span> and its execution role are kept" in page
    assert "data-confirm=" not in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_a_group_per_function_and_keeps_request_ids():
    executor = MigrationExecutor(connection)
    executor.migrate([("functions", "0003_runtime_list_in_the_engine")])
    old = executor.loader.project_state([("functions", "0003_runtime_list_in_the_engine")]).apps
    user = old.get_model("auth", "User").objects.create(username="before")
    function = old.get_model("functions", "Function").objects.create(
        owner=user,
        name="Old",
        runtime="python3.11",
        handler="lambda_function.lambda_handler",
        code_zip=b"",
        code_sha256="x",
        log_retention_days=14,
    )
    invocation = old.get_model("functions", "Invocation").objects.create(function=function)
    stream = old.get_model("functions", "LogStream").objects.create(function=function, name="s")
    old.get_model("functions", "LogEvent").objects.create(stream=stream, invocation=invocation, timestamp=T0, message="m")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    group = LogGroup.objects.get(owner_id=user.pk, name="/aws/lambda/Old")
    assert group.retention_days == 14
    assert LogStream.objects.get(pk=stream.pk).group_id == group.pk
    assert LogEvent.objects.get(stream_id=stream.pk).request_id == invocation.pk
