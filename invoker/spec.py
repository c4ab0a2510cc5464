"""What the worker needs to know to run one function version, and what comes back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .log_pipe import LogLine


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a function, in order: its content is loaded only when this
    worker host has not unpacked that combination of layers yet."""

    sha256_hex: str
    load: Callable[[], bytes] = field(compare=False, repr=False)


@dataclass(frozen=True)
class FunctionSpec:
    function_uid: str  # stable across versions: labels, throttling
    revision_id: str  # changes with every code or configuration change
    name: str
    version: str  # "$LATEST", "1", ...
    runtime: str
    handler: str
    memory_size: int
    timeout: int
    ephemeral_storage: int
    environment: dict[str, str]
    code_sha256_hex: str
    load_code: Callable[[], bytes] = field(compare=False, repr=False)
    # Both written by the console (functions.arns), which owns their formats.
    function_arn: str = ""
    log_group: str = ""
    owner_id: int = 0
    region: str = "us-east-1"
    # Mounted read-only at /opt, merged in this order (a later layer's file
    # replaces an earlier one's), as Lambda merges them.
    layers: tuple[LayerSpec, ...] = ()

    @property
    def pool_key(self) -> str:
        # Warm environments are shared only by invocations of the very same
        # function, version, code and configuration.
        return f"{self.function_uid}:{self.version}:{self.revision_id}"


@dataclass
class Outcome:
    """The measured result of one invocation."""

    request_id: str
    status: str  # succeeded | failed | timed_out
    response: bytes = b""
    function_error: bool = False
    error_type: str = ""
    error_message: str = ""
    started_at: float = 0.0  # unix time the event reached the runtime
    duration_ms: float = 0.0
    billed_duration_ms: int = 0
    memory_size: int = 0
    max_memory_used_mb: int | None = None
    init_duration_ms: float | None = None
    cold: bool = False
    log_stream: str = ""
    log_lines: list[LogLine] = field(default_factory=list)
    log_truncated_bytes: int = 0
    # Printed after the result, before the environment froze: stored in the
    # stream after REPORT with no request id (as on Lambda).
    after_lines: list[LogLine] = field(default_factory=list)
    reusable: bool = True
    concurrent_executions: int | None = None
