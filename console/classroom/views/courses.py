"""The Courses page, a course page, join codes and their QR codes, teaching
assistants, a student's work, "Copy to my functions" and password resets."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from functions.errors import ServiceError
from functions.forms import check, first_error
from functions.models import Function
from functions.services import functions as function_services

from ..forms import CourseCreateForm, SectionCodeForm, TaAddForm
from ..models import Membership
from ..policy import ClassroomPolicy
from ..selectors import courses_of, sections_visible, staff_of, students_visible, view_records
from ..services import accounts, courses
from .access import STAFF, course_for_user, section_for_user, student_for_user

Role = Membership.Role


def join_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("classroom:join", args=[code]))


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    """The user's courses; staff create one here and are its instructor."""
    context: dict[str, Any] = {"courses": courses_of(user=request.user), "form_data": {}}
    if request.method == "POST":
        form = CourseCreateForm(request.POST)
        try:
            data = check(form)
            course = courses.course_create(creator=request.user, name=data["name"], sections=data["sections"])  # type: ignore[arg-type]
        except ServiceError as exc:
            context.update(error=str(exc), form_data=request.POST)
            return render(request, "classroom/course_list.html", context, status=400)
        messages.success(request, f"Created the course {course.name}. Bring your students in with a roster or a join code.")
        return redirect("classroom:detail", pk=course.pk)
    return render(request, "classroom/course_list.html", context)


@login_required
@require_GET
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course, membership = course_for_user(request, pk)
    sections = sections_visible(course=course, membership=membership)
    context = {
        "course": course,
        "membership": membership,
        "is_instructor": membership.role == Role.INSTRUCTOR,
        "is_staff_member": membership.role in STAFF,
        "sections": [(s, join_url(request, s.join_code)) for s in sections],
        "students": students_visible(course=course, membership=membership),
        "staff": staff_of(course=course),
        "views": view_records(course=course) if membership.role == Role.INSTRUCTOR else [],
        "ta_form": TaAddForm(course=course),
    }
    return render(request, "classroom/course_detail.html", context)


@login_required
@require_POST
def section_code(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """Rotate a section's join code, or set its expiry and maximum uses."""
    section = section_for_user(request, pk, section_pk, roles=(Role.INSTRUCTOR,))
    form = SectionCodeForm(request.POST)
    try:
        data = check(form)
        if data["action"] == "rotate":
            courses.section_code_rotate(section=section)
            messages.success(
                request, f"Section {section.name} has a new join code, {section.join_code}; the old one no longer works."
            )
        else:
            courses.section_code_configure(section=section, expires_at=data["expires_at"], max_uses=data["max_uses"])
            messages.success(request, f"Saved the join code settings of section {section.name}.")
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("classroom:detail", pk=pk)


@login_required
@require_GET
def section_qr(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """The join link as a QR code (SVG, drawn here: no network needed)."""
    section = section_for_user(request, pk, section_pk)
    out = io.BytesIO()
    segno.make(join_url(request, section.join_code), error="m").save(out, kind="svg", scale=6, border=2, title="Join link")
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def ta_add(request: HttpRequest, pk: int) -> HttpResponse:
    course, _ = course_for_user(request, pk, roles=(Role.INSTRUCTOR,))
    form = TaAddForm(request.POST, course=course)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("classroom:detail", pk=pk)
    try:
        member = courses.ta_add(course=course, username=form.cleaned_data["username"], sections=form.cleaned_data["sections"])
        messages.success(request, f"{member.user.username} is a {member.get_role_display().lower()} of {course.name}.")
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("classroom:detail", pk=pk)


@login_required
@require_GET
def student_work(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    """A student's functions, each a link to its read-only console pages."""
    course, student = student_for_user(request, pk, user_pk)
    ClassroomPolicy().record_view(viewer=request.user, owner_id=student.user_id, path=request.path)
    functions = Function.objects.defer("code_zip").filter(owner_id=student.user_id).order_by("name")
    request.labda_view_as = student.user  # type: ignore[attr-defined]
    context = {"course": course, "student": student, "functions": functions}
    return render(request, "classroom/student_work.html", context)


@login_required
@require_POST
def function_copy(request: HttpRequest, pk: int, user_pk: int, function_pk: int) -> HttpResponse:
    """Copy to my functions: the student's function is only read."""
    _, student = student_for_user(request, pk, user_pk)
    source = get_object_or_404(Function.objects.select_related("role"), pk=function_pk, owner_id=student.user_id)
    copy = function_services.function_copy(source=source, owner=request.user)  # type: ignore[arg-type]
    messages.success(request, f"Copied {student.user.username}'s function {source.name} to your functions as {copy.name}.")
    return redirect("functions:detail", pk=copy.pk)


@login_required
@require_POST
def password_reset(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    """A new temporary password, shown once on a login card."""
    course, student = student_for_user(request, pk, user_pk, roles=(Role.INSTRUCTOR,))
    password = accounts.password_issue(user=student.user)
    context = {"course": course, "cards": [(student, password)], "login_url": request.build_absolute_uri(reverse("login"))}
    return render(request, "classroom/login_cards.html", context)
