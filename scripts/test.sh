#!/usr/bin/env bash
# `make test`, after set-up: the suite runs against its own Redis database,
# SQLite file, socket folder and worker name, so it never touches a running
# `make up` on the same machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export REDIS_URL=${LABDA_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
export LABDA_SQLITE_PATH=${LABDA_TEST_SQLITE_PATH:-$root/var/test-run.sqlite3}
export LABDA_RUN_DIR=${LABDA_TEST_RUN_DIR:-/run/labda-test}
export LABDA_CODE_DIR=${LABDA_TEST_CODE_DIR:-$root/var/test-code}
export LABDA_WORKER_NAME=${LABDA_TEST_WORKER_NAME:-labda-test}
# Short idle period, so the suite can watch a warm container expire.
export LABDA_IDLE_TIMEOUT=12
# Lambda retries failed async invocations after 60 and 120 s; the suite waits 1 s.
export LABDA_ASYNC_RETRY_DELAYS=1,1
export LABDA_TEST_OUTPUT="$root/test-output"
.venv/bin/ruff check .
# Types of the engine and of the console's services, selectors and forms
# (what and how strictly: [tool.mypy] in pyproject.toml).
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
