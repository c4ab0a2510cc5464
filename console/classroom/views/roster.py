"""The CSV roster import (preview, then apply) and the login cards."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from functions.errors import ServiceError
from functions.forms import check

from ..forms import CardsForm, RosterUploadForm
from ..models import Membership
from ..selectors import students_visible
from ..services import accounts, roster
from .access import course_for_user

Role = Membership.Role


@login_required
def roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload → a preview of what would be created, changed and refused →
    Import writes exactly that."""
    course, _ = course_for_user(request, pk, roles=(Role.INSTRUCTOR,))
    context: dict[str, object] = {"course": course}
    if request.method != "POST":
        return render(request, "classroom/roster_import.html", context)
    try:
        data = check(RosterUploadForm(request.POST, request.FILES))
        if data["action"] == "apply":
            plan = roster.roster_apply(course=course, text=data["text"])
            messages.success(
                request,
                f"Imported the roster: {plan.count(roster.CREATE)} accounts created, {plan.count(roster.ADD)} added, "
                f"{plan.count(roster.CHANGE)} changed, {plan.count(roster.UNCHANGED)} unchanged, {plan.count(roster.REFUSE)} refused.",
            )
            return redirect("classroom:detail", pk=pk)
        context.update(plan=roster.roster_plan(course=course, text=data["text"]), text=data["text"])
    except ServiceError as exc:
        context["error"] = str(exc)
        return render(request, "classroom/roster_import.html", context, status=400)
    return render(request, "classroom/roster_import.html", context)


@login_required
def login_cards(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: which cards to print. POST: new temporary passwords for those
    students, on a printable page (one card each), shown this once."""
    course, membership = course_for_user(request, pk, roles=(Role.INSTRUCTOR,))
    students = students_visible(course=course, membership=membership)
    if request.method != "POST":
        context = {
            "course": course,
            "never_signed_in": students.filter(user__last_login__isnull=True).count(),
            "total": students.count(),
        }
        return render(request, "classroom/login_cards_form.html", context)
    form = CardsForm(request.POST)
    try:
        data = check(form)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("classroom:cards", pk=pk)
    if data["section"]:
        students = students.filter(sections__pk=data["section"])
    if not data["include_signed_in"]:
        # A card resets the password: students already in keep theirs.
        students = students.filter(user__last_login__isnull=True)
    cards = accounts.cards_issue(memberships=list(students.order_by("user__last_name", "user__first_name", "user__username")))
    context = {"course": course, "cards": cards, "login_url": request.build_absolute_uri(reverse("login"))}
    return render(request, "classroom/login_cards.html", context)
