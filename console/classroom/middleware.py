"""A user signed in with a temporary password (login card, reset) sees only
the page that replaces it until they have."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .signals import SESSION_KEY


class TemporaryPasswordMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(SESSION_KEY) and request.user.is_authenticated:
            allowed = (reverse("classroom:password-first"), reverse("logout"))
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("classroom:password-first")
        return self.get_response(request)
