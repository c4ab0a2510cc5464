"""Reads about courses and roles (never given a request)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from .models import Course, Membership, Section, ViewRecord

Role = Membership.Role


def membership_get(*, user: Any, course: Course) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user_id=user.pk, course=course).first()


def courses_of(*, user: Any) -> list[tuple[Course, Membership]]:
    """The user's courses with their membership, by name."""
    memberships = Membership.objects.filter(user_id=user.pk).select_related("course").order_by("course__name")
    return [(m.course, m) for m in memberships]


def viewable_students(*, viewer: Any) -> QuerySet[Membership]:
    """The student memberships whose work `viewer` may read: every student
    of a course they teach, the students of the sections they assist."""
    taught = Membership.objects.filter(user_id=viewer.pk, role=Role.INSTRUCTOR).values("course")
    assisted = Section.objects.filter(memberships__user_id=viewer.pk, memberships__role=Role.TA).values("pk")
    return Membership.objects.filter(role=Role.STUDENT).filter(Q(course__in=taught) | Q(sections__in=assisted))


def students_visible(*, course: Course, membership: Membership) -> QuerySet[Membership]:
    """The students of `course` the member sees on the course page."""
    students = course.memberships.filter(role=Role.STUDENT).select_related("user").prefetch_related("sections")
    if membership.role == Role.INSTRUCTOR:
        return students
    if membership.role == Role.TA:
        return students.filter(sections__in=membership.sections.all()).distinct()
    return students.none()


def student_get(*, course: Course, membership: Membership, user_id: int) -> Membership | None:
    return students_visible(course=course, membership=membership).filter(user_id=user_id).first()


def sections_visible(*, course: Course, membership: Membership) -> QuerySet[Section]:
    if membership.role == Role.INSTRUCTOR:
        return course.sections.all()
    return membership.sections.all()


def staff_of(*, course: Course) -> QuerySet[Membership]:
    return course.memberships.exclude(role=Role.STUDENT).select_related("user").prefetch_related("sections")


def section_by_code(*, code: str) -> Section | None:
    return Section.objects.select_related("course").filter(join_code=code.strip().upper()).first()


def view_records(*, course: Course, limit: int = 20) -> list[ViewRecord]:
    students = course.memberships.filter(role=Role.STUDENT).values("user")
    return list(ViewRecord.objects.filter(student__in=students).select_related("viewer", "student")[:limit])


def user_is_member(*, user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and Membership.objects.filter(user_id=user.pk).exists()


def full_name(user: User) -> str:
    return user.get_full_name() or user.username
