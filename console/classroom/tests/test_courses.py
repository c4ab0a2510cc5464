"""Courses, join codes and their QR codes, joining, teaching assistants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from console.classroom.models import JOIN_CODE_ALPHABET, Course, Membership
from console.classroom.services import courses

pytestmark = pytest.mark.django_db


def test_staff_create_a_course_and_are_its_instructor(client, instructor):
    client.force_login(instructor)
    response = client.post(reverse("classroom:list"), {"name": "Serverless 101", "sections": "A, B"})
    course = Course.objects.get()
    assert response.status_code == 302 and response.url == reverse("classroom:detail", args=[course.pk])
    assert [s.name for s in course.sections.all()] == ["A", "B"]
    assert course.memberships.get().user == instructor and course.memberships.get().role == "instructor"
    page = client.get(response.url).content.decode()
    assert "Sections and join codes" in page and course.sections.get(name="A").join_code in page


def test_a_student_cannot_create_a_course(client, owner):
    client.force_login(owner)
    assert "Create course" not in client.get(reverse("classroom:list")).content.decode()
    response = client.post(reverse("classroom:list"), {"name": "Mine"})
    assert response.status_code == 400 and courses.ERR_NOT_STAFF in response.content.decode()
    assert not Course.objects.exists()


def test_the_navigation_shows_courses_to_staff_and_members_only(client, instructor, owner, stranger, course):
    for user, shown in ((instructor, True), (owner, True), (stranger, False)):
        client.force_login(user)
        page = client.get(reverse("functions:list")).content.decode()
        assert (f'href="{reverse("classroom:list")}"' in page) == shown, user


def test_join_codes_use_an_unambiguous_alphabet(course):
    codes = [courses.section_code_rotate(section=course.sections.get(name="A")).join_code for _ in range(50)]
    assert all(len(c) == 8 and set(c) <= set(JOIN_CODE_ALPHABET) for c in codes)
    assert not set("".join(codes)) & set("0O1I")


def test_the_qr_code_is_an_svg_of_the_join_link(client, instructor, course):
    client.force_login(instructor)
    section = course.sections.get(name="A")
    response = client.get(reverse("classroom:section-qr", args=[course.pk, section.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<?xml") and b"<svg" in response.content and b"<path" in response.content


def test_a_student_joins_with_the_code_and_gets_an_account(client, course):
    section = course.sections.get(name="B")
    url = reverse("classroom:join", args=[section.join_code.lower()])
    assert "Serverless 101</strong>, section B" in client.get(url).content.decode()
    response = client.post(
        url, {"username": "ada", "first_name": "Ada", "password1": "a-Long-pass-9", "password2": "a-Long-pass-9"}
    )
    assert response.status_code == 302 and response.url == reverse("functions:list")
    membership = Membership.objects.get(user__username="ada")
    assert membership.role == "student" and [s.name for s in membership.sections.all()] == ["B"] and membership.source == "join"
    section.refresh_from_db()
    assert section.join_uses == 1
    # Signed in: the Functions page, with the welcome.
    assert "Welcome to Serverless 101, section B." in client.get(response.url).content.decode()


def test_a_signed_in_user_joins_with_one_click_once(client, stranger, course):
    client.force_login(stranger)
    url = reverse("classroom:join", args=[course.sections.get(name="A").join_code])
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 400 and "You are already in Serverless 101." in response.content.decode()
    assert Membership.objects.filter(user=stranger).count() == 1


def test_a_rotated_code_is_refused_at_once_with_a_clear_message(client, instructor, course):
    section = course.sections.get(name="A")
    old = section.join_code
    client.force_login(instructor)
    client.post(reverse("classroom:section-code", args=[course.pk, section.pk]), {"action": "rotate"})
    section.refresh_from_db()
    assert section.join_code != old
    client.logout()
    for response in (
        client.get(reverse("classroom:join", args=[old])),
        client.post(
            reverse("classroom:join", args=[old]), {"username": "eve", "password1": "x-Long-pass-9", "password2": "x-Long-pass-9"}
        ),
    ):
        assert response.status_code == 404
        assert courses.ERR_CODE_INVALID.format(code=old) in response.content.decode()
    assert not User.objects.filter(username="eve").exists()


def test_expiry_and_maximum_uses(client, instructor, owner, stranger, course):
    section = course.sections.get(name="A")
    client.force_login(instructor)
    url = reverse("classroom:section-code", args=[course.pk, section.pk])
    response = client.post(url, {"action": "settings", "max_uses": "1", "expires_at": ""})
    section.refresh_from_db()
    assert response.status_code == 302 and section.join_max_uses == 1 and section.join_expires_at is None
    client.force_login(stranger)
    assert client.post(reverse("classroom:join", args=[section.join_code])).status_code == 302
    third = User.objects.create_user(username="student3", password="pw")
    client.force_login(third)
    response = client.get(reverse("classroom:join", args=[section.join_code]))
    assert response.status_code == 404 and "has been used the maximum number of times (1)" in response.content.decode()

    section.join_max_uses, section.join_expires_at = None, timezone.now() - timedelta(minutes=1)
    section.save()
    response = client.post(reverse("classroom:join", args=[section.join_code]))
    assert response.status_code == 404 and "expired on" in response.content.decode()
    assert not Membership.objects.filter(user=third).exists()
    client.force_login(instructor)
    client.post(url, {"action": "settings", "max_uses": "0"})
    section.refresh_from_db()
    assert section.join_max_uses is None  # refused: ERR_MAX_USES


def test_staff_cannot_join_as_students(client, course, django_user_model):
    other = django_user_model.objects.create_user(username="teacher2", password="pw", is_staff=True)
    client.force_login(other)
    response = client.post(reverse("classroom:join", args=[course.sections.first().join_code]))
    assert response.status_code == 400 and courses.ERR_STAFF_JOIN in response.content.decode()


def test_an_instructor_adds_a_teaching_assistant(client, instructor, stranger, course):
    client.force_login(instructor)
    section = course.sections.get(name="B")
    client.post(reverse("classroom:ta-add", args=[course.pk]), {"username": "student2", "sections": [section.pk]})
    membership = Membership.objects.get(user=stranger)
    assert membership.role == "ta" and list(membership.sections.all()) == [section]
