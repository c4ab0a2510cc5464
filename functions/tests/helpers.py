"""Helpers for tests that run real invocations through the real worker."""

from __future__ import annotations

import json
import time

import docker

from functions.models import Function, Invocation
from functions.services import functions as function_services
from functions.services import invocations as invocation_services


def make_function(
    owner,
    *,
    name: str = "fn",
    runtime: str = "python3.11",
    code: str | None = None,
    files: dict[str, str] | None = None,
    handler: str | None = None,
    **config,
) -> Function:
    if files is None:
        filename = "lambda_function.py" if runtime == "python3.11" else "index.js"
        files = {filename: code or ""}
    function = function_services.function_create(owner=owner, name=name, runtime=runtime, files=files, handler=handler)
    if config:
        for key, value in config.items():
            setattr(function, key, value)
        function.save()
    return function


def invoke(function: Function, event: object = None, *, timeout: float = 60) -> Invocation:
    payload = json.dumps(event if event is not None else {})
    invocation = invocation_services.invocation_create(function=function, payload=payload)
    deadline = time.monotonic() + timeout
    while not invocation.is_finished and time.monotonic() < deadline:
        invocation = invocation_services.invocation_wait(invocation=invocation, timeout=min(5, deadline - time.monotonic()))
    assert invocation.is_finished, f"invocation still {invocation.status} after {timeout} s"
    return invocation


def containers_of(function: Function) -> list:
    client = docker.from_env()
    for _ in range(5):
        try:
            return client.containers.list(all=True, filters={"label": f"labda.function={function.uid}"})
        except docker.errors.NotFound:
            continue  # one was removed between the listing and its inspection: list again
    return client.containers.list(all=True, filters={"label": f"labda.function={function.uid}"})


def wait_until(predicate, timeout: float = 20, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def response(invocation: Invocation) -> object:
    return json.loads(invocation.response)
