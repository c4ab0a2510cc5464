"""The one access guard: which function (or log group) a request may see,
and whether it may change it.

A user reads and changes their own functions and log groups. A user the
viewer policy allows (an instructor of the owner's course, a teaching
assistant of their section: functions/viewers.py) reads them, read-only and
audited: every request that would change something is refused with a 403,
and the page says whose work it is (the banner of base.html reads
`request.labda_view_as`). Anyone else gets a 404, never a 403, so another
user's ids reveal nothing."""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ..models import Function, Invocation, LayerVersion, LogGroup, LogStream
from ..viewers import viewer_policy

ERR_READ_ONLY = "You are viewing another user's work, read only: nothing can be changed here."
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Access(NamedTuple):
    function: Function
    read_only: bool


def _owner_access(request: HttpRequest, owner_id: int, what: str) -> bool:
    """True: read-only access to `owner_id`'s work (recorded); False: the
    user's own. Raises 404 for anyone else, 403 for a change by a viewer."""
    user = request.user
    if user.is_authenticated and owner_id == user.pk:
        return False
    policy = viewer_policy()
    if not user.is_authenticated or not policy.may_view(viewer=user, owner_id=owner_id):
        raise Http404(f"No such {what}")
    if request.method not in SAFE_METHODS:
        raise PermissionDenied(ERR_READ_ONLY)
    policy.record_view(viewer=user, owner_id=owner_id, path=request.path)
    return True


def function_access(request: HttpRequest, pk: int) -> Access:
    """The function `pk` with a read-only marker; a 404 when the user may not
    see it, a 403 when they may only read it and the request would change it."""
    # The package loads only where a page reads it (code tab, download).
    function = get_object_or_404(Function.objects.defer("code_zip").select_related("owner"), pk=pk)
    read_only = _owner_access(request, function.owner_id, "function")
    if read_only:
        request.labda_view_as = function.owner  # type: ignore[attr-defined]
    return Access(function, read_only)


def function_for_user(request: HttpRequest, pk: int) -> Function:
    """The function `pk` the request may see (read-only for a viewer), or a 404."""
    return function_access(request, pk).function


def invocation_for_user(request: HttpRequest, pk: int, invocation_id: object) -> Invocation:
    function = function_for_user(request, pk)
    return get_object_or_404(
        Invocation.objects.select_related("function__role", "log_stream"), pk=invocation_id, function=function
    )


def group_for_user(request: HttpRequest, group_pk: int) -> LogGroup:
    """The log group `group_pk` the request may see (its function may be
    deleted: the group is kept), read-only for a viewer, or a 404."""
    group = get_object_or_404(LogGroup.objects.select_related("owner"), pk=group_pk)
    if _owner_access(request, group.owner_id, "log group"):
        request.labda_view_as = group.owner  # type: ignore[attr-defined]
    return group


def stream_for_user(group: LogGroup, stream_pk: int) -> LogStream:
    return get_object_or_404(LogStream, pk=stream_pk, group=group)


def layer_version_for_user(request: HttpRequest, pk: int) -> LayerVersion:
    """The request's user's (not deleted) layer version `pk`, or a 404."""
    versions = LayerVersion.objects.defer("content_zip").select_related("layer").filter(deleted=False)
    return get_object_or_404(versions, pk=pk, layer__owner_id=request.user.pk)
