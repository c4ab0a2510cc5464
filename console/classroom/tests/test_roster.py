"""CSV roster import: a preview before anything is written; the same file
twice changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from console.classroom.models import Membership
from console.classroom.services import roster

pytestmark = pytest.mark.django_db


def roster_csv(n: int = 30) -> str:
    lines = ["student_id,name,email,section"]
    lines += [f"s{i:03d}, Student {i:03d}, s{i:03d}@school.example, {'A' if i <= 15 else 'B'}" for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def upload(client, course, text: str, action: str = "preview"):
    if action == "preview":
        data = {"action": "preview", "roster": SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")}
    else:
        data = {"action": "apply", "text": text}
    return client.post(reverse("classroom:roster", args=[course.pk]), data)


def test_the_preview_writes_nothing_and_import_writes_it(client, instructor, course):
    client.force_login(instructor)
    before = User.objects.count()
    page = upload(client, course, roster_csv()).content.decode()
    assert "30 to create, 0 to add, 0 to change, 0 unchanged, 0 refused." in page
    assert User.objects.count() == before and course.memberships.filter(role="student").count() == 1
    response = upload(client, course, roster_csv(), "apply")
    assert response.status_code == 302
    students = course.memberships.filter(role="student", source="roster")
    assert students.count() == 30
    s7 = User.objects.get(username="s007")
    assert s7.get_full_name() == "Student 007" and s7.email == "s007@school.example" and not s7.has_usable_password()
    assert [s.name for s in Membership.objects.get(user=s7).sections.all()] == ["A"]


def test_re_importing_the_same_file_changes_nothing(client, instructor, course):
    client.force_login(instructor)
    upload(client, course, roster_csv(), "apply")
    users = list(User.objects.order_by("pk").values_list("pk", "username", "first_name", "last_name", "email", "password"))
    page = upload(client, course, roster_csv()).content.decode()
    assert "0 to create, 0 to add, 0 to change, 30 unchanged, 0 refused." in page and 'id="apply-roster"' not in page
    upload(client, course, roster_csv(), "apply")
    assert (
        list(User.objects.order_by("pk").values_list("pk", "username", "first_name", "last_name", "email", "password")) == users
    )
    assert course.memberships.count() == 1 + 1 + 30


def test_changes_and_refusals_are_shown_before_anything_is_written(client, instructor, course, stranger):
    client.force_login(instructor)
    upload(client, course, roster_csv(3), "apply")
    text = "\n".join(
        [
            "s001, Student 001, s001@school.example, B",  # moved to B
            "s002, Renamed Person, s002@school.example, A",  # renamed
            "s003, Student 003, s003@school.example, A",  # unchanged
            "s004, New One, s004@school.example, C",  # created, with a new section C
            "bad id!, Bad, bad@school.example, A",
            "s005, No Mail, not-an-email, A",
            "s004, Twice, s004b@school.example, A",
            "teacher, Sneaky, t@school.example, A",  # the instructor's own account
            "student2, Other, other@school.example, A",  # an existing account with another email
            "only, three, columns",
        ]
    )
    plan = roster.roster_plan(course=course, text=text)
    actions = [(r.student_id, r.action) for r in plan.rows]
    assert actions == [
        ("s001", "change"),
        ("s002", "change"),
        ("s003", "unchanged"),
        ("s004", "create"),
        ("bad id!", "refuse"),
        ("s005", "refuse"),
        ("s004", "refuse"),
        ("teacher", "refuse"),
        ("student2", "refuse"),
        ("only", "refuse"),
    ]
    assert plan.rows[0].notes == ["section: A → B"] and plan.rows[1].notes == ["name: Student 002 → Renamed Person"]
    assert plan.new_sections == ["C"] and "the student_id s004 is already on line 4" in plan.rows[6].notes
    page = upload(client, course, text).content.decode()
    assert (
        "2 to change, 1 unchanged, 6 refused" in page and "an account student2 already exists with another email address" in page
    )
    assert not course.sections.filter(name="C").exists() and not User.objects.filter(username="s004").exists()
    upload(client, course, text, "apply")
    assert [s.name for s in Membership.objects.get(user__username="s001").sections.all()] == ["B"]
    assert User.objects.get(username="s002").get_full_name() == "Renamed Person"
    assert course.sections.filter(name="C").exists() and Membership.objects.filter(user__username="s004").exists()
    assert not Membership.objects.filter(course=course, user=stranger, sections__name="A").exists()
    assert Membership.objects.get(course=course, user__username="teacher").role == "instructor"


def test_a_bad_file_gets_a_clear_message(client, instructor, course):
    client.force_login(instructor)
    response = upload(client, course, "student_id,name,email,section\n")
    assert response.status_code == 400 and roster.ERR_EMPTY in response.content.decode()
    bad = {"action": "preview", "roster": SimpleUploadedFile("r.csv", b"\xff\xfe\x00bad", content_type="text/csv")}
    response = client.post(reverse("classroom:roster", args=[course.pk]), bad)
    assert response.status_code == 400 and roster.ERR_NOT_TEXT in response.content.decode()
