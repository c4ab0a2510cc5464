"""Celery tasks: small, ids in, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown

# Registers the labda_retire remote control command in the worker.
from . import control  # noqa: F401


@shared_task(name="invoker.tasks.invocation_run")
def invocation_run(invocation_id: str) -> str:
    from .services import invocation_execute

    invocation_execute(invocation_id=invocation_id)
    return invocation_id


@shared_task(name="invoker.tasks.invocations_sweep_stale")
def invocations_sweep_stale() -> int:
    from functions.services import invocations_sweep_stale as sweep

    return sweep()


@worker_ready.connect
def _remove_orphans(**kwargs) -> None:
    """A restarted worker first removes the containers its last run left."""
    from .pool import remove_orphans

    remove_orphans()


@worker_shutdown.connect
def _shutdown_pool(**kwargs) -> None:
    from . import pool

    if pool._pool is not None:
        pool._pool.shutdown()


@shared_task(name="invoker.tasks.logs_expire")
def logs_expire() -> int:
    """Delete log events older than their log group's retention (hourly)."""
    from functions.logs import logs_expire as expire

    return expire()
