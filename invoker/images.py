"""Runtime names and the images that run them (built from invoker/runtimes/)."""

from __future__ import annotations

from django.conf import settings

# Runtime id -> (label shown in the console, default handler, folder).
RUNTIMES: dict[str, tuple[str, str]] = {
    "python3.11": ("Python 3.11", "lambda_function.lambda_handler"),
    "nodejs18.x": ("Node.js 18.x", "index.handler"),
    "provided": ("Custom runtime on Debian 12 (provided)", "bootstrap"),
}


def image_for(runtime: str) -> str:
    return f"{settings.LABDA_IMAGE_PREFIX}:{runtime}"
