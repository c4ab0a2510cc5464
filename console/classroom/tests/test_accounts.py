"""Login cards, the first sign-in's new password, resets, the lockout; the
audit of view-as, and Copy to my functions."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from console.classroom.models import ViewRecord
from functions.models import Function, TestEvent
from functions.tests.helpers import group_of

from .test_roster import roster_csv, upload

pytestmark = pytest.mark.django_db

CARD = re.compile(r"data-card-username>([^<]+)</span>.*?data-card-password>([^<]+)</span>", re.S)


def sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_cards_give_each_student_a_temporary_password_to_replace(client, instructor, course):
    client.force_login(instructor)
    upload(client, course, roster_csv(), "apply")
    response = client.post(reverse("classroom:cards", args=[course.pk]))
    cards = CARD.findall(response.content.decode())
    # student1 (the course fixture's) has no usable password either: 31 cards, one each.
    assert len(cards) == 31 and len({u for u, _ in cards}) == 31
    username, password = next(c for c in cards if c[0] == "s001")
    client.logout()
    assert sign_in(client, username, password).status_code == 302
    # Anything but the password page sends them to it.
    response = client.get(reverse("functions:list"))
    assert response.status_code == 302 and response.url == reverse("classroom:password-first")
    response = client.post(reverse("classroom:password-first"), {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 400
    response = client.post(
        reverse("classroom:password-first"), {"new_password1": "My-own-pass-42", "new_password2": "My-own-pass-42"}
    )
    assert response.status_code == 302 and client.get(reverse("functions:list")).status_code == 200
    assert User.objects.get(username="s001").check_password("My-own-pass-42")
    # A second sheet leaves out the students who have signed in.
    client.force_login(instructor)
    cards = CARD.findall(client.post(reverse("classroom:cards", args=[course.pk])).content.decode())
    assert "s001" not in {u for u, _ in cards} and len(cards) == 30


def test_the_first_password_page_is_only_for_a_temporary_password(client, owner):
    client.force_login(owner)
    data = {"new_password1": "Hijacked-pass-1", "new_password2": "Hijacked-pass-1"}
    assert client.post(reverse("classroom:password-first"), data).url == reverse("functions:list")
    owner.refresh_from_db()
    assert owner.check_password("pw-student1")


def test_an_instructor_resets_a_students_password(client, instructor, owner, course):
    client.force_login(instructor)
    response = client.post(reverse("classroom:password-reset", args=[course.pk, owner.pk]))
    [(username, password)] = CARD.findall(response.content.decode())
    assert username == "student1"
    client.logout()
    assert sign_in(client, "student1", "pw-student1").status_code == 200  # the old one is gone
    assert sign_in(client, "student1", password).status_code == 302
    assert client.get(reverse("functions:list")).url == reverse("classroom:password-first")


def test_sign_in_is_locked_after_five_failures_with_a_clear_message(client, owner, instructor, course):
    for _ in range(4):
        assert sign_in(client, "student1", "wrong").status_code == 200
    response = sign_in(client, "student1", "wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins for student1: after 5 wrong passwords" in response.content.decode()
    # Locked even with the right password, until the cool-off or a reset.
    assert sign_in(client, "student1", "pw-student1").status_code == 429
    client.force_login(instructor)
    response = client.post(reverse("classroom:password-reset", args=[course.pk, owner.pk]))
    [(_, password)] = CARD.findall(response.content.decode())
    client.logout()
    assert sign_in(client, "student1", password).status_code == 302


def test_each_view_as_is_recorded(client, instructor, owner, course, function):
    client.force_login(instructor)
    client.get(reverse("classroom:student", args=[course.pk, owner.pk]))
    client.get(reverse("functions:detail", args=[function.pk]) + "?tab=code")
    client.get(reverse("functions:log-group", args=[group_of(function).pk]))
    client.get(reverse("functions:log-group", args=[group_of(function).pk]))  # the same page again within a minute: one record
    records = list(ViewRecord.objects.order_by("viewed_at").values_list("viewer__username", "student__username", "path"))
    assert records == [
        ("teacher", "student1", reverse("classroom:student", args=[course.pk, owner.pk])),
        ("teacher", "student1", reverse("functions:detail", args=[function.pk])),
        ("teacher", "student1", reverse("functions:log-group", args=[group_of(function).pk])),
    ]
    # The owner's own visits are not views-as.
    client.force_login(owner)
    client.get(reverse("functions:detail", args=[function.pk]))
    assert ViewRecord.objects.count() == 3
    client.force_login(instructor)
    page = client.get(reverse("classroom:detail", args=[course.pk])).content.decode()
    assert "Recent views of students" in page and reverse("functions:log-group", args=[group_of(function).pk]) in page


def test_copy_to_my_functions_clones_without_touching_the_students(client, instructor, owner, course, function):
    from functions.services import configuration

    configuration.function_update_environment(function=function, keys=["STAGE"], values=["lab"])
    TestEvent.objects.create(function=function, owner=owner, name="HelloWorldTestEvent", payload='{"key1": "v"}')
    before = Function.objects.get(pk=function.pk)
    client.force_login(instructor)
    response = client.post(reverse("classroom:function-copy", args=[course.pk, owner.pk, function.pk]))
    copy = Function.objects.get(owner=instructor)
    assert response.status_code == 302 and response.url == reverse("functions:detail", args=[copy.pk])
    assert (copy.name, copy.runtime, copy.handler, copy.environment) == (
        "HelloWorld",
        "python3.11",
        function.handler,
        {"STAGE": "lab"},
    )
    assert bytes(copy.code_zip) == bytes(before.code_zip) and copy.role.owner == instructor
    assert list(copy.test_events.values_list("owner__username", "name")) == [("teacher", "HelloWorldTestEvent")]
    after = Function.objects.get(pk=function.pk)
    assert (after.owner, after.code_sha256, after.environment, after.last_modified) == (
        owner,
        before.code_sha256,
        before.environment,
        before.last_modified,
    )
    assert function.test_events.get().owner == owner
    # The copy is the instructor's own: listed, and writable.
    assert "HelloWorld" in client.get(reverse("functions:list")).content.decode()
    assert client.post(reverse("classroom:function-copy", args=[course.pk, owner.pk, function.pk])).status_code == 302
    assert sorted(Function.objects.filter(owner=instructor).values_list("name", flat=True)) == ["HelloWorld", "HelloWorld-copy"]


def test_a_stranger_cannot_copy(client, stranger, owner, course, function):
    client.force_login(stranger)
    assert client.post(reverse("classroom:function-copy", args=[course.pk, owner.pk, function.pk])).status_code == 404
    assert not Function.objects.filter(owner=stranger).exists()
