"""The Layers page: a user's layers and their versions, Create layer (a new
version from a .zip), and delete a version."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from invoker.images import RUNTIMES

from ..errors import ServiceError
from ..forms import LayerCreateForm, check
from ..selectors import layers as layer_selectors
from ..services import layers as layer_services
from .access import layer_version_for_user


def _page(request: HttpRequest, status: int = 200, **extra: object) -> HttpResponse:
    context = {"layer_versions": layer_selectors.layer_versions_of(user=request.user), "runtimes": RUNTIMES, **extra}
    return render(request, "functions/layer_list.html", context, status=status)


@login_required
@require_GET
def layer_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def layer_create(request: HttpRequest) -> HttpResponse:
    form = LayerCreateForm(request.POST, request.FILES)
    try:
        data = check(form)
        version = layer_services.layer_version_publish(
            owner=request.user,
            name=data["name"],
            zip_bytes=data["zip_file"].read(),
            description=data["description"],
            compatible_runtimes=data["compatible_runtimes"],
        )
    except ServiceError as exc:
        return _page(request, status=400, error=str(exc), submitted=request.POST)
    messages.success(request, f"Successfully created layer {version.layer.name} version {version.number}.")
    return redirect("functions:layer-list")


@login_required
@require_POST
def layer_version_delete(request: HttpRequest, version_pk: int) -> HttpResponse:
    version = layer_version_for_user(request, version_pk)
    layer_services.layer_version_delete(layer_version=version)
    messages.success(request, f"Deleted layer {version.layer.name} version {version.number}.")
    return redirect("functions:layer-list")
