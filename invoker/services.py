"""Running one recorded invocation: claim it, run it in the pool, store the outcome."""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone

from functions import services as function_services
from functions.models import Invocation

from . import concurrency
from .environment import EnvironmentStartError
from .pool import get_pool
from .runtime_api import Invoke

log = logging.getLogger(__name__)


def invocation_execute(*, invocation_id: str) -> None:
    """Safe to run twice: only the run that moves the row from pending to
    running does any work."""
    claimed = Invocation.objects.filter(pk=invocation_id, status=Invocation.Status.PENDING).update(
        status=Invocation.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if claimed != 1:
        return
    # The package itself is read only on a cold start (FunctionSpec.load_code).
    invocation = Invocation.objects.select_related("function").defer("function__code_zip").get(pk=invocation_id)
    function = invocation.function
    # In flight now, this one included: the Concurrent executions metric.
    in_flight = concurrency.in_flight(str(function.uid))
    spec = function_services.function_spec(function, invocation.version)
    # Invoked by a qualifier, the function sees a qualified ARN, as on Lambda.
    qualifier = invocation.alias or (invocation.version if invocation.version != "$LATEST" else "")
    request = Invoke(
        request_id=str(invocation.pk),
        payload=(invocation.payload or "{}").encode(),
        timeout_s=float(spec.timeout),
        invoked_function_arn=f"{spec.function_arn}:{qualifier}" if qualifier else spec.function_arn,
    )
    try:
        outcome = get_pool().invoke(spec, request)
    except EnvironmentStartError as exc:
        log.warning("Invocation %s could not start: %s", invocation_id, exc)
        function_services.invocation_fail(invocation_id=invocation_id, error_type="Labda.EnvironmentStartError", message=str(exc))
        return
    except Exception as exc:
        log.exception("Invocation %s failed in the platform", invocation_id)
        function_services.invocation_fail(
            invocation_id=invocation_id, error_type="ServiceException", message=f"Labda could not run the invocation: {exc}"
        )
        return
    finally:
        concurrency.release(str(function.uid), invocation_id)
    outcome.concurrent_executions = in_flight
    function_services.invocation_finish(invocation_id=invocation_id, outcome=outcome)
