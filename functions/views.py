"""The console's pages. Each view parses input, checks access, calls one
service and renders; htmx requests get the partial, others the full page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HTMX_STOP_POLLING

from invoker.images import RUNTIMES

from . import selectors, services
from .models import Blueprint, ExecutionRole, Function, Invocation, TestEvent

# A Test waits this long for the result before showing progress instead.
TEST_WAIT_SECONDS = 2.0


def _get_function_for_user(request: HttpRequest, pk: int) -> Function:
    """The user's own function (staff: anyone's); anything else is a 404."""
    # The package loads only where a page reads it (code tab, download).
    functions = Function.objects.defer("code_zip")
    if request.user.is_staff:
        return get_object_or_404(functions, pk=pk)
    return get_object_or_404(functions, pk=pk, owner=request.user)


@login_required
@require_GET
def function_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    functions = selectors.function_list(user=request.user, query=query)
    template = "functions/_function_table.html" if request.htmx else "functions/function_list.html"
    return render(request, template, {"functions": functions, "query": query})


@login_required
def function_create(request: HttpRequest) -> HttpResponse:
    option = request.POST.get("option") or request.GET.get("option", "author")
    blueprints = Blueprint.objects.all()
    blueprint_query = request.GET.get("blueprint_q", "").strip()
    if blueprint_query:
        blueprints = selectors.blueprint_search(query=blueprint_query)
    context = {
        "option": option,
        "runtimes": RUNTIMES,
        "blueprints": blueprints,
        "blueprint_query": blueprint_query,
        "roles": ExecutionRole.objects.filter(owner=request.user),
        "form": request.POST,
        "selected_blueprint": request.POST.get("blueprint") or request.GET.get("blueprint", ""),
    }
    if request.htmx and request.method == "GET" and "blueprint_q" in request.GET:
        return render(request, "functions/_blueprint_cards.html", context)
    if request.method == "POST":
        role = None
        if request.POST.get("role_choice") == "existing":
            role = get_object_or_404(ExecutionRole, pk=request.POST.get("existing_role") or 0, owner=request.user)
        name = request.POST.get("name", "")
        try:
            if option == "blueprint":
                blueprint = Blueprint.objects.filter(name=request.POST.get("blueprint", "")).first()
                if blueprint is None:
                    raise services.ServiceError("Choose a blueprint.")
                function = services.function_create_from_blueprint(owner=request.user, name=name, blueprint=blueprint, role=role)
            elif option == "upload":
                upload = request.FILES.get("zip_file")
                if upload is None:
                    raise services.ServiceError("Choose a .zip file to upload.")
                function = services.function_create(
                    owner=request.user,
                    name=name,
                    runtime=request.POST.get("runtime", ""),
                    handler=request.POST.get("handler") or None,
                    zip_bytes=upload.read(),
                    role=role,
                )
            else:
                runtime = request.POST.get("runtime", "")
                function = services.function_create(
                    owner=request.user,
                    name=name,
                    runtime=runtime,
                    files=selectors.starter_files(runtime),
                    role=role,
                )
        except services.ServiceError as exc:
            context["error"] = str(exc)
            return render(request, "functions/function_create.html", context, status=400)
        messages.success(
            request,
            f'Successfully created the function {function.name}. You can now change its code and configuration. To invoke your function with a test event, choose "Test".',
        )
        return redirect("functions:detail", pk=function.pk)
    return render(request, "functions/function_create.html", context)


@login_required
@require_GET
def function_detail(request: HttpRequest, pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    tab = request.GET.get("tab", "code")
    if tab not in selectors.TABS:
        tab = "code"
    context = {"function": function, "tab": tab, "tabs": selectors.TABS}
    context.update(selectors.TABS[tab][1](function=function, request=request))
    if request.htmx:
        return render(request, f"functions/_{tab}_tab.html", context)
    return render(request, "functions/function_detail.html", context)


@login_required
@require_POST
def function_deploy(request: HttpRequest, pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    try:
        files = json.loads(request.POST.get("files", "{}"))
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ValueError
    except ValueError:
        files = None
    context: dict = {"function": function}
    try:
        if files is None:
            raise services.ServiceError("The editor sent no files to deploy.")
        services.function_update_code(function=function, files=files)
        context["deploy_message"] = f"Successfully updated the function {function.name}."
    except services.ServiceError as exc:
        function.refresh_from_db()
        context["deploy_error"] = f"The code was not deployed; the previous code is still live. {exc}"
    status = 400 if "deploy_error" in context else 200
    return render(request, "functions/_deploy_status.html", context, status=status)


@login_required
@require_POST
def function_delete(request: HttpRequest, pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    name = function.name
    services.function_delete(function=function)
    messages.success(request, f"Successfully deleted the function {name}.")
    return redirect("functions:list")


@login_required
@require_GET
def event_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The event editor filled from a template or a saved event."""
    function = _get_function_for_user(request, pk)
    context = selectors.test_context(
        function=function,
        user=request.user,
        event_name=request.GET.get("event", ""),
        template_id=request.GET.get("template", ""),
    )
    return render(request, "functions/_event_editor.html", {"function": function, **context})


