"""Layers in a real browser: create a layer from a .zip on the Layers page,
add it to a function in Configuration (an incompatible one is refused with
Lambda's reason), and Test a function that imports from it."""

from __future__ import annotations

import io
import zipfile

import pytest

from functions.models import LayerVersion
from functions.services import functions as function_services

from .browser import shot, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def create_layer(page, name: str, files: dict[str, str], runtimes: list[str]) -> None:
    page.click("nav.sidenav a:has-text('Layers')")
    page.fill("#id_layer_name", name)
    page.set_input_files("#id_layer_zip", {"name": f"{name}.zip", "mimeType": "application/zip", "buffer": zip_of(files)})
    for runtime in runtimes:
        page.check(f"input[name=compatible_runtimes][value='{runtime}']")
    page.click("#layer-create button[type=submit]")
    page.wait_for_selector(f"text=Successfully created layer {name} version 1.")


def test_create_a_layer_add_it_and_test(page, live_server, owner):
    code = "import greetings\ndef lambda_handler(event, context):\n    return greetings.hello(event.get('name', 'you'))\n"
    function = function_services.function_create(
        owner=owner, name="Greeter", runtime="python3.13", files={"lambda_function.py": code}
    )
    sign_in(page, live_server)
    create_layer(
        page, "greetings", {"python/greetings.py": "def hello(n):\n    return f'Hello from a layer, {n}'\n"}, ["python3.13"]
    )
    create_layer(page, "node-tools", {"nodejs/node_modules/t/index.js": "module.exports = 1;\n"}, ["nodejs22.x"])
    assert "arn:aws:lambda:us-east-1:123456789012:layer:greetings:1" in page.inner_text("#layer-table")
    shot(page, "40-layers-page")

    page.goto(f"{live_server.url}/functions/{function.pk}/?tab=configuration")
    section = "#config-layers"
    node_only = LayerVersion.objects.get(layer__name="node-tools")
    page.select_option(f"{section} select[aria-label='Layer 1']", str(node_only.pk))
    page.click(f"{section} button[type=submit]")
    page.wait_for_selector(f"{section} .alert-error")
    assert "is not compatible with the function's runtime python3.13" in page.inner_text(f"{section} .alert-error")
    greetings = LayerVersion.objects.get(layer__name="greetings")
    page.select_option(f"{section} select[aria-label='Layer 1']", str(greetings.pk))
    page.click(f"{section} button[type=submit]")
    page.wait_for_selector(f"{section} .alert-success")
    shot(page, "41-configuration-layers")

    page.click("a[role=tab]:has-text('Test')")
    page.click("#test-button")
    page.wait_for_selector("#execution-result[data-status]", timeout=60_000)
    assert "succeeded" in page.inner_text("#execution-result")
    assert "Hello from a layer, you" in page.inner_text("#result-response")
    shot(page, "42-test-with-layer")
