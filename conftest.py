"""Fixtures shared by every test: users, and the real Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(username="student1", password="pw-student1")


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user(username="student2", password="pw-student2")


@pytest.fixture
def instructor(django_user_model):
    return django_user_model.objects.create_user(username="teacher", password="pw-teacher", is_staff=True)


@pytest.fixture
def course(instructor, owner):
    """A course taught by `instructor` with `owner` (student1) a student of
    its section A: the instructor reads student1's work, read-only."""
    from console.classroom.models import Membership
    from console.classroom.services.courses import course_create

    course = course_create(creator=instructor, name="Serverless 101", sections="A, B")
    membership = Membership.objects.create(course=course, user=owner, role=Membership.Role.STUDENT, student_id="student1")
    membership.sections.add(course.sections.get(name="A"))
    return course


def start_worker(label: str, **env_overrides: str) -> subprocess.Popen:
    """Start a real Celery worker process on the test database, as a worker
    host would run it; return once it answers a ping."""
    from django.conf import settings

    from console.celery import app

    env = dict(os.environ, **env_overrides)
    # The worker uses the test database pytest-django made (SQLite or PostgreSQL).
    env["LABDA_SQLITE_PATH"] = env["LABDA_DATABASE_NAME"] = str(settings.DATABASES["default"]["NAME"])
    output = Path(os.getenv("LABDA_TEST_OUTPUT", ROOT / "test-output"))
    output.mkdir(parents=True, exist_ok=True)
    log_path = output / f"celery-{label}.log"
    name = f"{env.get('LABDA_WORKER_NAME', settings.LABDA_WORKER_NAME)}@localhost"
    queues = env.pop("LABDA_TEST_QUEUES", "labda.sync,labda.async,labda.housekeeping")
    command = [sys.executable, "-m", "celery", "-A", "console", "worker", "-P", "threads", "-c", "8", "-l", "info", "-Q", queues]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [*command, "-n", name, "--without-gossip", "--without-mingle"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"The Celery worker exited: see {log_path}")
        if app.control.ping(destination=[name], timeout=0.5):
            return proc
    proc.kill()
    raise RuntimeError("The Celery worker did not start within 60 s")


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()  # a warm shutdown removes its containers
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test database, real Redis and the
    real Docker engine, for the whole session."""
    from django.conf import settings

    __import__("redis").Redis.from_url(settings.REDIS_URL).flushdb()
    proc = start_worker("worker")
    yield proc
    stop_worker(proc)
