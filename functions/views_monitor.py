"""Monitor and logs pages. Thin views: parse input, check access (another
user's ids are a 404, JSON endpoints included), call monitoring/logs, render;
htmx requests get the partial, others the full page."""

from __future__ import annotations

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HTMX_STOP_POLLING

from . import logs, monitoring, services
from .models import Invocation, LogStream
from .views import _get_function_for_user

# --- Monitor


@login_required
@require_GET
def monitor_metrics(request: HttpRequest, pk: int) -> JsonResponse:
    """The graphs' data for a time range and qualifier."""
    function = _get_function_for_user(request, pk)
    try:
        time_range = monitoring.parse_time_range(request.GET)
        qualifier = monitoring.parse_qualifier(request.GET.get("qualifier", ""))
    except monitoring.MonitorError as exc:
        return JsonResponse({"message": str(exc)}, status=400)
    return JsonResponse(monitoring.metrics_data(function=function, qualifier=qualifier, time_range=time_range))


@login_required
@require_GET
def monitor_changes(request: HttpRequest, pk: int) -> JsonResponse:
    """A token that changes when an invocation starts or ends: the open
    Monitor tab polls it and redraws only then."""
    function = _get_function_for_user(request, pk)
    return JsonResponse({"token": monitoring.change_token(function=function)})


def _invocation(request: HttpRequest, pk: int, invocation_id) -> Invocation:
    function = _get_function_for_user(request, pk)
    return get_object_or_404(
        Invocation.objects.select_related("function__role", "log_stream"), pk=invocation_id, function=function
    )


@login_required
@require_GET
def invocation_detail(request: HttpRequest, pk: int, invocation_id: uuid.UUID) -> HttpResponse:
    """One invocation: summary, cost, event, response and its own log lines."""
    invocation = _invocation(request, pk, invocation_id)
    context = monitoring.invocation_context(invocation=invocation)
    context["candidates"] = monitoring.compare_candidates(function=invocation.function, exclude=invocation)
    if request.htmx:
        response = render(request, "functions/monitor/_invocation.html", context)
        if invocation.is_finished:
            response.status_code = HTMX_STOP_POLLING
        return response
    return render(request, "functions/monitor/invocation.html", context)


@login_required
@require_POST
def invocation_replay(request: HttpRequest, pk: int, invocation_id: uuid.UUID) -> HttpResponse:
    """Invoke again with the same event; show the new invocation."""
    invocation = _invocation(request, pk, invocation_id)
    try:
        replay = monitoring.invocation_replay(invocation=invocation)
    except services.ServiceError as exc:
        messages.error(request, f"The event could not be replayed: {exc}")
        return redirect("functions:invocation-detail", pk=pk, invocation_id=invocation.pk)
    messages.success(request, f"Replayed the event of request {invocation.pk} as request {replay.pk}.")
    return redirect("functions:invocation-detail", pk=pk, invocation_id=replay.pk)


