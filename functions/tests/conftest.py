"""Fixtures shared by the console's tests: one function, one invocation of
it with its rollup, one log stream, and the browser for the browser tests.
The users (`owner`, `stranger`, `instructor`) and the real worker are in the
root conftest.py."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from .browser import CHROMIUM, CHROMIUM_ARGS, SHOTS
from .helpers import HELLO_WORLD, T0, group_of

# Playwright's sync API runs an event loop in the test's thread; the ORM
# calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def function(owner):
    """A Python hello-world function, HelloWorld, owned by `owner`."""
    from functions.services import functions as function_services

    return function_services.function_create(owner=owner, name="HelloWorld", runtime="python3.11", files=HELLO_WORLD)


@pytest.fixture
def their_function(stranger):
    """Another user's function, Theirs, with the same code."""
    from functions.services import functions as function_services

    return function_services.function_create(owner=stranger, name="Theirs", runtime="python3.11", files=HELLO_WORLD)


@pytest.fixture
def invocation(function):
    """A finished cold invocation of `function`, as the worker leaves it,
    counted in the Monitor tab's rollups."""
    from functions.models import Invocation
    from functions.services import metrics

    now = datetime.now(UTC)
    invocation = Invocation.objects.create(
        function=function,
        status="succeeded",
        created_at=now,
        started_at=now,
        finished_at=now,
        payload='{"key1": "value1"}',
        response='"value1"',
        duration_ms=1.5,
        billed_duration_ms=153,
        init_duration_ms=151.2,
        cold_start=True,
        max_memory_used_mb=41,
        memory_size=128,
        concurrent_executions=1,
    )
    metrics.record_invocation(invocation)
    return invocation


@pytest.fixture
def stream(function):
    """An empty log stream of `function`, created at T0."""
    from functions.models import LogStream

    return LogStream.objects.create(
        group=group_of(function), name="2024/03/10/[$LATEST]0123456789abcdef0123456789abcdef", created_at=T0
    )


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        browser.close()
