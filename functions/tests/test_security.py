"""Security settings: `check --deploy` is clean under the README's production
settings, every page carries a strict Content-Security-Policy, htmx runs
without eval, sessions end with the browser, and passwords are validated."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

# The production settings the README's Configuration table documents.
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "labda.school.example",
    "CSRF_TRUSTED_ORIGINS": "https://labda.school.example",
    "LABDA_HTTPS": "True",
}


def deploy_check(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only the suite's own variables (the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is an error in deployment).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and k != "DJANGO_ALLOW_ASYNC_UNSAFE" and not k.startswith(("SECURE_", "SESSION_", "CSRF_"))
    }
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = deploy_check(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    readme = (ROOT / "README.md").read_text()
    for name in ("LABDA_HTTPS", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE"):
        assert f"`{name}`" in readme, name


def test_check_deploy_names_what_a_plain_http_lab_server_leaves_off():
    result = deploy_check({**PRODUCTION, "LABDA_HTTPS": "False"})
    assert result.returncode != 0
    found = set(re.findall(r"security\.W\d+", result.stdout + result.stderr))
    assert {"security.W004", "security.W008", "security.W012", "security.W016"} <= found


@pytest.mark.django_db
def test_every_page_has_a_strict_content_security_policy(client, owner):
    from functions.services import functions as function_services

    from .helpers import group_of

    function = function_services.function_create(
        owner=owner, name="Csp", runtime="python3.11", files={"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n"}
    )
    pages = [reverse("login")]
    client.force_login(owner)
    pages += [
        reverse("functions:list"),
        reverse("functions:create"),
        reverse("functions:detail", args=[function.pk]),
        reverse("functions:detail", args=[function.pk]) + "?tab=monitor",
        reverse("functions:log-events", args=[group_of(function).pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'", url
        assert "unsafe" not in policy, url
        body = response.content.decode()
        # htmx may not eval, and injects no <style> the policy would refuse.
        assert '"allowEval": false' in body and '"includeIndicatorStyles": false' in body, url
        # Data (json_script) is not code; any other script is a file.
        assert not re.search(r'<script(?![^>]*\b(src=|type="application/json"))[^>]*>', body), f"inline script on {url}"
        assert " style=" not in body and "<style" not in body, f"inline style on {url}"


@pytest.mark.django_db
def test_a_session_ends_with_the_browser_and_after_a_school_day(client, owner):
    response = client.post(reverse("login"), {"username": "student1", "password": "pw-student1"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() <= 8 * 3600


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("8274619305", "entirely numeric"),
        ("student1-labda", "too similar to the username"),
    ],
)
@pytest.mark.django_db
def test_djangos_four_password_validators_are_on(owner, password, message):
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user=owner)
    assert any(message in text for text in caught.value.messages), caught.value.messages
