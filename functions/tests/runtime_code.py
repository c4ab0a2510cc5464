"""The same functions written for each runtime, for the shared compatibility
tests (test_runtimes.py): every managed runtime, and awslambdaric as a
`provided` runtime, must behave the same way on them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

PYTHON = {
    "context": (
        "import os, sys\n"
        "def lambda_handler(event, context):\n"
        "    return {'requestId': context.aws_request_id, 'name': context.function_name,\n"
        "            'version': context.function_version, 'arn': context.invoked_function_arn,\n"
        "            'memory': context.memory_limit_in_mb, 'group': context.log_group_name,\n"
        "            'stream': context.log_stream_name, 'remaining': context.get_remaining_time_in_millis(),\n"
        "            'env': os.environ['AWS_EXECUTION_ENV'], 'handler': os.environ['_HANDLER'],\n"
        "            'task': os.environ['LAMBDA_TASK_ROOT'], 'uid': os.getuid(),\n"
        "            'language': 'python%d.%d' % sys.version_info[:2]}\n"
    ),
    "error": "def lambda_handler(event, context):\n    raise ValueError('bad input')\n",
    "logs": (
        "import logging\n"
        "logger = logging.getLogger()\n"
        "logger.setLevel(logging.INFO)\n"
        "def lambda_handler(event, context):\n"
        "    print('plain line')\n"
        "    logger.info('info line')\n"
        "    return 'ok'\n"
    ),
    "no_handler": "x = 1\n",
    "sleep": "import time\ndef lambda_handler(event, context):\n    time.sleep(30)\n",
    "hog": (
        "def lambda_handler(event, context):\n    hog = []\n    while True:\n        hog.append(bytearray(16 * 1024 * 1024))\n"
    ),
    "exit": "import os\ndef lambda_handler(event, context):\n    os._exit(3)\n",
}

NODE = {
    "context": (
        "exports.handler = async (event, context) => ({\n"
        "  requestId: context.awsRequestId, name: context.functionName, version: context.functionVersion,\n"
        "  arn: context.invokedFunctionArn, memory: context.memoryLimitInMB, group: context.logGroupName,\n"
        "  stream: context.logStreamName, remaining: context.getRemainingTimeInMillis(),\n"
        "  env: process.env.AWS_EXECUTION_ENV, handler: process.env._HANDLER,\n"
        "  task: process.env.LAMBDA_TASK_ROOT, uid: process.getuid(),\n"
        "  language: 'nodejs' + process.versions.node.split('.')[0] + '.x',\n"
        "});\n"
    ),
    "error": "exports.handler = async () => { throw new TypeError('bad input'); };\n",
    "logs": "exports.handler = async () => { process.stdout.write('plain line\\n'); console.info('info line'); return 'ok'; };\n",
    "no_handler": "exports.other = 1;\n",
    "sleep": "exports.handler = () => new Promise(() => setTimeout(() => {}, 30000));\n",
    "hog": "exports.handler = async () => { const hog = []; for (;;) hog.push(Buffer.alloc(16 * 1024 * 1024, 1)); };\n",
    "exit": "exports.handler = async () => { process.exit(3); };\n",
}


@dataclass(frozen=True)
class Runtime:
    """One runtime under test: its id, its language and how to package code."""

    id: str  # the function's runtime
    family: str  # python | nodejs
    label: str  # the test id
    extra_files: tuple[tuple[str, str], ...] = ()

    @property
    def code(self) -> dict[str, str]:
        return PYTHON if self.family == "python" else NODE

    @property
    def filename(self) -> str:
        return "lambda_function.py" if self.family == "python" else "index.js"

    @property
    def handler(self) -> str:
        return "lambda_function.lambda_handler" if self.family == "python" else "index.handler"

    @property
    def execution_env(self) -> str:
        return f"AWS_Lambda_{self.id}"


# awslambdaric, the official Python runtime client, run unmodified as a custom
# runtime: the package's `bootstrap` starts it on the function's handler.
RIC_BOOTSTRAP = '#!/bin/sh\nexec python3 -m awslambdaric "$_HANDLER"\n'

RUNTIMES = [
    Runtime("python3.11", "python", "python3.11"),
    Runtime("python3.13", "python", "python3.13"),
    Runtime("nodejs18.x", "nodejs", "nodejs18.x"),
    Runtime("nodejs20.x", "nodejs", "nodejs20.x"),
    Runtime("nodejs22.x", "nodejs", "nodejs22.x"),
    Runtime("provided", "python", "awslambdaric", (("bootstrap", RIC_BOOTSTRAP),)),
]

# awslambdaric for the `provided` image's Python (Debian 12: 3.11), from PyPI.
AWSLAMBDARIC = "awslambdaric==4.2.2"


def pip_target(cache: Path, requirement: str, python_version: str = "3.11") -> Path:
    """`pip install --target` of a pinned requirement for the runtime images'
    Linux and Python, cached under var/ so a second run downloads nothing."""
    dest = cache / requirement.replace("==", "-") / python_version
    if not (dest / ".done").exists():
        dest.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile",
             "--target", str(dest), "--only-binary", ":all:", "--platform", "manylinux2014_x86_64",
             "--python-version", python_version, requirement],
            check=True,
        )  # fmt: skip
        (dest / ".done").touch()
    return dest


def zip_folder(folder: Path, prefix: str = "", extra: dict[str, str] | None = None) -> bytes:
    """A .zip of a folder's files under `prefix`, with executable bits kept."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != ".done" and "__pycache__" not in path.parts:
                archive.write(path, prefix + str(path.relative_to(folder)))
        for name, text in (extra or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            archive.writestr(info, text)
    return buffer.getvalue()
