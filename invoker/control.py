"""Retiring warm containers as soon as their code or configuration changes.

The web broadcasts to every worker host (Celery's remote control, through the
broker); each worker removes its idle environments of the function that run
an outdated revision. Best effort: a worker that misses the message still
never serves old code, because environments are keyed by revision and the
next invocation retires the old ones.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from celery import current_app
from celery.worker.control import control_command

from .pool import current_pool

if TYPE_CHECKING:
    from celery.utils.collections import AttributeDict

log = logging.getLogger(__name__)


@control_command(
    args=[("function_uid", str), ("version", str), ("keep_revision", str)],
    signature="<function_uid> [version] [keep_revision]",
)
def labda_retire(
    state: AttributeDict, function_uid: str, version: str | None = None, keep_revision: str | None = None
) -> dict[str, int]:
    current = current_pool()
    if current is None:  # nothing warm on this worker yet
        return {"ok": 0}
    return {"ok": current.retire_function(function_uid, version=version or None, keep_revision=keep_revision or None)}


def broadcast_retire(function_uid: str, *, version: str | None = None, keep_revision: str | None = None) -> None:
    """Ask every worker to retire outdated environments (no reply awaited)."""
    try:
        current_app.control.broadcast(
            "labda_retire",
            arguments={"function_uid": function_uid, "version": version or "", "keep_revision": keep_revision or ""},
            reply=False,
        )
    except Exception:  # noqa: BLE001 - the broker being down must not fail a deploy
        log.warning("Could not broadcast the retirement of %s's old environments", function_uid, exc_info=True)
