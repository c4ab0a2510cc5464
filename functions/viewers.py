"""Who, besides its owner, may read a user's work: a hook, because functions/
knows only owners and must not import the classroom (console -> functions).

settings.LABDA_VIEWER_POLICY names a class with the two methods of
ViewerPolicy; the classroom provides one (instructors and teaching assistants
read their students' work). Without it, only owners see anything."""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class ViewerPolicy(Protocol):
    def may_view(self, *, viewer: Any, owner_id: int) -> bool:
        """Whether `viewer` may read (never change) the work of user `owner_id`."""
        ...

    def record_view(self, *, viewer: Any, owner_id: int, path: str) -> None:
        """Keep a trace of `viewer` reading the work of `owner_id` (the audit)."""
        ...


class OwnersOnly:
    """The default: nobody reads another user's work."""

    def may_view(self, *, viewer: Any, owner_id: int) -> bool:
        return False

    def record_view(self, *, viewer: Any, owner_id: int, path: str) -> None:
        return None


@cache
def viewer_policy() -> ViewerPolicy:
    name = getattr(settings, "LABDA_VIEWER_POLICY", "")
    policy: ViewerPolicy = import_string(name)() if name else OwnersOnly()
    return policy
