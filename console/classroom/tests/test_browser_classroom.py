"""The classroom in a real browser (headless Chromium driven by Playwright):
an instructor creates a course and imports 30 students from a CSV, prints
the login cards (one page), a student signs in with a card and changes the
password, another joins with the code, a rotated code is refused, and the
instructor opens a student's code read-only and copies it. Screenshots go to
test-output/screenshots/ for people to look at."""

from __future__ import annotations

import re

import pytest

from console.classroom.models import Course, Membership, ViewRecord
from functions.tests.browser import SHOTS, shot, sign_in
from functions.tests.helpers import HELLO_WORLD

from .test_roster import roster_csv

pytestmark = pytest.mark.django_db(transaction=True)


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF Chromium printed (its page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


def test_an_instructor_brings_a_class_in(page, live_server, instructor):
    url = live_server.url
    sign_in(page, live_server, "teacher", "pw-teacher")
    page.click("nav.sidenav a:has-text('Courses')")
    page.fill("#id_name", "Serverless 101")
    page.fill("#id_sections", "A, B")
    shot(page, "class-01-create-course")
    page.click("#create-course")
    page.wait_for_selector("text=Created the course Serverless 101")
    course = Course.objects.get()

    page.click("#import-roster")
    page.set_input_files("#id_roster", files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": roster_csv().encode()}])
    page.click("#preview-roster")
    page.wait_for_selector("#plan-table")
    assert "30 to create, 0 to add, 0 to change, 0 unchanged, 0 refused." in page.inner_text("#plan-summary")
    assert Membership.objects.filter(course=course, role="student").count() == 0  # a preview writes nothing
    shot(page, "class-02-roster-preview")
    page.click("#apply-roster")
    page.wait_for_selector("text=Imported the roster: 30 accounts created")
    assert page.locator("#student-table tbody tr").count() == 30
    assert page.locator(".section-join img").first.evaluate("img => img.naturalWidth") > 0  # the QR code drew
    shot(page, "class-03-course-page")

    page.click("#print-cards")
    page.click("#make-cards")
    page.wait_for_selector("#login-cards")
    assert page.locator(".login-card").count() == 30
    cards = {
        page.inner_text(f"{card} [data-card-username]"): page.inner_text(f"{card} [data-card-password]")
        for card in (f".login-card:nth-child({n})" for n in (1, 2))
    }
    shot(page, "class-04-login-cards")
    page.emulate_media(media="print")
    shot(page, "class-05-login-cards-print")
    pdf = page.pdf(path=str(SHOTS / "class-05-login-cards.pdf"), format="A4")
    assert pdf_pages(pdf) == 1
    page.emulate_media(media="screen")

    # A student signs in with the first card and must choose a password.
    student, password = next(iter(cards.items()))
    page.click("button:has-text('Sign out')")
    page.fill("#id_username", student)
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Choose your password')")
    shot(page, "class-06-first-sign-in")
    page.fill("#id_new_password1", "My-own-pass-42")
    page.fill("#id_new_password2", "My-own-pass-42")
    page.click("#set-password")
    page.wait_for_selector("text=Your password is changed")
    page.wait_for_selector("h1:has-text('Functions')")
    shot(page, "class-07-password-changed")
    page.click("button:has-text('Sign out')")

    # Another student joins section B with the code, making an account.
    code_b = course.sections.get(name="B").join_code
    page.goto(f"{url}/accounts/login/")
    page.click("text=Join a course")
    page.fill("#id_code", code_b.lower())
    page.click("button:has-text('Continue')")
    page.wait_for_selector("text=Serverless 101")
    page.fill("#id_username", "late-student")
    page.fill("#id_first_name", "Grace")
    page.fill("#id_password1", "Grace-pass-1906")
    page.fill("#id_password2", "Grace-pass-1906")
    shot(page, "class-08-join-with-code")
    page.click("#join-button")
    page.wait_for_selector("text=Welcome to Serverless 101, section B.")
    assert Membership.objects.get(user__username="late-student").sections.get().name == "B"
    page.click("button:has-text('Sign out')")

    # The instructor rotates B's code: the old one is refused at once.
    sign_in(page, live_server, "teacher", "pw-teacher")
    page.goto(f"{url}/courses/{course.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-rotate=B]")
    page.wait_for_selector("text=Section B has a new join code")
    page.click("button:has-text('Sign out')")
    page.goto(f"{url}/join/{code_b}/")
    error = page.inner_text("#join-error")
    assert f"The join code {code_b} is not valid: it may have been replaced by a new one." in error
    shot(page, "class-09-rotated-code-refused")


def test_an_instructor_views_a_students_code_read_only(page, live_server, instructor, owner, course):
    from functions.services import functions as function_services

    function = function_services.function_create(owner=owner, name="HelloWorld", runtime="python3.11", files=HELLO_WORLD)
    sign_in(page, live_server, "teacher", "pw-teacher")
    page.goto(f"{live_server.url}/courses/{course.pk}/")
    page.click("[data-student=student1] a:has-text('View as student')")
    page.wait_for_selector("#student-functions")
    page.click("[data-function=HelloWorld] a:has-text('Code')")
    page.wait_for_selector("#code-source .CodeMirror")
    assert "(student1) — read only" in page.inner_text("#view-as-banner")
    assert "return 'Hello World'" in page.inner_text("#code-source .CodeMirror")
    assert page.is_disabled("#deploy") and page.is_disabled("#test-button")  # read only, said before a click
    assert page.is_enabled("button:has-text('Sign out')")
    shot(page, "class-10-view-as-code")
    # Deploy is refused: the student's code stays as it was.
    sha = function.code_sha256
    status = page.evaluate(
        """async (url) => (await fetch(url, {method: 'POST', headers: {'X-CSRFToken':
             document.body.getAttribute('hx-headers').match(/"X-CSRFToken": "([^"]+)"/)[1]},
             body: new URLSearchParams({files: '{}'})})).status""",
        f"/functions/{function.pk}/deploy/",
    )
    assert status == 403
    function.refresh_from_db()
    assert function.code_sha256 == sha and ViewRecord.objects.filter(viewer=instructor, student=owner).exists()

    # Copy to my functions: the instructor's own copy, writable, no banner.
    page.goto(f"{live_server.url}/courses/{course.pk}/students/{owner.pk}/")
    page.click("[data-copy=HelloWorld]")
    page.wait_for_selector("text=Copied student1's function HelloWorld to your functions as HelloWorld.")
    page.wait_for_selector("#code-source .CodeMirror")
    assert not page.is_visible("#view-as-banner") and page.is_enabled("#deploy")
    shot(page, "class-11-copied-to-my-functions")
