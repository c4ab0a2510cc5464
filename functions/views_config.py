"""Configuration, Versions and Aliases tabs: each section saves by itself
(htmx) and answers with its own partial, with the error on the page when the
input is wrong."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from . import configuration, selectors, versions
from .models import Alias, ExecutionRole, Function
from .services import ServiceError
from .views import _get_function_for_user

SECTIONS: dict[str, Callable[[HttpRequest, Function], str]] = {}


def section(name: str):
    def register(func: Callable[[HttpRequest, Function], str]):
        SECTIONS[name] = func
        return func

    return register


@section("general")
def _general(request: HttpRequest, function: Function) -> str:
    configuration.function_update_general(
        function=function,
        description=request.POST.get("description", ""),
        memory_size=request.POST.get("memory_size", ""),
        timeout=_seconds(request.POST.get("timeout_min", "0"), request.POST.get("timeout_sec", "")),
        ephemeral_storage=request.POST.get("ephemeral_storage", ""),
    )
    return "Successfully updated the function configuration."


def _seconds(minutes: str, seconds: str) -> str:
    try:
        return str(int(minutes or 0) * 60 + int(seconds or 0))
    except ValueError:
        return "invalid"


@section("environment")
def _environment(request: HttpRequest, function: Function) -> str:
    configuration.function_update_environment(
        function=function, keys=request.POST.getlist("key"), values=request.POST.getlist("value")
    )
    return "Successfully updated the environment variables. They apply from the next invocation."


@section("runtime")
def _runtime(request: HttpRequest, function: Function) -> str:
    configuration.function_update_runtime_settings(
        function=function, runtime=request.POST.get("runtime", ""), handler=request.POST.get("handler", "")
    )
    return "Successfully updated the runtime settings."


@section("concurrency")
def _concurrency(request: HttpRequest, function: Function) -> str:
    reserved = request.POST.get("reserved_concurrency", "") if request.POST.get("mode") == "reserve" else None
    configuration.function_put_concurrency(function=function, reserved=reserved)
    return "Successfully updated the concurrency."


@section("tags")
def _tags(request: HttpRequest, function: Function) -> str:
    configuration.function_update_tags(function=function, keys=request.POST.getlist("key"), values=request.POST.getlist("value"))
    return "Successfully updated the tags."


@section("permissions")
def _permissions(request: HttpRequest, function: Function) -> str:
    role_pk = request.POST.get("role")
    if role_pk and (function.role is None or str(function.role.pk) != role_pk):
        role = get_object_or_404(ExecutionRole, pk=role_pk, owner=function.owner)
        configuration.function_set_role(function=function, role=role)
        return f"The function now uses the role {role.name}."
    if function.role is None:
        raise ServiceError("Choose an execution role.")
    configuration.role_update_policies(role=function.role, policies_json=request.POST.get("policies", ""))
    return f"Successfully updated the policies of the role {function.role.name}."


@login_required
@require_POST
def configuration_save(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    handler = SECTIONS.get(name)
    if handler is None:
        return HttpResponse(status=404)
    context: dict = {"function": function, "section": name}
    try:
        context["message"] = handler(request, function)
        status = 200
    except ServiceError as exc:
        function.refresh_from_db()
        context["error"] = str(exc)
        context["submitted"] = request.POST
        status = 400
    context.update(selectors.configuration_context(function=function, request=request))
    if status == 400 and name in ("environment", "tags"):
        # Keep what the user typed, so fixing one key loses nothing.
        submitted = list(zip(request.POST.getlist("key"), request.POST.getlist("value"), strict=False))
        context["env_items" if name == "environment" else "tag_items"] = submitted
    return render(request, f"functions/config/_{name}.html", context, status=status)


@login_required
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    version, created = versions.version_publish(function=function, description=request.POST.get("description", ""))
    context = {"function": function, **selectors.versions_context(function=function, request=request)}
    if created:
        context["message"] = f"Successfully created version {version.number} of function {function.name}."
    else:
        context["message"] = f"Nothing changed since version {version.number}, so no new version was published."
    return render(request, "functions/_versions_tab.html", context)


@login_required
@require_POST
def alias_save(request: HttpRequest, pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    name = request.POST.get("name", "")
    existing = function.aliases.filter(name=name).first() if request.POST.get("edit") else None
    fields = {
        "version": request.POST.get("version", ""),
        "description": request.POST.get("description", ""),
        "additional_version": request.POST.get("additional_version", ""),
        "weight_percent": request.POST.get("weight", "0"),
    }
    context: dict = {"function": function}
    status = 200
    try:
        if existing:
            versions.alias_update(alias=existing, **fields)
            context["message"] = f"Successfully updated alias {name}."
        else:
            versions.alias_create(function=function, name=name, **fields)
            context["message"] = f"Successfully created alias {name}."
    except ServiceError as exc:
        context.update(error=str(exc), submitted=request.POST)
        status = 400
    context.update(selectors.aliases_context(function=function, request=request))
    return render(request, "functions/_aliases_tab.html", context, status=status)


@login_required
@require_POST
def alias_delete(request: HttpRequest, pk: int, alias_pk: int) -> HttpResponse:
    function = _get_function_for_user(request, pk)
    alias = get_object_or_404(Alias, pk=alias_pk, function=function)
    versions.alias_delete(alias=alias)
    context = {
        "function": function,
        "message": f"Deleted alias {alias.name}.",
        **selectors.aliases_context(function=function, request=request),
    }
    return render(request, "functions/_aliases_tab.html", context)
