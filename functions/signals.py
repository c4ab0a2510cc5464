"""A worker that starts first ends what an earlier run of it left running
(same worker name) and frees those slots. Connected in FunctionsConfig.ready."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready

from invoker.pool import worker_name

from .services import recovery


@worker_ready.connect
def _recover_rows(**kwargs: Any) -> None:
    recovery.invocations_recover_worker(worker=worker_name())
