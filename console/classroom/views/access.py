"""The course guard: the course a request may open, with the user's
membership. Anyone without the role a page needs gets a 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ..models import Course, Membership, Section
from ..selectors import membership_get, sections_visible, student_get

Role = Membership.Role
STAFF = (Role.INSTRUCTOR, Role.TA)
EVERYONE = (Role.INSTRUCTOR, Role.TA, Role.STUDENT)


def course_for_user(request: HttpRequest, pk: int, roles: tuple[str, ...] = EVERYONE) -> tuple[Course, Membership]:
    course = get_object_or_404(Course, pk=pk)
    membership = membership_get(user=request.user, course=course)
    if membership is None or membership.role not in roles:
        raise Http404("No such course")
    return course, membership


def section_for_user(request: HttpRequest, pk: int, section_pk: int, roles: tuple[str, ...] = STAFF) -> Section:
    course, membership = course_for_user(request, pk, roles)
    return get_object_or_404(sections_visible(course=course, membership=membership), pk=section_pk)


def student_for_user(request: HttpRequest, pk: int, user_pk: int, roles: tuple[str, ...] = STAFF) -> tuple[Course, Membership]:
    """A student of the course the user teaches or assists, or a 404."""
    course, membership = course_for_user(request, pk, roles)
    student = student_get(course=course, membership=membership, user_id=user_pk)
    if student is None:
        raise Http404("No such student")
    return course, student
