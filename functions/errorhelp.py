"""What an invocation's error means and where to fix it, beside the error in
the Execution result and on the invocation's page (as logformat.FIELD_HELP
explains the REPORT line). Pure functions over the row's fields; no queries."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorHelp:
    title: str  # "The function timed out"
    text: str  # what it means, and how to fix it
    tab: str  # the function page's tab that has the fix: code, test, configuration
    anchor: str  # the section of that tab, "" for the top
    link_label: str  # "Edit the timeout"

    @property
    def query(self) -> str:
        """The link's query string and fragment: ?tab=configuration#config-general."""
        return f"?tab={self.tab}" + (f"#{self.anchor}" if self.anchor else "")


_TIMEOUT = ErrorHelp(
    "The function timed out",
    "Lambda stopped the handler because it ran longer than the function's timeout. Either the code waits on "
    "something that does not end (a loop, a sleep, a network call: the sandbox has no network), or the work needs "
    "more time. Make the handler return sooner, or raise the timeout (up to 15 minutes).",
    "configuration",
    "config-general",
    "Edit the timeout (General configuration)",
)
_OUT_OF_MEMORY = ErrorHelp(
    "The function ran out of memory",
    "The execution environment used all the memory configured, so Lambda stopped it. Everything counts: the runtime, "
    "your data (big lists, strings, files read at once) and what you write to /tmp. Use less memory (process the data "
    "in parts), or configure more memory, which also gives the function more CPU.",
    "configuration",
    "config-general",
    "Edit the memory (General configuration)",
)
_IMPORT = ErrorHelp(
    "Lambda could not load the handler's file",
    "The part of the handler before the dot names the file Lambda loads (lambda_function.lambda_handler loads "
    "lambda_function.py; index.handler loads index.mjs or index.js). The file is missing or has another name, or it "
    "imports a module that is not in the package. Rename the file in the Code tab, or change the handler.",
    "configuration",
    "config-runtime",
    "Edit the handler (Runtime settings)",
)
_HANDLER = ErrorHelp(
    "Lambda found the file but not the handler function",
    "The part of the handler after the dot names the function Lambda calls (lambda_function.lambda_handler calls "
    "def lambda_handler in lambda_function.py; index.handler calls the exported handler of index.mjs). Make the names "
    "match: rename the function in the code, or change the handler.",
    "configuration",
    "config-runtime",
    "Edit the handler (Runtime settings)",
)
_SYNTAX = ErrorHelp(
    "The code has a syntax error",
    "The runtime could not parse a file of the package, so not a single line ran. The message names the file and "
    "the line. Fix it in the editor and deploy: Deploy checks the syntax and marks the line.",
    "code",
    "code-source",
    "Open the code",
)
_KEY_ERROR = ErrorHelp(
    "The event has no such key",
    "The handler read a key of the event that this event does not have (event['key'] raises KeyError). The test "
    "event is the function's input: compare the key in the message with the event JSON, add it to the event, or "
    "read it with event.get('key') and a default.",
    "test",
    "event-editor",
    "Edit the test event",
)
_UNDEFINED = ErrorHelp(
    "The code read a property of undefined",
    "In Node.js, event.a.b fails when event.a is missing: the event has no such key. Compare the names in the message "
    "with the event JSON, add the key to the test event, or guard with optional chaining (event.a?.b).",
    "test",
    "event-editor",
    "Edit the test event",
)
_EXIT = ErrorHelp(
    "The runtime process exited",
    "The process that runs the handler ended before it answered (sys.exit, process.exit, or a crash). Return from "
    "the handler instead of exiting.",
    "code",
    "code-source",
    "Open the code",
)
_THROTTLED = ErrorHelp(
    "The invocation was throttled",
    "The function was already running as many invocations as its concurrency allows, so Lambda refused this one. "
    "Wait for the running ones to end, or reserve more concurrency (0 throttles every invocation).",
    "configuration",
    "config-concurrency",
    "Edit the concurrency",
)

_BY_TYPE = {
    "Sandbox.Timedout": _TIMEOUT,
    "Runtime.OutOfMemory": _OUT_OF_MEMORY,
    "Runtime.ImportModuleError": _IMPORT,
    "Runtime.HandlerNotFound": _HANDLER,
    "Runtime.MalformedHandlerName": _HANDLER,
    "Runtime.UserCodeSyntaxError": _SYNTAX,
    "SyntaxError": _SYNTAX,
    "KeyError": _KEY_ERROR,
    "Runtime.ExitError": _EXIT,
    "TooManyRequestsException": _THROTTLED,
}
_UNDEFINED_RE = re.compile(r"Cannot read propert(y|ies) of (undefined|null)")


def error_help(*, error_type: str, error_message: str = "", status: str = "") -> ErrorHelp | None:
    """The explanation of an invocation's error, or None for one we have none for."""
    if status == "timed_out":
        return _TIMEOUT
    if error_type == "TypeError" and _UNDEFINED_RE.search(error_message):
        return _UNDEFINED
    return _BY_TYPE.get(error_type)
