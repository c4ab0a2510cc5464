"""The role matrix: every course URL and every URL of a student's work, for
the instructor of the course, the instructor of another course, the TA of the
student's section, the TA of another section, the student, another student
and an anonymous visitor. Each answer is a 200 or a 404 (a sign-in redirect
for the anonymous visitor); a reader who is not the owner gets a 403 on every
POST and nothing changes; there is never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from functions.models import Function, Invocation, TestEvent
from functions.tests.helpers import group_of

pytestmark = pytest.mark.django_db

READERS = {"instructor", "ta_of_section", "student"}


def work_gets(w) -> list[str]:
    pk, (a, b) = w.function.pk, w.invocations
    gpk = group_of(w.function).pk
    detail = reverse("functions:detail", args=[pk])
    return [
        *(f"{detail}?tab={tab}" for tab in ("code", "test", "monitor", "configuration", "aliases", "versions")),
        reverse("functions:download-zip", args=[pk]),
        reverse("functions:event-template", args=[pk]) + "?event=HelloWorldTestEvent",
        reverse("functions:invocation-result", args=[pk, a.pk]),
        reverse("functions:monitor-metrics", args=[pk]),
        reverse("functions:monitor-changes", args=[pk]),
        reverse("functions:invocation-compare", args=[pk]) + f"?id={a.pk}&id={b.pk}",
        reverse("functions:invocation-detail", args=[pk, a.pk]),
        reverse("functions:log-group", args=[gpk]),
        reverse("functions:log-events", args=[gpk]),
        reverse("functions:log-stream", args=[gpk, w.stream.pk]),
        reverse("functions:log-download", args=[gpk]),
        reverse("functions:log-tail", args=[gpk]),
        reverse("functions:log-tail-poll", args=[gpk]),
    ]


def work_posts(w) -> list[tuple[str, dict]]:
    pk, a = w.function.pk, w.invocations[0]
    gpk = group_of(w.function).pk
    return [
        (reverse("functions:deploy", args=[pk]), {"files": '{"lambda_function.py": "x = 1"}'}),
        (reverse("functions:upload-zip", args=[pk]), {}),
        (reverse("functions:test", args=[pk]), {"event_json": "{}"}),
        (reverse("functions:event-save", args=[pk]), {"event_name": "Mine", "event_json": "{}"}),
        (reverse("functions:event-delete", args=[pk, w.event.pk]), {}),
        (reverse("functions:configuration-save", args=[pk, "general"]), {"memory_size": "1024", "timeout": "60"}),
        (reverse("functions:version-publish", args=[pk]), {}),
        (reverse("functions:alias-save", args=[pk]), {"name": "dev", "version": "1"}),
        (reverse("functions:alias-delete", args=[pk, w.alias.pk]), {}),
        (reverse("functions:invocation-replay", args=[pk, a.pk]), {}),
        (reverse("functions:log-retention", args=[gpk]), {"retention_days": "1"}),
        (reverse("functions:delete-many"), {"function": str(pk), "confirm": "delete"}),
        (reverse("functions:delete", args=[pk]), {"confirm": "delete"}),
    ]


def course_gets(cast) -> dict[str, set[str]]:
    """Each course URL and who gets a 200 (everyone else: a 404)."""
    course, section = cast.course, cast.course.sections.get(name="A")
    student = cast.users["student"]
    members = {"instructor", "ta_of_section", "ta_of_other_section", "student", "other_student"}
    return {
        reverse("classroom:detail", args=[course.pk]): members,
        reverse("classroom:section-qr", args=[course.pk, section.pk]): {"instructor", "ta_of_section"},
        reverse("classroom:roster", args=[course.pk]): {"instructor"},
        reverse("classroom:cards", args=[course.pk]): {"instructor"},
        reverse("classroom:student", args=[course.pk, student.pk]): {"instructor", "ta_of_section"},
        reverse("classroom:detail", args=[cast.other_course.pk]): {"other_instructor"},
    }


def course_posts(cast, w) -> list[tuple[str, dict]]:
    """Course URLs that change something: only the instructor may, anyone else gets a 404."""
    course, section = cast.course, cast.course.sections.get(name="A")
    student = cast.users["student"]
    return [
        (reverse("classroom:section-code", args=[course.pk, section.pk]), {"action": "rotate"}),
        (reverse("classroom:ta-add", args=[course.pk]), {"username": "student2"}),
        (reverse("classroom:roster", args=[course.pk]), {"action": "apply", "text": "s9, Eve Intruder, eve@example.com, A"}),
        (reverse("classroom:cards", args=[course.pk]), {"include_signed_in": "on"}),
        (reverse("classroom:password-reset", args=[course.pk, student.pk]), {}),
    ]


def snapshot(w, cast) -> tuple:
    function = Function.objects.filter(pk=w.function.pk).first()
    section = cast.course.sections.get(name="A")
    student = cast.users["student"]
    student.refresh_from_db()
    return (
        function and (function.code_sha256, function.memory_size, group_of(function).retention_days),
        function and function.versions.count(),
        function and sorted(function.aliases.values_list("name", flat=True)),
        sorted(TestEvent.objects.values_list("name", flat=True)),
        Invocation.objects.count(),
        section.join_code,
        cast.course.memberships.count(),
        student.password,
    )


def login(client, user) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize(
    "persona", ["instructor", "other_instructor", "ta_of_section", "ta_of_other_section", "student", "other_student", "anonymous"]
)
def test_the_role_matrix(client, cast, work, persona):
    user = cast.users[persona]
    login(client, user)
    before = snapshot(work, cast)
    for url in work_gets(work):
        response = client.get(url)
        if user is None:
            assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
        elif persona in READERS:
            assert response.status_code == 200, (persona, url)
        else:
            assert response.status_code == 404, (persona, url)
            assert b"HelloWorld" not in response.content, (persona, url)
    for url, who in course_gets(cast).items():
        response = client.get(url)
        if user is None:
            assert response.status_code == 302, url
        else:
            assert response.status_code == (200 if persona in who else 404), (persona, url)
    # The lists of one's own work never show student1's function but to student1.
    for url in (reverse("functions:list"), reverse("functions:log-groups")):
        response = client.get(url)
        if user is not None:
            assert (b"HelloWorld" in response.content) == (persona == "student"), (persona, url)
    if persona == "student":
        return  # the owner's changes are the console's own tests
    for url, data in work_posts(work) + course_posts(cast, work):
        response = client.post(url, data)
        if user is None:
            assert response.status_code == 302, url
        elif persona in READERS and url.startswith("/functions/"):
            assert response.status_code == 403, (persona, url)
            assert b"HelloWorld" not in response.content and b"Hello World" not in response.content, url
        elif persona == "instructor":
            continue  # the instructor's course actions: test_courses.py
        else:
            assert response.status_code == 404, (persona, url)
    if persona != "instructor":
        assert snapshot(work, cast) == before


def test_view_as_refuses_every_post_and_changes_nothing(client, cast, work):
    client.force_login(cast.users["instructor"])
    before = snapshot(work, cast)
    for url, data in work_posts(work):
        assert client.post(url, data).status_code == 403, url
        assert client.post(url, data, headers={"HX-Request": "true"}).status_code == 403, url
    assert snapshot(work, cast) == before


def test_a_ta_sees_only_the_students_of_their_sections(client, cast):
    client.force_login(cast.users["ta_of_section"])
    page = client.get(reverse("classroom:detail", args=[cast.course.pk])).content.decode()
    assert 'data-student="student1"' in page and 'data-student="student2"' not in page
    assert cast.course.sections.get(name="A").join_code in page and cast.course.sections.get(name="B").join_code not in page
    client.force_login(cast.users["student"])
    page = client.get(reverse("classroom:detail", args=[cast.course.pk])).content.decode()
    assert "data-student=" not in page and "join-code" not in page
