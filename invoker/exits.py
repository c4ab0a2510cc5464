"""How a runtime ended, in Lambda's words, and Lambda's error bodies.

Docker reports one exit code for both an exit and a signal (128 + n), and
Node.js's own exits use 128 and 129, so the code alone cannot tell
"exit status 129" from "signal: hangup". The container's init (tini, Docker's
``--init``) can: with TINI_VERBOSITY=2 (limits.INIT_ENV) it writes how its
child ended to the container's own log (never the function's log), and that
line decides.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .runtime_api import Message

NO_REASON = "Runtime exited without providing a reason"
_EXITED = re.compile(r"Main child exited normally \(with status '(\d+)'\)")
_SIGNALLED = re.compile(r"Main child exited with signal \(with signal '([^']+)'\)")
# Go's names (AWS's platform is Go: exec.ExitError), for codes without tini's line.
_SIGNAL_NAMES = {
    4: "illegal instruction",
    6: "aborted",
    7: "bus error",
    8: "floating point exception",
    9: "killed",
    11: "segmentation fault",
    15: "terminated",
}


def exit_text(code: int, init_log: str) -> str:
    """Lambda's text for a runtime that ended with `code` (and tini's log)."""
    if match := _SIGNALLED.search(init_log):
        return f"Runtime exited with error: signal: {match.group(1).lower()}"
    if match := _EXITED.search(init_log):
        code = int(match.group(1))
        return f"Runtime exited with error: exit status {code}" if code else NO_REASON
    # No word from tini: only a code that is a crash signal's is called one.
    if code > 128 and code - 128 in _SIGNAL_NAMES:
        return f"Runtime exited with error: signal: {_SIGNAL_NAMES[code - 128]}"
    if code:
        return f"Runtime exited with error: exit status {code}"
    return NO_REASON


def exit_state(api: Any, container_id: str | None) -> tuple[bool, str]:
    """(OOM-killed?, Lambda's exit text) once the runtime is gone."""
    if not container_id:
        return False, NO_REASON
    try:
        result = api.wait(container_id, timeout=5)
        state = api.inspect_container(container_id)["State"]
        init_log = api.logs(container_id, stdout=True, stderr=True, tail=20).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - a vanished container still ended the runtime
        return False, NO_REASON
    if state.get("OOMKilled"):
        return True, "Runtime exited with error: signal: killed"
    return False, exit_text(int(result.get("StatusCode", state.get("ExitCode", 0))), init_log)


def error_body(message: str, error_type: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def error_fields(message: Message) -> tuple[str, str]:
    try:
        body = json.loads(message.body)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    error_type = str(body.get("errorType") or message.error_type or "Unhandled")
    return error_type, str(body.get("errorMessage", ""))
