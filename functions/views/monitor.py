"""The Monitor tab's endpoints: the graphs' JSON, the change token, one
invocation, replay and compare. Another user's ids are a 404, JSON endpoints
included."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HTMX_STOP_POLLING

from ..cost import invocation_cost
from ..errors import ServiceError
from ..forms import CompareForm, MonitorForm, first_error
from ..models import Invocation
from ..selectors import logs, monitoring
from ..services import invocations as invocation_services
from .access import function_for_user, invocation_for_user
from .tabs import result_context

ERR_COMPARE = "Choose two invocations to compare: tick two rows of Recent invocations, then choose Compare."


@login_required
@require_GET
def monitor_metrics(request: HttpRequest, pk: int) -> JsonResponse:
    """The graphs' data for a time range and qualifier."""
    function = function_for_user(request, pk)
    form = MonitorForm(request.GET)
    if not form.is_valid() or form.time_range is None:
        return JsonResponse({"message": first_error(form)}, status=400)
    return JsonResponse(monitoring.metrics_data(function=function, qualifier=form.qualifier, time_range=form.time_range))


@login_required
@require_GET
def monitor_changes(request: HttpRequest, pk: int) -> JsonResponse:
    """A token that changes when an invocation starts or ends: the open
    Monitor tab polls it and redraws only then."""
    function = function_for_user(request, pk)
    return JsonResponse({"token": monitoring.change_token(function=function)})


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2)
    except (TypeError, ValueError, RecursionError):
        return text


def invocation_context(*, invocation: Invocation) -> dict[str, Any]:
    """One invocation: the Execution result's fields, its cost and its log."""
    context = result_context(invocation=invocation)
    context["payload_pretty"] = _pretty(invocation.payload)
    context["cost"] = invocation_cost(invocation)
    context["log_lines"] = logs.invocation_lines(invocation)
    return context


@login_required
@require_GET
def invocation_detail(request: HttpRequest, pk: int, invocation_id: Any) -> HttpResponse:
    """One invocation: summary, cost, event, response and its own log lines."""
    invocation = invocation_for_user(request, pk, invocation_id)
    context = invocation_context(invocation=invocation)
    context["candidates"] = monitoring.compare_candidates(function=invocation.function, exclude=invocation)
    if request.htmx:
        response = render(request, "functions/monitor/_invocation.html", context)
        if invocation.is_finished:
            response.status_code = HTMX_STOP_POLLING
        return response
    return render(request, "functions/monitor/invocation.html", context)


@login_required
@require_POST
def invocation_replay(request: HttpRequest, pk: int, invocation_id: Any) -> HttpResponse:
    """Invoke again with the same event; show the new invocation."""
    invocation = invocation_for_user(request, pk, invocation_id)
    try:
        replay = invocation_services.invocation_replay(invocation=invocation)
    except ServiceError as exc:
        messages.error(request, f"The event could not be replayed: {exc}")
        return redirect("functions:invocation-detail", pk=pk, invocation_id=invocation.pk)
    messages.success(request, f"Replayed the event of request {invocation.pk} as request {replay.pk}.")
    return redirect("functions:invocation-detail", pk=pk, invocation_id=replay.pk)


def compare_context(*, first: Invocation, second: Invocation) -> dict[str, Any]:
    """Two invocations side by side, and what differs between them."""
    columns = [invocation_context(invocation=inv) for inv in (first, second)]

    def delta(field: str) -> float | None:
        a, b = getattr(first, field), getattr(second, field)
        return None if a is None or b is None else round(b - a, 2)

    return {
        "columns": columns,
        "deltas": {
            "duration_ms": delta("duration_ms"),
            "billed_duration_ms": delta("billed_duration_ms"),
            "max_memory_used_mb": delta("max_memory_used_mb"),
        },
        "same_response": first.response == second.response,
        "same_payload": first.payload == second.payload,
    }


@login_required
@require_GET
def invocation_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two invocations side by side (?id=A&id=B)."""
    function = function_for_user(request, pk)
    form = CompareForm(request.GET)
    if not form.is_valid():
        raise Http404("No such invocation")
    ids = form.cleaned_data["id"]
    found = {
        inv.pk: inv
        for inv in Invocation.objects.select_related("function__role", "log_stream").filter(function=function, pk__in=ids)
    }
    if len(found) != len(set(ids)):
        raise Http404("No such invocation")
    context: dict[str, Any] = {"function": function}
    if len(found) != 2:
        context["error"] = ERR_COMPARE
        return render(request, "functions/monitor/compare.html", context, status=400)
    first, second = (found[i] for i in dict.fromkeys(ids))
    context.update(compare_context(first=first, second=second))
    return render(request, "functions/monitor/compare.html", context)
