"""Layers in real invocations: mounted read-only at /opt, merged in order,
on the paths AWS's runtimes use."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from functions.models import Invocation
from functions.services import functions as function_services
from functions.services import layers as layer_services
from functions.services import versions

from .helpers import invoke, response
from .runtime_code import pip_target, zip_folder

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker_process")]

CACHE = Path(__file__).resolve().parents[2] / "var" / "test-packages"
REQUESTS = "requests==2.32.5"


def zip_of(files: dict[str, str], executable: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o755 if name in executable else 0o644) << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def test_a_function_uses_requests_from_a_layer(owner):
    # `requests` from PyPI, zipped under python/ as AWS's docs say to build it.
    data = zip_folder(pip_target(CACHE, REQUESTS), prefix="python/")
    layer = layer_services.layer_version_publish(owner=owner, name="requests", zip_bytes=data, compatible_runtimes=["python3.11"])
    code = (
        "import os, requests\n"
        "def lambda_handler(event, context):\n"
        "    try:\n"
        "        open('/opt/python/new.txt', 'w')\n"
        "        writable = True\n"
        "    except OSError:\n"
        "        writable = False\n"
        "    return {'version': requests.__version__, 'from': requests.__file__, 'writable': writable,\n"
        "            'session': type(requests.Session()).__name__}\n"
    )
    function = function_services.function_create(
        owner=owner, name="UsesRequests", runtime="python3.11", files={"lambda_function.py": code}
    )
    without = invoke(function)
    assert without.status == Invocation.Status.FAILED
    assert response(without)["errorMessage"] == "Unable to import module 'lambda_function': No module named 'requests'"
    layer_services.function_set_layers(function=function, layer_versions=[layer])
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.SUCCEEDED, invocation.response
    assert response(invocation) == {
        "version": "2.32.5",
        "from": "/opt/python/requests/__init__.py",
        "writable": False,  # read-only, as on Lambda
        "session": "Session",
    }


def test_layers_merge_in_order_on_the_aws_paths(owner):
    one = layer_services.layer_version_publish(
        owner=owner,
        name="tools",
        zip_bytes=zip_of(
            {
                "bin/tool": "#!/bin/sh\necho one\n",
                "nodejs/node_modules/greet/index.js": "module.exports = (n) => `hello ${n}`;\n",
                "shared.txt": "from one",
            },
            executable=("bin/tool",),
        ),
    )
    two = layer_services.layer_version_publish(
        owner=owner,
        name="override",
        zip_bytes=zip_of({"bin/tool": "#!/bin/sh\necho two\n"}, executable=("bin/tool",)),
    )
    code = (
        "const { execSync } = require('child_process');\n"
        "const fs = require('fs');\n"
        "const greet = require('greet');\n"
        "exports.handler = async () => ({ greet: greet('layers'), tool: execSync('tool').toString().trim(),\n"
        "  shared: fs.readFileSync('/opt/shared.txt', 'utf8') });\n"
    )
    function = function_services.function_create(owner=owner, name="Merged", runtime="nodejs22.x", files={"index.js": code})
    layer_services.function_set_layers(function=function, layer_versions=[one, two])
    assert response(invoke(function)) == {"greet": "hello layers", "tool": "two", "shared": "from one"}
    # A published version keeps its layers when $LATEST's change.
    versions.version_publish(function=function)
    layer_services.function_set_layers(function=function, layer_versions=[two, one])
    assert response(invoke(function))["tool"] == "one"
    assert response(invoke(function, qualifier="1"))["tool"] == "two"


def test_a_custom_runtime_comes_from_a_layer(owner):
    """provided: the bootstrap may be a layer's (/opt/bootstrap), as on Lambda;
    with none at all, Lambda's init error."""
    bootstrap = (
        "#!/bin/sh\n"
        'API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"\n'
        "while true; do\n"
        '  ID=$(curl -sS -D - -o /tmp/event "$API/next" | tr -d "\\r" | sed -n "s/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p")\n'
        '  curl -sS -o /dev/null -X POST "$API/$ID/response" -d "\\"from the layer: $(cat /var/task/greeting.txt)\\""\n'
        "done\n"
    )
    runtime_layer = layer_services.layer_version_publish(
        owner=owner, name="shell-runtime", zip_bytes=zip_of({"bootstrap": bootstrap}, executable=("bootstrap",))
    )
    function = function_services.function_create(
        owner=owner, name="NoBootstrap", runtime="provided", files={"greeting.txt": "hi"}, handler="function.handler"
    )
    missing = invoke(function)
    assert missing.status == Invocation.Status.FAILED
    assert response(missing) == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
    }
    layer_services.function_set_layers(function=function, layer_versions=[runtime_layer])
    invocation = invoke(function)
    assert invocation.status == Invocation.Status.SUCCEEDED, invocation.response
    assert response(invocation) == "from the layer: hi"


@pytest.mark.parametrize("runtime", ["nodejs18.x", "nodejs22.x"])
def test_an_es_module_imports_from_a_layer(owner, runtime):
    """ES modules ignore NODE_PATH; as on AWS (Node.js 18+), an index.mjs can
    still import a layer's package from /opt/nodejs/node_modules."""
    layer = layer_services.layer_version_publish(
        owner=owner,
        name="esm-lib",
        zip_bytes=zip_of(
            {
                "nodejs/node_modules/shout/package.json": '{"name": "shout", "type": "module", "exports": "./index.js"}',
                "nodejs/node_modules/shout/index.js": "export const shout = (s) => s.toUpperCase() + '!';\n",
            }
        ),
    )
    code = "import { shout } from 'shout';\nexport const handler = async (event) => shout(event.word);\n"
    function = function_services.function_create(owner=owner, name="EsmLayer", runtime=runtime, files={"index.mjs": code})
    missing = invoke(function, {"word": "hi"})
    assert missing.status == Invocation.Status.FAILED and "shout" in response(missing)["errorMessage"]
    layer_services.function_set_layers(function=function, layer_versions=[layer])
    assert response(invoke(function, {"word": "hi"})) == "HI!"
