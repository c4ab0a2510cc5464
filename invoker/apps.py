from __future__ import annotations

from django.apps import AppConfig


class InvokerConfig(AppConfig):
    """Installed (it has no models) for its settings and worker signals."""

    name = "invoker"
    verbose_name = "Invoker"

    def ready(self) -> None:
        from . import signals  # noqa: F401
