"""Nothing lost: the sweeps that end or re-queue invocations whose worker
or web process died, run by Celery beat every few seconds, and the clean-up
a restarted worker does for the rows it held.

- A row still pending well after it was due has lost its message (the web was
  killed between recording it and queueing it, or Redis lost it): queue it
  again; the claim makes a second delivery harmless.
- A row running past the longest it could take has lost its worker: end it
  with a clear error and free its slot.
- A worker that starts ends the rows an earlier run of it (same name) left
  running, and frees their slots.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import Invocation
from .invocations import enqueue_quietly, invocation_fail, release_quietly, retry_later

log = logging.getLogger(__name__)

# A pending row this late has lost its message.
REQUEUE_AFTER_SECONDS = 30
# Beyond its timeout and init, the platform's own work takes well under this.
RUNNING_MARGIN_SECONDS = 10
LOST_EVENT_RETRY_SECONDS = 1.0
ERR_WORKER_LOST = "The worker running this invocation stopped before it finished."
ERR_NOT_STARTED = "No worker took this invocation from the queue."


def invocations_requeue(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue again the pending rows that are overdue; returns how many."""
    now = now or timezone.now()
    overdue = Invocation.objects.filter(
        Q(run_after__lt=now - timedelta(seconds=REQUEUE_AFTER_SECONDS))
        | Q(run_after__isnull=True, created_at__lt=now - timedelta(seconds=REQUEUE_AFTER_SECONDS)),
        status=Invocation.Status.PENDING,
    ).select_related("function")
    queued = 0
    for invocation in overdue.order_by("run_after")[:limit]:
        if invocation.invocation_type == Invocation.Type.REQUEST_RESPONSE and _too_old_for_a_caller(invocation, now):
            # Nobody waits for a synchronous answer this late: end it and
            # free the slot it holds, rather than run it now.
            invocation_fail(invocation_id=str(invocation.pk), error_type="Labda.NotStarted", message=ERR_NOT_STARTED)
            release_quietly(str(invocation.function.uid), str(invocation.pk))
            continue
        # Due again a while from now (longer the longer it waits, at most five
        # minutes), so a long broker or worker outage does not pile up copies.
        waited = (now - invocation.created_at).total_seconds()
        again = now + timedelta(seconds=min(300.0, max(0.0, waited - REQUEUE_AFTER_SECONDS)))
        Invocation.objects.filter(pk=invocation.pk, status=Invocation.Status.PENDING).update(run_after=again, parked=False)
        if enqueue_quietly(invocation):
            queued += 1
    if queued:
        log.info("Queued %d overdue invocation(s) again", queued)
    return queued


def _too_old_for_a_caller(invocation: Invocation, now: datetime) -> bool:
    return invocation.created_at < now - timedelta(seconds=invocation.function.timeout + settings.LABDA_INIT_TIMEOUT + 60)


def invocations_sweep_stale(*, now: datetime | None = None) -> int:
    """End rows running past the longest they could take (their worker died)."""
    now = now or timezone.now()
    ended = 0
    running = Invocation.objects.filter(status=Invocation.Status.RUNNING).select_related("function")
    for invocation in running:
        limit = invocation.function.timeout + settings.LABDA_INIT_TIMEOUT + RUNNING_MARGIN_SECONDS
        if invocation.started_at and invocation.started_at < now - timedelta(seconds=limit):
            _end_lost(invocation)
            ended += 1
    return ended


def invocations_recover_worker(*, worker: str) -> int:
    """A worker starting under `worker`'s name: what its last run left
    running can no longer finish."""
    rows = Invocation.objects.filter(status=Invocation.Status.RUNNING, worker=worker).select_related("function")
    for invocation in rows:
        _end_lost(invocation)
    return len(rows)


def _end_lost(invocation: Invocation) -> None:
    """A synchronous caller gets a clear error; an event is retried, as
    Lambda retries events after a platform error."""
    release_quietly(str(invocation.function.uid), str(invocation.pk))
    if invocation.invocation_type == Invocation.Type.EVENT:
        retry_later(invocation, LOST_EVENT_RETRY_SECONDS)
        return
    invocation_fail(invocation_id=str(invocation.pk), error_type="Labda.WorkerLost", message=ERR_WORKER_LOST)
