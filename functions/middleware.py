"""Refuse an upload that is too large from its Content-Length, before one
byte of its body is read (Django itself parses a multipart body whole, and
only its non-file fields are capped)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from invoker import package

# Room for the form's other fields and the multipart framing around the file.
FORM_OVERHEAD_BYTES = 1024 * 1024


def max_request_bytes() -> int:
    return package.MAX_ZIPPED_BYTES + FORM_OVERHEAD_BYTES


def err_too_large(size: int) -> str:
    return (
        f"The upload is {size:,} bytes; a .zip file can be at most {package.MAX_ZIPPED_BYTES:,} bytes (50 MB). "
        "Nothing was changed."
    )


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


class UploadLimitMiddleware:
    """Placed before CsrfViewMiddleware (which reads the body). The upload
    forms get their page back with a message; anything else, a plain 413."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        size = _content_length(request)
        if request.method != "POST" or size <= max_request_bytes():
            return self.get_response(request)
        # The body is never read.
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        message = err_too_large(size)
        if match is not None and match.view_name == "functions:upload-zip":
            messages.error(request, f"The .zip file was not deployed; the previous code is still live. {message}")
            response = redirect(reverse("functions:detail", args=[match.kwargs["pk"]]) + "?tab=code")
        elif match is not None and match.view_name == "functions:create":
            messages.error(request, f"The function was not created. {message}")
            response = redirect(reverse("functions:create") + "?option=upload")
        else:
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return response
