"""The platform's log lines, formatted exactly as Lambda writes them."""

from __future__ import annotations

import math


def billed_duration_ms(duration_ms: float, init_duration_ms: float | None = None) -> int:
    """Lambda bills in 1 ms steps, rounding up; since 2025 a cold start's
    initialisation is billed too."""
    return max(1, math.ceil(duration_ms + (init_duration_ms or 0.0)))


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    *,
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_size: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    """Fields tab-separated with a trailing tab; Init Duration only on a cold
    start; Status and Error Type only on a platform failure."""
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms} ms",
        f"Memory Size: {memory_size} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status:
        fields.append(f"Status: {status}")
    if error_type:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields) + "\t"
