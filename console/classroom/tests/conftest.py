"""The classroom's cast: a course with sections A and B, its instructor, a
teaching assistant of each section, a student in each, the instructor of
another course; and student1's function with everything a console page can
name (a saved event, two invocations, a log stream, a version and an alias).
The browser (`page`) and the function fixtures come from functions/tests."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from functions.tests import conftest as console_fixtures
from functions.tests.helpers import HELLO_WORLD, group_of

# The browser and the `function` fixture of the console's tests.
page = console_fixtures.page
function = console_fixtures.function


def make_student(course, user, section_name: str):
    from console.classroom.models import Membership

    membership = Membership.objects.create(course=course, user=user, role=Membership.Role.STUDENT, student_id=user.username)
    membership.sections.add(course.sections.get(name=section_name))
    return membership


def make_ta(course, user, section_name: str):
    from console.classroom.models import Membership

    membership = Membership.objects.create(course=course, user=user, role=Membership.Role.TA)
    membership.sections.add(course.sections.get(name=section_name))
    return membership


@pytest.fixture
def cast(django_user_model, instructor, owner, stranger):
    """Everyone of the role matrix, by persona name, and the course."""
    from console.classroom.services.courses import course_create

    make = django_user_model.objects.create_user
    other_instructor = make(username="teacher2", password="pw-teacher2", is_staff=True)
    ta_a = make(username="ta-a", password="pw-ta-a")
    ta_b = make(username="ta-b", password="pw-ta-b")
    course = course_create(creator=instructor, name="Serverless 101", sections="A, B")
    other_course = course_create(creator=other_instructor, name="Cloud 201", sections="A")
    make_student(course, owner, "A")
    make_student(course, stranger, "B")
    make_ta(course, ta_a, "A")
    make_ta(course, ta_b, "B")
    return SimpleNamespace(
        course=course,
        other_course=other_course,
        users={
            "instructor": instructor,
            "other_instructor": other_instructor,
            "ta_of_section": ta_a,
            "ta_of_other_section": ta_b,
            "student": owner,
            "other_student": stranger,
            "anonymous": None,
        },
    )


@pytest.fixture
def work(owner):
    """student1's function and every object its pages name."""
    from functions.models import Invocation, LogStream, TestEvent
    from functions.services import functions as function_services
    from functions.services import versions

    fn = function_services.function_create(owner=owner, name="HelloWorld", runtime="python3.11", files=HELLO_WORLD)
    event = TestEvent.objects.create(function=fn, owner=owner, name="HelloWorldTestEvent", payload='{"key1": "v"}')
    now = datetime.now(UTC)
    invocations = [
        Invocation.objects.create(function=fn, status="succeeded", created_at=now, started_at=now, finished_at=now, payload="{}")
        for _ in range(2)
    ]
    stream = LogStream.objects.create(group=group_of(fn), name="2024/03/10/[$LATEST]0123456789abcdef0123456789abcdef")
    versions.version_publish(function=fn)
    alias = versions.alias_create(function=fn, name="prod", version="1")
    return SimpleNamespace(function=fn, event=event, invocations=invocations, stream=stream, alias=alias)
