"""The worker's lifecycle: a restarted worker first removes the containers its
last run left; a stopping worker removes its warm ones. Connected when Django
loads the invoker app (InvokerConfig.ready)."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready, worker_shutdown

# Registers the labda_retire remote control command in the worker.
from . import (
    control,  # noqa: F401
    pool,
)


@worker_ready.connect
def _remove_orphans(**kwargs: Any) -> None:
    pool.remove_orphans()


@worker_shutdown.connect
def _shutdown_pool(**kwargs: Any) -> None:
    current = pool.current_pool()
    if current is not None:
        current.shutdown()
