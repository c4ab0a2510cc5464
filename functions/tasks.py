"""Celery tasks: small, ids in, safe to run twice. Each calls one service.

Their results are never read (the row is the result), so none is stored."""

from __future__ import annotations

from celery import shared_task

from .services import execution, invocations, logs, recovery


@shared_task(name=invocations.TASK_INVOCATION_RUN, ignore_result=True)
def invocation_run(invocation_id: str) -> None:
    execution.invocation_execute(invocation_id=invocation_id)


@shared_task(name="functions.tasks.invocations_sweep", ignore_result=True)
def invocations_sweep() -> None:
    """Queue overdue rows again; end rows whose worker died (every 10 s)."""
    recovery.invocations_requeue()
    recovery.invocations_sweep_stale()


@shared_task(name="functions.tasks.logs_expire", ignore_result=True)
def logs_expire() -> int:
    """Delete log events older than their log group's retention (hourly)."""
    return logs.logs_expire()
