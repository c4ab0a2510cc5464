"""The one access guard: which function a request may see, and whether it
may change it.

A user reads and changes their own functions. A user the viewer policy
allows (an instructor of the owner's course, a teaching assistant of their
section: functions/viewers.py) reads them, read-only and audited: every
request that would change something is refused with a 403, and the page says
whose work it is (the banner of base.html reads `request.labda_view_as`).
Anyone else gets a 404, never a 403, so another user's ids reveal nothing."""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ..models import Function, Invocation, LogStream
from ..viewers import viewer_policy

ERR_READ_ONLY = "You are viewing another user's work, read only: nothing can be changed here."
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Access(NamedTuple):
    function: Function
    read_only: bool


def function_access(request: HttpRequest, pk: int) -> Access:
    """The function `pk` with a read-only marker; a 404 when the user may not
    see it, a 403 when they may only read it and the request would change it."""
    # The package loads only where a page reads it (code tab, download).
    function = get_object_or_404(Function.objects.defer("code_zip").select_related("owner"), pk=pk)
    user = request.user
    if user.is_authenticated and function.owner_id == user.pk:
        return Access(function, False)
    policy = viewer_policy()
    if not user.is_authenticated or not policy.may_view(viewer=user, owner_id=function.owner_id):
        raise Http404("No such function")
    if request.method not in SAFE_METHODS:
        raise PermissionDenied(ERR_READ_ONLY)
    policy.record_view(viewer=user, owner_id=function.owner_id, path=request.path)
    request.labda_view_as = function.owner  # type: ignore[attr-defined]
    return Access(function, True)


def function_for_user(request: HttpRequest, pk: int) -> Function:
    """The function `pk` the request may see (read-only for a viewer), or a 404."""
    return function_access(request, pk).function


def invocation_for_user(request: HttpRequest, pk: int, invocation_id: object) -> Invocation:
    function = function_for_user(request, pk)
    return get_object_or_404(
        Invocation.objects.select_related("function__role", "log_stream"), pk=invocation_id, function=function
    )


def stream_for_user(function: Function, stream_pk: int) -> LogStream:
    return get_object_or_404(LogStream, pk=stream_pk, function=function)
