"""Runtime names and the images that run them (built from invoker/runtimes/)."""

from __future__ import annotations

from django.conf import settings

# Runtime id -> (label shown in the console, default handler). The order is the
# console's: newest first within a language, as AWS lists them.
RUNTIMES: dict[str, tuple[str, str]] = {
    "python3.13": ("Python 3.13", "lambda_function.lambda_handler"),
    "python3.11": ("Python 3.11", "lambda_function.lambda_handler"),
    "nodejs22.x": ("Node.js 22.x", "index.handler"),
    "nodejs20.x": ("Node.js 20.x", "index.handler"),
    "nodejs18.x": ("Node.js 18.x", "index.handler"),
    "provided": ("Custom runtime on Debian 12 (provided)", "bootstrap"),
}


def runtime_family(runtime: str) -> str:
    """ "python", "nodejs" or "provided": what a runtime's code is written in."""
    for family in ("python", "nodejs"):
        if runtime.startswith(family):
            return family
    return "provided"


def image_for(runtime: str) -> str:
    return f"{settings.LABDA_IMAGE_PREFIX}:{runtime}"