@login_required
@require_POST
def event_save(request: HttpRequest, pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    name = request.POST.get("event_name", "")
    payload = request.POST.get("event_json", "")
    context: dict = {"function": function}
    try:
        event = services.event_save(function=function, owner=request.user, name=name, payload=payload)
        context["event_message"] = f"The test event {event.name} was successfully saved."
        context.update(selectors.test_context(function=function, user=request.user, event_name=event.name))
        status = 200
    except services.ServiceError as exc:
        context.update(selectors.test_context(function=function, user=request.user))
        context.update({"event_error": str(exc), "event_json": payload, "event_name": name, "template_id": ""})
        status = 400
    return render(request, "functions/_event_editor.html", context, status=status)


@login_required
@require_POST
def event_delete(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    event = get_object_or_404(TestEvent, pk=event_pk, function=function, owner=request.user)
    services.event_delete(event=event)
    context = selectors.test_context(function=function, user=request.user)
    context["event_message"] = f"The test event {event.name} was deleted."
    return render(request, "functions/_event_editor.html", {"function": function, **context})


@login_required
@require_POST
def function_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Invoke with the event in the editor; show the Execution result."""
    function = _get_function_for_user(request, pk)
    payload = request.POST.get("event_json", "") or "{}"
    invocation_type = (
        Invocation.Type.EVENT if request.POST.get("invocation_type") == "Event" else Invocation.Type.REQUEST_RESPONSE
    )
    try:
        invocation = services.invocation_create(
            function=function,
            payload=payload,
            invocation_type=invocation_type,
            qualifier=request.POST.get("qualifier", "$LATEST"),
        )
    except services.ServiceError as exc:
        return render(request, "functions/_execution_result.html", {"function": function, "error": str(exc)}, status=400)
    if invocation_type == Invocation.Type.REQUEST_RESPONSE:
        invocation = services.invocation_wait(invocation=invocation, timeout=TEST_WAIT_SECONDS)
    return render(request, "functions/_execution_result.html", selectors.result_context(invocation=invocation))


@login_required
@require_GET
def invocation_result(request: HttpRequest, pk: int, invocation_id: str) -> HttpResponse:
    """Polled by a running Execution result until it has finished."""
    function = _get_function_for_user(request, pk)
    try:
        invocation = get_object_or_404(Invocation, pk=invocation_id, function=function)
    except Exception as exc:  # a malformed uuid
        raise Http404 from exc
    response = render(request, "functions/_execution_result.html", selectors.result_context(invocation=invocation))
    if invocation.is_finished and request.htmx:
        response.status_code = HTMX_STOP_POLLING
    return response


@login_required
@require_POST
def function_upload_zip(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload from .zip file: replaces the code; a bad archive changes nothing."""
    function = _get_function_for_user(request, pk)
    upload = request.FILES.get("zip_file")
    try:
        if upload is None:
            raise services.ServiceError("Choose a .zip file to upload.")
        services.function_update_code(function=function, zip_bytes=upload.read())
        messages.success(request, f"Successfully updated the function {function.name}.")
    except services.ServiceError as exc:
        messages.error(request, f"The .zip file was not deployed; the previous code is still live. {exc}")
    return redirect(reverse("functions:detail", args=[function.pk]) + "?tab=code")


@login_required
@require_GET
def function_download_zip(request: HttpRequest, pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    response = HttpResponse(bytes(function.code_zip), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{function.name}.zip"'
    return response


@login_required
@require_POST
def functions_delete(request: HttpRequest) -> HttpResponse:
    """Delete the functions selected in the list (only the user's own)."""
    names = []
    for pk in request.POST.getlist("function"):
        if pk.isdigit():
            function = _get_function_for_user(request, int(pk))
            names.append(function.name)
            services.function_delete(function=function)
    if names:
        messages.success(request, f"Successfully deleted {', '.join(names)}.")
    return redirect("functions:list")
