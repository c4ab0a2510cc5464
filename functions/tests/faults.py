"""A private Redis and private workers for fault tests, so stopping Redis or
killing a worker never disturbs the session's own worker."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings

from conftest import start_worker, stop_worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A redis-server of the test's own, with an append-only file, so a
    restart keeps the queued messages, as `make up`'s Redis does."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="labda-redis-"))
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("the private Redis did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)  # an outage, not a clean shutdown
            self.proc.wait()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def web_on(url: str) -> Iterator[None]:
    """This test process (the web) talks to `url` for Celery and Labda's keys."""
    from console.celery import app
    from invoker import redis_client

    old_url, old_broker = settings.REDIS_URL, app.conf.broker_url

    def point(to: str, broker: str) -> None:
        # kombu keeps one pool per broker URL (kombu.pools): forget the app's
        # handles, never close them, so switching back finds them intact.
        settings.REDIS_URL = to
        app.conf.broker_url = broker
        app._pool = None
        app.amqp._producer_pool = None
        redis_client._client = None

    point(url, url)
    try:
        yield
    finally:
        point(old_url, old_broker)


def private_worker(label: str, url: str, name: str, queues: str = "") -> subprocess.Popen:
    """A real worker on the private Redis, with its own name and folders."""
    run_dir = os.environ.get("LABDA_RUN_DIR", "/run/labda-test") + f"-{label}"
    extra = {"LABDA_TEST_QUEUES": queues} if queues else {}
    return start_worker(
        label,
        **extra,
        REDIS_URL=url,
        LABDA_WORKER_NAME=name,
        LABDA_RUN_DIR=run_dir,
        LABDA_CODE_DIR=str(settings.BASE_DIR / "var" / f"test-code-{label}"),
    )


__all__ = ["PrivateRedis", "private_worker", "stop_worker", "web_on"]
