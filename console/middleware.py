"""Pages and their htmx partials share URLs; keep a browser from mixing them up."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_vary_headers


class HtmxCacheMiddleware:
    """A filter pushes its URL (?filter=...) into the history, and the same URL
    answers an htmx request with a fragment and a plain request with the whole
    page. Without `Vary: HX-Request` a browser may serve the cached fragment
    when the user comes Back to that URL, so every answer varies on the
    header, and fragments are never stored at all.

    When htmx restores history it has no snapshot of (HX-History-Restore-Request),
    it needs the whole page, so that request is answered as a plain one. Runs
    before django_htmx's middleware, which reads the headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("HTTP_HX_HISTORY_RESTORE_REQUEST") == "true":
            request.META.pop("HTTP_HX_REQUEST", None)
            request.__dict__.pop("headers", None)  # a cached_property read from META
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        if request.META.get("HTTP_HX_REQUEST") == "true":
            add_never_cache_headers(response)
        return response
