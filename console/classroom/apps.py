from __future__ import annotations

from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    name = "console.classroom"
    label = "classroom"
    verbose_name = "Classroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the sign-in receiver)
