"""The one access guard: which function a request may see.

A user sees their own functions and log groups (staff: everyone's, until
courses give instructors their own students); anything else is a 404, never a 403, so
another user's ids reveal nothing."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ..models import Function, Invocation, LayerVersion, LogGroup, LogStream
from ..selectors.logs import log_groups_for


def functions_for(request: HttpRequest) -> QuerySet[Function]:
    # The package loads only where a page reads it (code tab, download).
    functions = Function.objects.defer("code_zip")
    if request.user.is_staff:
        return functions
    return functions.filter(owner_id=request.user.pk)


def function_for_user(request: HttpRequest, pk: int) -> Function:
    """The request's user's function `pk`, or a 404."""
    return get_object_or_404(functions_for(request), pk=pk)


def invocation_for_user(request: HttpRequest, pk: int, invocation_id: object) -> Invocation:
    function = function_for_user(request, pk)
    return get_object_or_404(
        Invocation.objects.select_related("function__role", "log_stream"), pk=invocation_id, function=function
    )


def group_for_user(request: HttpRequest, group_pk: int) -> LogGroup:
    """The request's user's log group `group_pk` (its function may be
    deleted: the group is kept), or a 404."""
    return get_object_or_404(log_groups_for(request.user), pk=group_pk)


def stream_for_user(group: LogGroup, stream_pk: int) -> LogStream:
    return get_object_or_404(LogStream, pk=stream_pk, group=group)


def layer_version_for_user(request: HttpRequest, pk: int) -> LayerVersion:
    """The request's user's (not deleted) layer version `pk`, or a 404."""
    versions = LayerVersion.objects.defer("content_zip").select_related("layer").filter(deleted=False)
    return get_object_or_404(versions, pk=pk, layer__owner_id=request.user.pk)
