"""Helpers for the browser tests (headless Debian Chromium driven by
Playwright); the `page` fixture is in conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

SHOTS = Path(os.getenv("LABDA_TEST_OUTPUT", "test-output")) / "screenshots"
CHROMIUM = os.getenv("LABDA_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling hosts this
# closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def shot(page, name: str) -> None:
    """Keep a full-page screenshot for people to look at."""
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, live_server, username: str = "student1", password: str = "pw-student1") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Functions')")


def set_event_json(page, text: str) -> None:
    """Type an event into the Test tab's JSON editor (CodeMirror)."""
    page.evaluate("t => document.querySelector('#event-editor .CodeMirror').CodeMirror.setValue(t)", text)


def open_test_tab(page, live_server, function) -> None:
    """Open the function's Test tab and wait for its event editor."""
    page.goto(f"{live_server.url}/functions/{function.pk}/?tab=test")
    page.wait_for_selector("#event-editor .CodeMirror")


def run_test(page) -> str:
    """Choose Test and wait for the Execution result; return its text."""
    page.click("#test-button")
    page.wait_for_selector("#execution-result[data-status]", timeout=60_000)
    return page.inner_text("#execution-result")


# The widths every page must work at: a laptop, half a laptop screen beside
# the lab handout, and a phone.
WIDTHS = (1280, 800, 390)
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core (vendored) on the page; its serious and critical
    violations as "rule: target (summary)" lines."""
    if not page.evaluate("() => !!window.axe"):
        # From the console's own static files: the Content-Security-Policy
        # refuses an inline script, as it should.
        origin = "/".join(page.url.split("/")[:3])
        page.add_script_tag(url=f"{origin}/static/vendor/axe-core/axe.min.js")
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in impacts:
            continue
        for node in violation["nodes"]:
            found.append(f"{violation['id']}: {' '.join(map(str, node['target']))} ({node.get('failureSummary', '')[:160]})")
    return found
