"""Celery tasks: small, ids in, safe to run twice. Each calls one service."""

from __future__ import annotations

from celery import shared_task

from .services import invocations, logs


@shared_task(name=invocations.TASK_INVOCATION_RUN)
def invocation_run(invocation_id: str) -> str:
    invocations.invocation_execute(invocation_id=invocation_id)
    return invocation_id


@shared_task(name="functions.tasks.invocations_sweep_stale")
def invocations_sweep_stale() -> int:
    """End invocations whose worker died (every minute)."""
    return invocations.invocations_sweep_stale()


@shared_task(name="functions.tasks.logs_expire")
def logs_expire() -> int:
    """Delete log events older than their log group's retention (hourly)."""
    return logs.logs_expire()
