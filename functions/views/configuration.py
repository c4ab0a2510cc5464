"""Configuration, Versions and Aliases tabs: each section saves by itself
(htmx) and answers with its own partial, with the error on the page when the
input is wrong (and what the user typed kept)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from ..errors import ServiceError
from ..forms import (
    AliasForm,
    ConcurrencyForm,
    GeneralForm,
    KeyValuesForm,
    LayersForm,
    PermissionsForm,
    RuntimeSettingsForm,
    VersionPublishForm,
    check,
)
from ..models import Alias, ExecutionRole, Function
from ..selectors import layers as layer_selectors
from ..services import configuration, versions
from ..services import layers as layer_services
from .access import function_for_user
from .tabs import aliases_context, configuration_context, versions_context

# A section: its form, and what to do with the cleaned data (-> the message).
Section = tuple[type[forms.Form], Callable[[Function, dict[str, Any]], str]]


def _general(function: Function, data: dict[str, Any]) -> str:
    configuration.function_update_general(
        function=function,
        description=data["description"],
        memory_size=data["memory_size"],
        timeout=data["timeout"],
        ephemeral_storage=data["ephemeral_storage"],
    )
    return "Successfully updated the function configuration."


def _environment(function: Function, data: dict[str, Any]) -> str:
    configuration.function_update_environment(function=function, keys=data["key"], values=data["value"])
    return "Successfully updated the environment variables. They apply from the next invocation."


def _runtime(function: Function, data: dict[str, Any]) -> str:
    configuration.function_update_runtime_settings(function=function, runtime=data["runtime"], handler=data["handler"])
    return "Successfully updated the runtime settings."


def _concurrency(function: Function, data: dict[str, Any]) -> str:
    configuration.function_put_concurrency(function=function, reserved=data["reserved"])
    return "Successfully updated the concurrency."


def _tags(function: Function, data: dict[str, Any]) -> str:
    configuration.function_update_tags(function=function, keys=data["key"], values=data["value"])
    return "Successfully updated the tags."


def _permissions(function: Function, data: dict[str, Any]) -> str:
    role_pk = data["role"]
    if role_pk is not None and (function.role is None or function.role.pk != role_pk):
        role = get_object_or_404(ExecutionRole, pk=role_pk, owner=function.owner)
        configuration.function_set_role(function=function, role=role)
        return f"The function now uses the role {role.name}."
    if function.role is None:
        raise ServiceError("Choose an execution role.")
    configuration.role_update_policies(role=function.role, policies_json=data["policies"])
    return f"Successfully updated the policies of the role {function.role.name}."


def _layers(function: Function, data: dict[str, Any]) -> str:
    available = {v.pk: v for v in layer_selectors.attachable_layer_versions(function=function)}
    if any(pk not in available for pk in data["layer"]):
        raise ServiceError("Choose layer versions from the list.")
    layer_services.function_set_layers(function=function, layer_versions=[available[pk] for pk in data["layer"]])
    return "Successfully updated the function's layers. They apply from the next invocation."


SECTIONS: dict[str, Section] = {
    "general": (GeneralForm, _general),
    "environment": (KeyValuesForm, _environment),
    "runtime": (RuntimeSettingsForm, _runtime),
    "concurrency": (ConcurrencyForm, _concurrency),
    "tags": (KeyValuesForm, _tags),
    "permissions": (PermissionsForm, _permissions),
    "layers": (LayersForm, _layers),
}


@login_required
@require_POST
def configuration_save(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    function = function_for_user(request, pk)
    if name not in SECTIONS:
        return HttpResponse(status=404)
    form_class, save = SECTIONS[name]
    form = form_class(request.POST)
    context: dict[str, Any] = {"function": function, "section": name}
    try:
        context["message"] = save(function, check(form))
        status = 200
    except ServiceError as exc:
        function.refresh_from_db()
        context["error"] = str(exc)
        context["submitted"] = request.POST
        status = 400
    context.update(configuration_context(function=function))
    if status == 400 and isinstance(form, KeyValuesForm):
        # Keep what the user typed, so fixing one key loses nothing.
        typed = KeyValuesForm(request.POST)
        typed.is_valid()
        rows = list(zip(typed.cleaned_data.get("key", []), typed.cleaned_data.get("value", []), strict=False))
        context["env_items" if name == "environment" else "tag_items"] = rows
    return render(request, f"functions/config/_{name}.html", context, status=status)


@login_required
@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    function = function_for_user(request, pk)
    form = VersionPublishForm(request.POST)
    description = form.cleaned_data["description"] if form.is_valid() else ""
    version, created = versions.version_publish(function=function, description=description)
    context = {"function": function, **versions_context(function=function)}
    if created:
        context["message"] = f"Successfully created version {version.number} of function {function.name}."
    else:
        context["message"] = f"Nothing changed since version {version.number}, so no new version was published."
    return render(request, "functions/_versions_tab.html", context)


@login_required
@require_POST
def alias_save(request: HttpRequest, pk: int) -> HttpResponse:
    function = function_for_user(request, pk)
    form = AliasForm(request.POST)
    context: dict[str, Any] = {"function": function}
    status = 200
    try:
        data = check(form)
        name = data["name"]
        fields = {
            "version": data["version"],
            "description": data["description"],
            "additional_version": data["additional_version"],
            "weight_percent": data["weight"],
        }
        existing = function.aliases.filter(name=name).first() if data["edit"] else None
        if existing:
            versions.alias_update(alias=existing, **fields)
            context["message"] = f"Successfully updated alias {name}."
        else:
            versions.alias_create(function=function, name=name, **fields)
            context["message"] = f"Successfully created alias {name}."
    except ServiceError as exc:
        context.update(error=str(exc), submitted=request.POST)
        status = 400
    context.update(aliases_context(function=function))
    return render(request, "functions/_aliases_tab.html", context, status=status)


@login_required
@require_POST
def alias_delete(request: HttpRequest, pk: int, alias_pk: int) -> HttpResponse:
    function = function_for_user(request, pk)
    alias = get_object_or_404(Alias, pk=alias_pk, function=function)
    versions.alias_delete(alias=alias)
    context = {"function": function, "message": f"Deleted alias {alias.name}.", **aliases_context(function=function)}
    return render(request, "functions/_aliases_tab.html", context)
