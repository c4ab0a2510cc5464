"""The console's views: access, htmx partials, and bad input."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from functions import errors
from functions.models import Function, Invocation, TestEvent
from functions.selectors import functions as function_selectors
from functions.services import events as event_services
from functions.services import functions as function_services
from functions.services import invocations as invocation_services

from .helpers import HELLO_WORLD

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved_event(function, owner):
    return TestEvent.objects.create(function=function, owner=owner, name="HelloWorldTestEvent", payload="{}")


def urls_with_ids(function, saved_event, invocation) -> list[tuple[str, str]]:
    """Every URL that names an object, with the method it answers to."""
    pk = function.pk
    return [
        ("get", reverse("functions:detail", args=[pk])),
        ("get", reverse("functions:detail", args=[pk]) + "?tab=test"),
        ("post", reverse("functions:deploy", args=[pk])),
        ("post", reverse("functions:delete", args=[pk])),
        ("post", reverse("functions:test", args=[pk])),
        ("get", reverse("functions:event-template", args=[pk])),
        ("post", reverse("functions:event-save", args=[pk])),
        ("post", reverse("functions:event-delete", args=[pk, saved_event.pk])),
        ("get", reverse("functions:invocation-result", args=[pk, invocation.pk])),
    ]


def test_it_answers_404_to_another_users_ids_and_changes_nothing(client, stranger, function, saved_event, invocation):
    client.force_login(stranger)
    for method, url in urls_with_ids(function, saved_event, invocation):
        response = getattr(client, method)(url, {"event_json": "{}", "files": json.dumps(HELLO_WORLD), "confirm": "delete"})
        assert response.status_code == 404, url
    assert Function.objects.filter(pk=function.pk).exists()
    assert TestEvent.objects.filter(pk=saved_event.pk).exists()
    assert Invocation.objects.filter(function=function).count() == 1


def test_every_page_requires_sign_in(client, function, saved_event, invocation):
    urls = [("get", reverse("functions:list")), ("get", reverse("functions:create"))]
    for method, url in urls + urls_with_ids(function, saved_event, invocation):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


def test_mutating_views_refuse_get(client, owner, function, saved_event):
    client.force_login(owner)
    for name, args in [
        ("deploy", [function.pk]),
        ("delete", [function.pk]),
        ("test", [function.pk]),
        ("event-save", [function.pk]),
        ("event-delete", [function.pk, saved_event.pk]),
    ]:
        assert client.get(reverse(f"functions:{name}", args=args)).status_code == 405


def test_the_list_shows_only_the_users_functions(client, owner, function, their_function):
    client.force_login(owner)
    page = client.get(reverse("functions:list")).content.decode()
    assert "HelloWorld" in page and "Theirs" not in page
    for column in ("Function name", "Description", "Runtime", "Code size", "Memory (MB)", "Timeout", "Last modified"):
        assert column in page


def test_is_staff_alone_grants_no_access_to_students_work(client, instructor, function, saved_event, invocation):
    client.force_login(instructor)
    assert "HelloWorld" not in client.get(reverse("functions:list")).content.decode()
    for method, url in urls_with_ids(function, saved_event, invocation):
        assert getattr(client, method)(url).status_code == 404, url


def test_an_instructor_reads_their_students_function_and_changes_nothing(
    client, instructor, course, function, saved_event, invocation
):
    client.force_login(instructor)
    # Their own Functions list stays theirs: students' work is reached from the course page.
    assert "HelloWorld" not in client.get(reverse("functions:list")).content.decode()
    page = client.get(reverse("functions:detail", args=[function.pk]))
    assert page.status_code == 200
    assert 'id="view-as-banner"' in page.content.decode() and "(student1) — read only" in page.content.decode()
    for method, url in urls_with_ids(function, saved_event, invocation):
        response = getattr(client, method)(url, {"event_json": "{}", "files": json.dumps(HELLO_WORLD)})
        assert response.status_code == (200 if method == "get" else 403), url
    assert Function.objects.filter(pk=function.pk).exists() and TestEvent.objects.filter(pk=saved_event.pk).exists()
    assert Invocation.objects.filter(function=function).count() == 1


def test_the_list_filter_returns_the_table_partial_to_htmx(client, owner, function):
    client.force_login(owner)
    response = client.get(reverse("functions:list"), {"q": "hello"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and "HelloWorld" in body
    assert "No matches" in client.get(reverse("functions:list"), {"q": "zzz"}, headers={"HX-Request": "true"}).content.decode()


def test_an_empty_list_says_what_to_do(client, owner):
    client.force_login(owner)
    page = client.get(reverse("functions:list")).content.decode()
    assert "You have not created any functions yet. Choose <em>Create function</em>" in page


def test_create_refuses_a_bad_name_and_keeps_nothing(client, owner):
    client.force_login(owner)
    response = client.post(reverse("functions:create"), {"option": "author", "name": "bad name!", "runtime": "python3.11"})
    assert response.status_code == 400
    assert function_services.ERR_NAME in response.content.decode()
    assert not Function.objects.exists()


def test_create_from_a_blueprint_makes_a_basic_role(client, owner):
    from django.core.management import call_command

    call_command("load_blueprints")
    client.force_login(owner)
    response = client.post(
        reverse("functions:create"),
        {"option": "blueprint", "blueprint": "hello-world-python", "name": "HelloWorld", "role_choice": "new"},
    )
    function = Function.objects.get(name="HelloWorld")
    assert response.status_code == 302
    assert function.role.name.startswith("HelloWorld-role-") and function.role.allows_logs
    assert "print(\"value1 = \" + event['key1'])" in function_selectors.function_files(function)["lambda_function.py"]


def test_blueprint_search_finds_both_hello_worlds(client, owner):
    from django.core.management import call_command

    call_command("load_blueprints")
    client.force_login(owner)
    body = client.get(
        reverse("functions:create"), {"option": "blueprint", "blueprint_q": "hello-world"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'value="hello-world-python"' in body and 'value="hello-world"' in body
    assert "s3-object-handler-python" not in body


def test_a_failed_deploy_keeps_the_old_code(client, owner, function):
    client.force_login(owner)
    before = (function.code_sha256, function.revision_id)
    response = client.post(reverse("functions:deploy", args=[function.pk]), {"files": json.dumps({"../escape.py": "x"})})
    assert response.status_code == 400
    assert "previous code is still live" in response.content.decode()
    function.refresh_from_db()
    assert (function.code_sha256, function.revision_id) == before


def test_deploy_saves_a_new_revision(client, owner, function):
    client.force_login(owner)
    before = function.revision_id
    files = {"lambda_function.py": "def lambda_handler(e, c):\n    return 2\n"}
    response = client.post(reverse("functions:deploy", args=[function.pk]), {"files": json.dumps(files)})
    assert "Successfully updated the function HelloWorld." in response.content.decode()
    function.refresh_from_db()
    assert function.revision_id != before
    assert function_selectors.function_files(function) == files


def test_saving_invalid_json_says_where(client, owner, function):
    client.force_login(owner)
    response = client.post(
        reverse("functions:event-save", args=[function.pk]), {"event_name": "Broken", "event_json": '{"key1": }'}
    )
    assert response.status_code == 400
    assert "Expecting value at line 1, column 10" in response.content.decode()
    assert not TestEvent.objects.exists()


def test_at_most_ten_saved_events(client, owner, function):
    client.force_login(owner)
    for n in range(10):
        event_services.event_save(function=function, owner=owner, name=f"event{n}", payload="{}")
    response = client.post(reverse("functions:event-save", args=[function.pk]), {"event_name": "eleventh", "event_json": "{}"})
    assert response.status_code == 400 and event_services.ERR_TOO_MANY_EVENTS in response.content.decode()
    assert TestEvent.objects.count() == 10


def test_saved_events_are_the_owners_and_their_instructor_reads_them(client, owner, instructor, course, function, saved_event):
    url = reverse("functions:detail", args=[function.pk]) + "?tab=test"
    client.force_login(owner)
    assert "HelloWorldTestEvent" in client.get(url).content.decode()
    client.force_login(instructor)  # the student's own test events, read-only
    body = client.get(url).content.decode()
    assert 'id="event-editor"' in body and "HelloWorldTestEvent" in body
    assert client.post(reverse("functions:event-delete", args=[function.pk, saved_event.pk])).status_code == 403
    assert TestEvent.objects.filter(pk=saved_event.pk).exists()


def test_an_unknown_invocation_is_404(client, owner, function):
    client.force_login(owner)
    assert client.get(reverse("functions:invocation-result", args=[function.pk, uuid.uuid4()])).status_code == 404


def test_create_by_upload_refuses_an_escaping_archive(client, owner):
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/cron.d/evil", "* * * * * root sh")
    client.force_login(owner)
    response = client.post(
        reverse("functions:create"),
        {
            "option": "upload",
            "name": "Uploaded",
            "runtime": "python3.11",
            "zip_file": SimpleUploadedFile("evil.zip", buffer.getvalue()),
        },
    )
    assert response.status_code == 400
    assert "escapes the function folder: ../../etc/cron.d/evil" in response.content.decode()
    assert not Function.objects.exists()


def test_a_broker_outage_is_a_message_not_a_lost_invocation(function, monkeypatch, django_capture_on_commit_callbacks):
    import redis
    from celery import current_app

    from invoker import concurrency

    monkeypatch.setattr(
        concurrency, "acquire", lambda *a, **k: (_ for _ in ()).throw(redis.exceptions.ConnectionError("refused"))
    )
    with pytest.raises(errors.ServiceError, match="cannot reach its invocation queue"):
        invocation_services.invocation_create(function=function, payload="{}")
    assert not Invocation.objects.exists()

    monkeypatch.setattr(concurrency, "acquire", lambda *a, **k: True)
    monkeypatch.setattr(concurrency, "release", lambda *a, **k: None)
    monkeypatch.setattr(current_app, "send_task", lambda *a, **k: (_ for _ in ()).throw(OSError("broker down")))
    with (
        pytest.raises(errors.ServiceError, match="cannot reach its invocation queue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invocation_services.invocation_create(function=function, payload="{}")
    invocation = Invocation.objects.get()
    assert invocation.status == Invocation.Status.FAILED and invocation.error_type == "ServiceException"


def test_code_is_data_in_the_page_never_markup(client, owner, instructor, course):
    evil = "# </script><script>alert('owned')</script>\ndef lambda_handler(e, c):\n    return 1\n"
    function = function_services.function_create(
        owner=owner, name="Evil", runtime="python3.11", files={"lambda_function.py": evil}
    )
    client.force_login(instructor)
    page = client.get(reverse("functions:detail", args=[function.pk])).content.decode()
    assert "<script>alert('owned')</script>" not in page
    assert "\\u003C/script\\u003E" in page


def test_the_functions_list_names_the_runtime(client, owner):
    for runtime in ("python3.13", "nodejs22.x"):
        function_services.function_create(owner=owner, name=f"fn-{runtime[:6]}", runtime=runtime, files={"x.txt": "x"})
    client.force_login(owner)
    page = client.get(reverse("functions:list")).content.decode()
    assert "<td>Python 3.13</td>" in page and "<td>Node.js 22.x</td>" in page


def test_an_invocation_records_the_code_of_the_version_it_runs(function):
    from functions.services import versions

    version, _ = versions.version_publish(function=function)
    function_services.function_update_code(
        function=function, files={"lambda_function.py": "def lambda_handler(e, c):\n    return 2\n"}
    )
    function.refresh_from_db()
    latest = invocation_services.invocation_create(function=function, payload="{}")
    old = invocation_services.invocation_create(function=function, payload="{}", qualifier="1")
    assert latest.code_sha256 == function.code_sha256
    assert old.code_sha256 == version.code_sha256 != function.code_sha256


def test_a_result_says_which_code_it_ran_and_whether_that_is_the_deployed_code(client, owner, function):
    client.force_login(owner)
    ran = Invocation.objects.create(
        function=function, status=Invocation.Status.SUCCEEDED, response="1", code_sha256=function.code_sha256
    )
    url = reverse("functions:invocation-result", args=[function.pk, ran.pk])
    page = client.get(url).content.decode()
    assert function.code_sha256 in page and "the deployed code, as in the Code tab" in page
    files = {"lambda_function.py": "def lambda_handler(e, c):\n    return 2\n"}
    deployed = client.post(reverse("functions:deploy", args=[function.pk]), {"files": json.dumps(files)}).content.decode()
    function.refresh_from_db()
    assert f'data-code-sha256="{function.code_sha256}"' in deployed  # the editor re-keys its buffers by it
    page = client.get(url).content.decode()
    assert ran.code_sha256 in page and f"Older code than the Code tab's ({function.code_sha256})" in page
