"""At sign-in, remember in the session whether the password is a temporary
one, so the middleware needs no query per request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services.accounts import must_change_password

SESSION_KEY = "labda_must_change_password"


@receiver(user_logged_in)
def remember_temporary_password(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = must_change_password(user=user)
