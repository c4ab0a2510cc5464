"""The one Docker SDK client of this process. Everything that talks to Docker
goes through ``client()``, so tests of argument building can patch it."""

from __future__ import annotations

import threading

import docker

_client: docker.DockerClient | None = None
_lock = threading.Lock()


def client() -> docker.DockerClient:
    global _client
    with _lock:
        if _client is None:
            # DOCKER_HOST and friends are read by from_env. One pooled
            # connection per concurrently starting or killed container.
            _client = docker.from_env(max_pool_size=64, timeout=60)
        return _client