@login_required
@require_GET
def invocation_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two invocations side by side (?id=A&id=B)."""
    function = _get_function_for_user(request, pk)
    ids = []
    for value in request.GET.getlist("id"):
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            raise Http404("No such invocation") from None
    found = {
        inv.pk: inv
        for inv in Invocation.objects.select_related("function__role", "log_stream").filter(function=function, pk__in=ids)
    }
    if len(found) != len(set(ids)):
        raise Http404("No such invocation")
    context: dict = {"function": function}
    if len(found) != 2:
        context["error"] = "Choose two invocations to compare: tick two rows of Recent invocations, then choose Compare."
        return render(request, "functions/monitor/compare.html", context, status=400)
    first, second = (found[i] for i in dict.fromkeys(ids))
    context.update(monitoring.compare_context(first=first, second=second))
    return render(request, "functions/monitor/compare.html", context)


# --- Logs


@login_required
@require_GET
def log_groups(request: HttpRequest) -> HttpResponse:
    prefix = request.GET.get("q", "")
    context = {"groups": logs.log_groups(user=request.user, prefix=prefix), "query": prefix}
    template = "functions/logs/_log_group_table.html" if request.htmx else "functions/logs/log_groups.html"
    return render(request, template, context)


@login_required
@require_GET
def log_group(request: HttpRequest, pk: int) -> HttpResponse:
    """A log group: its details, retention, and its streams newest first."""
    function = _get_function_for_user(request, pk)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    prefix = request.GET.get("prefix", "")
    context = {
        "function": function,
        "prefix": prefix,
        "retention": logs.retention_label(function.log_retention_days),
        "retention_choices": logs.retention_choices(),
        "retention_value": "" if function.log_retention_days is None else str(function.log_retention_days),
        "log_group_arn": logs.log_group_arn(function),
        "logging_allowed": logs.logging_allowed(function),
        **logs.log_streams(function=function, prefix=prefix, page=page),
    }
    template = "functions/logs/_log_stream_table.html" if request.htmx else "functions/logs/log_group.html"
    return render(request, template, context)


@login_required
@require_POST
def log_retention(request: HttpRequest, pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    value = request.POST.get("retention_days", "")
    try:
        days = int(value) if value else None
        logs.log_retention_set(function=function, days=days)
    except (ValueError, services.ServiceError) as exc:
        message = str(exc) if isinstance(exc, services.ServiceError) else "Choose a retention setting from the list."
        messages.error(request, message)
        return redirect("functions:log-group", pk=pk)
    messages.success(request, f"Retention of {function.log_group} is now: {logs.retention_label(days)}.")
    return redirect("functions:log-group", pk=pk)


def _events(request: HttpRequest, pk: int, stream_pk: int | None) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    stream = get_object_or_404(LogStream, pk=stream_pk, function=function) if stream_pk is not None else None
    text = request.GET.get("filter", "")
    request_id = request.GET.get("request_id", "")
    context = {
        "function": function,
        "stream": stream,
        "filter": text,
        "request_id": request_id,
        "logging_allowed": logs.logging_allowed(function),
        **logs.log_events_page(
            function=function, stream=stream, text=text, request_id=request_id, before=request.GET.get("before", "")
        ),
    }
    if request.htmx:
        return render(request, "functions/logs/_log_events.html", context)
    return render(request, "functions/logs/log_events.html", context)


@login_required
@require_GET
def log_events(request: HttpRequest, pk: int) -> HttpResponse:
    """Search all log streams of the group."""
    return _events(request, pk, None)


@login_required
@require_GET
def log_stream(request: HttpRequest, pk: int, stream_pk: int) -> HttpResponse:
    return _events(request, pk, stream_pk)


@login_required
@require_GET
def log_download(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The matching events as a text file (?stream=ID&filter=...&request_id=...)."""
    function = _get_function_for_user(request, pk)
    stream = None
    if request.GET.get("stream"):
        try:
            stream_pk = int(request.GET["stream"])
        except ValueError:
            raise Http404("No such log stream") from None
        stream = get_object_or_404(LogStream, pk=stream_pk, function=function)
    lines = logs.download_lines(
        function=function, stream=stream, text=request.GET.get("filter", ""), request_id=request.GET.get("request_id", "")
    )
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{function.name}-{stream.name if stream else 'all-streams'}").strip("_")
    response = StreamingHttpResponse(lines, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.log"'
    return response


@login_required
@require_GET
def log_tail(request: HttpRequest, pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    context = {
        "function": function,
        "filter": request.GET.get("filter", ""),
        "request_id": request.GET.get("request_id", ""),
        "poll_url": reverse("functions:log-tail-poll", args=[function.pk]),
        "backlog_seconds": logs.TAIL_BACKLOG_SECONDS,
    }
    return render(request, "functions/logs/live_tail.html", context)


@login_required
@require_GET
def log_tail_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """New lines since the cursor, appended by the polling Live Tail page."""
    function = _get_function_for_user(request, pk)
    text = request.GET.get("filter", "")
    request_id = request.GET.get("request_id", "")
    result = logs.live_tail(function=function, after=request.GET.get("after", ""), text=text, request_id=request_id)
    context = {
        "function": function,
        "filter": text,
        "request_id": request_id,
        "poll_url": reverse("functions:log-tail-poll", args=[function.pk]),
        **result,
    }
    return render(request, "functions/logs/_live_tail_poll.html", context)
