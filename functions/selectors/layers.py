"""Reads about layers: a user's layers and versions, and the layers a
function (or one of its versions) uses, in order."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from ..models import Function, FunctionLayer, LayerVersion


def layer_versions_of(*, user: User | AnonymousUser) -> QuerySet[LayerVersion]:
    """The user's layer versions that are not deleted, newest first per layer."""
    return LayerVersion.objects.defer("content_zip").select_related("layer").filter(layer__owner_id=user.pk, deleted=False)


def layer_version_for(*, user: User | AnonymousUser, pk: int) -> LayerVersion | None:
    return layer_versions_of(user=user).filter(pk=pk).first()


def function_layers(*, function: Function) -> list[FunctionLayer]:
    return list(
        FunctionLayer.objects.filter(function=function).select_related("layer_version__layer").defer("layer_version__content_zip")
    )


def attachable_layer_versions(*, function: Function) -> list[LayerVersion]:
    """What the function's owner may add: their own layer versions (deleted
    ones only where the function already uses them)."""
    used = FunctionLayer.objects.filter(function=function).values_list("layer_version_id", flat=True)
    mine = LayerVersion.objects.defer("content_zip").select_related("layer").filter(layer__owner_id=function.owner_id)
    return list(mine.filter(deleted=False) | mine.filter(pk__in=used))
