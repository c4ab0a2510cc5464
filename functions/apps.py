from __future__ import annotations

from django.apps import AppConfig


class FunctionsConfig(AppConfig):
    name = "functions"
    verbose_name = "Functions"

    def ready(self) -> None:
        from . import signals  # noqa: F401
