"""Why an execution environment could not start, in words a student may see."""

from __future__ import annotations

import docker.errors

__all__ = ["EnvironmentStartError", "start_failure_reason"]


class EnvironmentStartError(RuntimeError):
    """The container could not be started (engine down, image missing...).
    Its message is shown to the user, so it never carries a host path."""


def start_failure_reason(exc: Exception) -> str:
    """Why a start failed, in words safe to show a student: an OSError's
    text names host paths (the code cache, the socket folder), a Docker
    error's text names bind mounts, so neither is shown; the log has them."""
    if isinstance(exc, docker.errors.ImageNotFound):
        return "the runtime image is not built on this worker."
    if isinstance(exc, docker.errors.APIError):
        return f"the container engine refused it (HTTP {exc.status_code})."
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror.lower()} (on the worker host)."
    return f"{type(exc).__name__} on the worker host."
