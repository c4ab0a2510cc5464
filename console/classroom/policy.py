"""The classroom's viewer policy (settings.LABDA_VIEWER_POLICY): who may read
whose work in the console's own views (functions/views/access.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from .models import ViewRecord
from .selectors import viewable_students

# The same page polled (Monitor, Live Tail) is one view, not one per poll.
RECORD_EVERY = timedelta(minutes=1)


class ClassroomPolicy:
    def may_view(self, *, viewer: Any, owner_id: int) -> bool:
        return viewable_students(viewer=viewer).filter(user_id=owner_id).exists()

    def record_view(self, *, viewer: Any, owner_id: int, path: str) -> None:
        since = timezone.now() - RECORD_EVERY
        if not ViewRecord.objects.filter(
            viewer_id=viewer.pk, student_id=owner_id, path=path[:500], viewed_at__gte=since
        ).exists():
            ViewRecord.objects.create(viewer_id=viewer.pk, student_id=owner_id, path=path[:500])
