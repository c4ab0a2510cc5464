"""Joining a course with a code or its link, and the first sign-in's new
password."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from functions.errors import ServiceError

from ..forms import JoinCodeForm, SignUpForm
from ..selectors import section_by_code
from ..services import accounts, courses
from ..signals import SESSION_KEY

BACKEND = "django.contrib.auth.backends.ModelBackend"


def join_start(request: HttpRequest) -> HttpResponse:
    """Type a join code."""
    if "code" in request.GET:
        form = JoinCodeForm(request.GET)
        if form.is_valid():
            return redirect("classroom:join", code=form.cleaned_data["code"])
        return render(request, "classroom/join_start.html", {"error": form.errors["code"][0]}, status=400)
    return render(request, "classroom/join_start.html")


def join(request: HttpRequest, code: str) -> HttpResponse:
    """The page of a join code: sign up (or sign in) and join its section."""
    code = code.upper()
    section = section_by_code(code=code)
    context: dict[str, object] = {"code": code, "form": SignUpForm()}
    try:
        courses.join_check(section=section, code=code)
    except ServiceError as exc:
        return render(request, "classroom/join.html", {**context, "error": str(exc)}, status=404)
    context["section"] = section
    if request.method != "POST":
        return render(request, "classroom/join.html", context)
    form = SignUpForm(request.POST) if not request.user.is_authenticated else None
    try:
        with transaction.atomic():
            if form is not None:
                if not form.is_valid():
                    context["form"] = form
                    return render(request, "classroom/join.html", context, status=400)
                user = form.save()
            else:
                user = cast(User, request.user)
            membership = courses.course_join(user=user, code=code)
    except ServiceError as exc:
        return render(request, "classroom/join.html", {**context, "error": str(exc)}, status=400)
    if form is not None:
        login(request, user, backend=BACKEND)
    messages.success(request, f"Welcome to {membership.course.name}, section {section.name}.")  # type: ignore[union-attr]
    return redirect("functions:list")


@login_required
def password_first(request: HttpRequest) -> HttpResponse:
    """Replace the temporary password of a login card or a reset."""
    if not request.session.get(SESSION_KEY):
        # Only for a temporary password: otherwise this would change a
        # password without asking for the current one.
        return redirect("functions:list")
    form = SetPasswordForm(cast(User, request.user), request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        accounts.password_changed(user=user)
        update_session_auth_hash(request, user)
        request.session[SESSION_KEY] = False
        messages.success(request, "Your password is changed. Use it from now on.")
        return redirect("functions:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "classroom/password_first.html", {"form": form}, status=status)
