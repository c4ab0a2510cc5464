"""The Test tab: event templates, saved test events, Test, and the polled
Execution result."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HTMX_STOP_POLLING

from ..errors import ServiceError
from ..forms import EventChoiceForm, EventSaveForm, TestInvokeForm, check
from ..models import Invocation, TestEvent
from ..services import events as event_services
from ..services import invocations as invocation_services
from .access import function_for_user
from .tabs import result_context, test_context

# A Test waits this long for the result before showing progress instead.
TEST_WAIT_SECONDS = 2.0


@login_required
@require_GET
def event_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The event editor filled from a template or a saved event."""
    function = function_for_user(request, pk)
    form = EventChoiceForm(request.GET)
    choice = form.cleaned_data if form.is_valid() else {"event": "", "template": ""}
    # The owner's saved events: a viewer reads the student's own test events.
    context = test_context(function=function, user=function.owner, event_name=choice["event"], template_id=choice["template"])
    return render(request, "functions/_event_editor.html", {"function": function, **context})


@login_required
@require_POST
def event_save(request: HttpRequest, pk: int) -> HttpResponse:
    function = function_for_user(request, pk)
    form = EventSaveForm(request.POST)
    context: dict[str, Any] = {"function": function}
    try:
        data = check(form)
        event = event_services.event_save(
            function=function, owner=request.user, name=data["event_name"], payload=data["event_json"]
        )
        context["event_message"] = f"The test event {event.name} was successfully saved."
        context.update(test_context(function=function, user=request.user, event_name=event.name))
        status = 200
    except ServiceError as exc:
        context.update(test_context(function=function, user=request.user))
        typed = form.data
        context.update(
            {"event_error": str(exc), "event_json": typed.get("event_json", ""), "event_name": typed.get("event_name", "")}
        )
        context["template_id"] = ""
        status = 400
    return render(request, "functions/_event_editor.html", context, status=status)


@login_required
@require_POST
def event_delete(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    function = function_for_user(request, pk)
    event = get_object_or_404(TestEvent, pk=event_pk, function=function, owner_id=request.user.pk)
    event_services.event_delete(event=event)
    context = test_context(function=function, user=request.user)
    context["event_message"] = f"The test event {event.name} was deleted."
    return render(request, "functions/_event_editor.html", {"function": function, **context})


@login_required
@require_POST
def function_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Invoke with the event in the editor; show the Execution result."""
    function = function_for_user(request, pk)
    try:
        data = check(TestInvokeForm(request.POST))
        invocation = invocation_services.invocation_create(
            function=function,
            payload=data["event_json"],
            invocation_type=data["invocation_type"],
            qualifier=data["qualifier"],
        )
    except ServiceError as exc:
        return render(request, "functions/_execution_result.html", {"function": function, "error": str(exc)}, status=400)
    if invocation.invocation_type == Invocation.Type.REQUEST_RESPONSE:
        invocation = invocation_services.invocation_wait(invocation=invocation, timeout=TEST_WAIT_SECONDS)
    return render(request, "functions/_execution_result.html", result_context(invocation=invocation))


@login_required
@require_GET
def invocation_result(request: HttpRequest, pk: int, invocation_id: uuid.UUID) -> HttpResponse:
    """Polled by a running Execution result until it has finished."""
    function = function_for_user(request, pk)
    invocation = get_object_or_404(Invocation, pk=invocation_id, function=function)
    response = render(request, "functions/_execution_result.html", result_context(invocation=invocation))
    if invocation.is_finished and request.htmx:
        response.status_code = HTMX_STOP_POLLING
    return response
