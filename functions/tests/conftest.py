"""The browser for the browser tests."""

from __future__ import annotations

import os

import pytest

from .browser import CHROMIUM, CHROMIUM_ARGS, SHOTS

# Playwright's sync API runs an event loop in the test's thread; the ORM
# calls the tests make are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
