from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import user_is_member


def classroom(request: HttpRequest) -> dict[str, Any]:
    """`show_courses`: the navigation's Courses link, for staff and members."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show_courses": False}
    return {"show_courses": user.is_staff or user_is_member(user=user)}
