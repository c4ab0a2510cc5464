"""CloudWatch-like logs: log groups, a group's streams, events (search,
download), retention and Live Tail. A log group outlives its function, so
these pages name the group, not the function."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..arns import log_group_arn
from ..errors import ServiceError
from ..forms import MAX_FILTER_LENGTH, LogFilterForm, LogGroupForm, LogGroupsForm, LogRetentionForm, check, first_error
from ..models import LogGroup
from ..selectors import logs
from ..services import logs as log_services
from .access import function_for_user, group_for_user, stream_for_user


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The filter parameters of a log page. A bad value is not applied; its
    message is in "error", and the typed filter stays in the box ("shown")."""
    form = LogFilterForm(request.GET)
    form.is_valid()
    defaults = {"filter": "", "request_id": "", "before": "", "after": "", "stream": None}
    params = defaults | {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    params["error"] = first_error(form) if form.errors else ""
    # A filter that cannot be applied matches nothing, rather than everything.
    params["unusable"] = "filter" in form.errors or "request_id" in form.errors
    params["shown_filter"] = str(form["filter"].value() or "")[: MAX_FILTER_LENGTH * 2]
    params["shown_request_id"] = str(form["request_id"].value() or "")[:200]
    return params


@login_required
@require_GET
def log_groups(request: HttpRequest) -> HttpResponse:
    form = LogGroupsForm(request.GET)
    prefix = form.cleaned_data["q"] if form.is_valid() else ""
    context = {"groups": logs.log_groups(user=request.user, prefix=prefix), "query": prefix}
    template = "functions/logs/_log_group_table.html" if request.htmx else "functions/logs/log_groups.html"
    return render(request, template, context)


def _to_group(request: HttpRequest, pk: int, view: str) -> HttpResponse:
    function = function_for_user(request, pk)
    # Made with the function; ensured here for one made before log groups were rows.
    group = log_services.log_group_ensure(owner=function.owner, name=function.log_group)
    query = request.GET.urlencode()
    return redirect(reverse(view, args=[group.pk]) + (f"?{query}" if query else ""))


@login_required
@require_GET
def function_logs(request: HttpRequest, pk: int) -> HttpResponse:
    """A function's log group ("View CloudWatch logs")."""
    return _to_group(request, pk, "functions:log-group")


@login_required
@require_GET
def function_log_tail(request: HttpRequest, pk: int) -> HttpResponse:
    """Live Tail of a function's log group (?request_id=... kept)."""
    return _to_group(request, pk, "functions:log-tail")


def _group_context(group: LogGroup) -> dict[str, Any]:
    function = logs.group_function(group)
    return {"log_group": group, "function": function, "logging_allowed": logs.logging_allowed(function)}


@login_required
@require_GET
def log_group(request: HttpRequest, group_pk: int) -> HttpResponse:
    """A log group: its details, retention, and its streams newest first."""
    group = group_for_user(request, group_pk)
    form = LogGroupForm(request.GET)
    form.is_valid()
    params = {"page": 1, "prefix": ""} | {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    context = {
        **_group_context(group),
        "param_error": first_error(form) if form.errors else "",
        "prefix": params["prefix"],
        "retention": logs.retention_label(group.retention_days),
        "retention_choices": logs.retention_choices(),
        "retention_value": "" if group.retention_days is None else str(group.retention_days),
        "log_group_arn": log_group_arn(group.function_name),
        **logs.log_streams(group=group, prefix=params["prefix"], page=params["page"]),
    }
    template = "functions/logs/_log_stream_table.html" if request.htmx else "functions/logs/log_group.html"
    return render(request, template, context)


@login_required
@require_POST
def log_retention(request: HttpRequest, group_pk: int) -> HttpResponse:
    group = group_for_user(request, group_pk)
    try:
        days = check(LogRetentionForm(request.POST))["retention_days"]
        log_services.log_retention_set(group=group, days=days)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("functions:log-group", group_pk=group.pk)
    messages.success(request, f"Retention of {group.name} is now: {logs.retention_label(days)}.")
    return redirect("functions:log-group", group_pk=group.pk)


def _events(request: HttpRequest, group_pk: int, stream_pk: int | None) -> HttpResponse:
    group = group_for_user(request, group_pk)
    stream = stream_for_user(group, stream_pk) if stream_pk is not None else None
    params = _filters(request)
    if params["unusable"]:
        page: dict[str, Any] = {"groups": [], "event_count": 0, "has_older": False, "filtered": True}
    else:
        page = logs.log_events_page(
            group=group, stream=stream, text=params["filter"], request_id=params["request_id"], before=params["before"]
        )
    context = {
        **_group_context(group),
        "stream": stream,
        "filter": params["shown_filter"],
        "request_id": params["shown_request_id"],
        "param_error": params["error"],
        **page,
    }
    if request.htmx:
        return render(request, "functions/logs/_log_events.html", context)
    return render(request, "functions/logs/log_events.html", context)


@login_required
@require_GET
def log_events(request: HttpRequest, group_pk: int) -> HttpResponse:
    """Search all log streams of the group."""
    return _events(request, group_pk, None)


@login_required
@require_GET
def log_stream(request: HttpRequest, group_pk: int, stream_pk: int) -> HttpResponse:
    return _events(request, group_pk, stream_pk)


@login_required
@require_GET
def log_download(request: HttpRequest, group_pk: int) -> StreamingHttpResponse:
    """The matching events as a text file (?stream=ID&filter=...&request_id=...)."""
    group = group_for_user(request, group_pk)
    params = _filters(request)
    if params["error"]:
        return HttpResponse(params["error"], content_type="text/plain; charset=utf-8", status=400)
    stream = stream_for_user(group, params["stream"]) if params["stream"] is not None else None
    lines = logs.download_lines(group=group, stream=stream, text=params["filter"], request_id=params["request_id"])
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{group.function_name}-{stream.name if stream else 'all-streams'}").strip("_")
    response = StreamingHttpResponse(lines, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.log"'
    return response


@login_required
@require_GET
def log_tail(request: HttpRequest, group_pk: int) -> HttpResponse:
    group = group_for_user(request, group_pk)
    params = _filters(request)
    context = {
        **_group_context(group),
        "filter": params["shown_filter"],
        "request_id": params["shown_request_id"],
        "param_error": params["error"],
        "poll_url": reverse("functions:log-tail-poll", args=[group.pk]),
        "backlog_seconds": logs.TAIL_BACKLOG_SECONDS,
    }
    return render(request, "functions/logs/live_tail.html", context)


@login_required
@require_GET
def log_tail_poll(request: HttpRequest, group_pk: int) -> HttpResponse:
    """New lines since the cursor, appended by the polling Live Tail page."""
    group = group_for_user(request, group_pk)
    function = logs.group_function(group)
    params = _filters(request)
    result: dict[str, Any]
    if function is None:
        result = {"lines": [], "cursor": params["after"], "error": logs.ERR_NO_FUNCTION}
    elif params["unusable"]:
        result = {"lines": [], "cursor": params["after"], "error": params["error"]}
    else:
        result = logs.live_tail(function=function, after=params["after"], text=params["filter"], request_id=params["request_id"])
    context = {
        "log_group": group,
        "filter": params["shown_filter"],
        "request_id": params["shown_request_id"],
        "poll_url": reverse("functions:log-tail-poll", args=[group.pk]),
        **result,
    }
    return render(request, "functions/logs/_live_tail_poll.html", context)
