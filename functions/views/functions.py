"""The Functions list, Create function, the function page, Deploy, upload and
download of the .zip, and delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from invoker import package
from invoker.images import RUNTIMES

from ..arns import log_group_name
from ..errors import ServiceError
from ..forms import (
    BlueprintSearchForm,
    BulkDeleteForm,
    DeployForm,
    FunctionCreateForm,
    FunctionDeleteForm,
    FunctionListForm,
    TabForm,
    ZipUploadForm,
    check,
    first_error,
)
from ..models import Blueprint, ExecutionRole, Function
from ..selectors import functions as function_selectors
from ..services import functions as function_services
from .access import function_for_user
from .tabs import TABS

MSG_CREATED = (
    "Successfully created the function {name}. You can now change its code and configuration. "
    'To invoke your function with a test event, choose "Test".'
)


@login_required
@require_GET
def function_list(request: HttpRequest) -> HttpResponse:
    form = FunctionListForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    functions = function_selectors.function_list(user=request.user, query=query)
    template = "functions/_function_table.html" if request.htmx else "functions/function_list.html"
    return render(request, template, {"functions": functions, "query": query})


def _create_context(request: HttpRequest, form: FunctionCreateForm | None = None) -> dict[str, Any]:
    search = BlueprintSearchForm(request.GET)
    params = search.cleaned_data if search.is_valid() else {}
    posted = getattr(form, "cleaned_data", {}) if form is not None else {}
    option = posted.get("option") or params.get("option")
    query = params.get("blueprint_q", "")
    return {
        "option": option if option in FunctionCreateForm.OPTIONS else "author",
        "runtimes": RUNTIMES,
        "blueprints": function_selectors.blueprint_search(query=query) if query else Blueprint.objects.all(),
        "blueprint_query": query,
        "roles": ExecutionRole.objects.filter(owner_id=request.user.pk),
        "submitted": request.POST if request.method == "POST" else params,
        "selected_blueprint": posted.get("blueprint") or params.get("blueprint", ""),
        "max_zip_bytes": package.MAX_ZIPPED_BYTES,
    }


def _create(request: HttpRequest, data: dict[str, Any]) -> Function:
    role = None
    if data["role_choice"] == "existing":
        role = get_object_or_404(ExecutionRole, pk=data["existing_role"] or 0, owner_id=request.user.pk)
    owner = request.user
    if data["option"] == "blueprint":
        blueprint = Blueprint.objects.filter(name=data["blueprint"]).first()
        if blueprint is None:
            raise ServiceError("Choose a blueprint.")
        return function_services.function_create_from_blueprint(owner=owner, name=data["name"], blueprint=blueprint, role=role)
    if data["option"] == "upload":
        return function_services.function_create(
            owner=owner,
            name=data["name"],
            runtime=data["runtime"],
            handler=data["handler"] or None,
            zip_bytes=data["zip_file"].read(),
            role=role,
        )
    return function_services.function_create(
        owner=owner,
        name=data["name"],
        runtime=data["runtime"],
        files=function_selectors.starter_files(data["runtime"]),
        role=role,
    )


@login_required
def function_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        context = _create_context(request)
        if request.htmx and "blueprint_q" in request.GET:
            return render(request, "functions/_blueprint_cards.html", context)
        return render(request, "functions/function_create.html", context)
    form = FunctionCreateForm(request.POST, request.FILES)
    try:
        function = _create(request, check(form))
    except ServiceError as exc:
        context = _create_context(request, form)
        context["error"] = str(exc)
        return render(request, "functions/function_create.html", context, status=400)
    messages.success(request, MSG_CREATED.format(name=function.name))
    return redirect("functions:detail", pk=function.pk)


@login_required
@require_GET
def function_detail(request: HttpRequest, pk: int) -> HttpResponse:
    function = function_for_user(request, pk)
    form = TabForm(request.GET)
    tab = form.cleaned_data["tab"] if form.is_valid() else ""
    if tab not in TABS:
        tab = "code"
    context = {"function": function, "tab": tab, "tabs": TABS}
    context.update(TABS[tab][1](function=function, request=request))
    if request.htmx:
        return render(request, f"functions/_{tab}_tab.html", context)
    return render(request, "functions/function_detail.html", context)


@login_required
@require_POST
def function_deploy(request: HttpRequest, pk: int) -> HttpResponse:
    function = function_for_user(request, pk)
    context: dict[str, Any] = {"function": function}
    try:
        files = check(DeployForm(request.POST))["files"]
        function_services.function_update_code(function=function, files=files)
        context["deploy_message"] = f"Successfully updated the function {function.name}."
    except ServiceError as exc:
        function.refresh_from_db()
        context["deploy_error"] = f"The code was not deployed; the previous code is still live. {exc}"
        # The editor marks the line (static/js/workbench.js).
        context["error_file"] = getattr(exc, "file", "")
        context["error_line"] = getattr(exc, "line", "")
    status = 400 if "deploy_error" in context else 200
    return render(request, "functions/_deploy_status.html", context, status=status)


@login_required
@require_POST
def function_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete after the typed word; the log group and the role are kept."""
    function = function_for_user(request, pk)
    form = FunctionDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("functions:detail", pk=function.pk)
    name = function.name
    function_services.function_delete(function=function)
    messages.success(request, f"Successfully deleted the function {name}. Its log group {log_group_name(name)} is kept.")
    return redirect("functions:list")


@login_required
@require_POST
def functions_delete(request: HttpRequest) -> HttpResponse:
    """Delete the functions selected in the list (only the user's own), after
    the typed word: all of them, or none when one is not theirs."""
    form = BulkDeleteForm(request.POST)
    if not form.is_valid():
        pks = form.cleaned_data.get("function", [])
        for pk in pks:
            function_for_user(request, pk)  # another user's id is a 404, as ever
        messages.error(request, first_error(form))
        return redirect("functions:list")
    functions = [function_for_user(request, pk) for pk in form.cleaned_data["function"]]
    names = function_services.functions_delete(functions=functions)
    messages.success(request, f"Successfully deleted {', '.join(names)}. Their log groups are kept.")
    return redirect("functions:list")


@login_required
@require_POST
def function_upload_zip(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload from .zip file: replaces the code; a bad archive changes nothing."""
    function = function_for_user(request, pk)
    try:
        upload = check(ZipUploadForm(request.POST, request.FILES))["zip_file"]
        function_services.function_update_code(function=function, zip_bytes=upload.read())
        messages.success(request, f"Successfully updated the function {function.name}.")
    except ServiceError as exc:
        messages.error(request, f"The .zip file was not deployed; the previous code is still live. {exc}")
    return redirect(reverse("functions:detail", args=[function.pk]) + "?tab=code")


@login_required
@require_GET
def function_download_zip(request: HttpRequest, pk: int) -> HttpResponse:
    function = function_for_user(request, pk)
    response = HttpResponse(bytes(function.code_zip), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{function.name}.zip"'
    return response
