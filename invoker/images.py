"""Runtime names and the images that run them (built from invoker/runtimes/)."""

from __future__ import annotations

import time

from django.conf import settings

from .docker_client import client

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


# Lambda's runtime version names (INIT_START's "Runtime Version: python:3.11.v29").
_VERSION_NAMES = {
    "python3.13": "python:3.13",
    "python3.11": "python:3.11",
    "nodejs22.x": "nodejs:22",
    "nodejs20.x": "nodejs:20",
    "nodejs18.x": "nodejs:18",
    "provided": "provided",
}
_IMAGE_ID_TTL = 60.0
_image_ids: dict[str, tuple[float, str]] = {}


def _image_id(image: str) -> str:
    """The image's content id (hex), looked up at most once a minute: images
    are rebuilt rarely, and a cold start should not pay for an inspect."""
    now = time.monotonic()
    cached = _image_ids.get(image)
    if cached and now - cached[0] < _IMAGE_ID_TTL:
        return cached[1]
    image_id = str(client().api.inspect_image(image)["Id"]).removeprefix("sha256:")
    _image_ids[image] = (now, image_id)
    return image_id


def init_start_line(runtime: str, region: str) -> str | None:
    """INIT_START as Lambda writes it on a cold start. Lambda's runtime version
    names a build of the managed runtime, and its ARN that build's hash; here
    the build is the runtime image, so both carry the image's id."""
    try:
        image_id = _image_id(image_for(runtime))
    except Exception:  # noqa: BLE001 - the line is informative; the invocation goes on
        return None
    name = _VERSION_NAMES.get(runtime, runtime)
    return f"INIT_START Runtime Version: {name}.{image_id[:12]}\tRuntime Version ARN: arn:aws:lambda:{region}::runtime:{image_id}"
