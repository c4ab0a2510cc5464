"""Changing a function's configuration: general settings, environment
variables, runtime settings, permissions, concurrency and tags.

Every change that affects how the function runs gets a new RevisionId, so the
worker retires containers started with the old configuration. Bad input
raises ServiceError with a message that names the limit, and changes nothing.
"""

from __future__ import annotations

import json
import re
import uuid

from django.utils import timezone

from invoker.images import RUNTIMES

from ..errors import ServiceError
from ..limits import (
    ENV_MAX_BYTES,
    EPHEMERAL_MAX,
    EPHEMERAL_MIN,
    MAX_TAGS,
    MEMORY_MAX,
    MEMORY_MIN,
    RESERVED_ENV_KEYS,
    TAG_KEY_MAX_LENGTH,
    TAG_VALUE_MAX_LENGTH,
    TIMEOUT_MAX,
    TIMEOUT_MIN,
)
from ..models import ExecutionRole, Function
from .functions import check_description, check_runtime, retire_outdated

ENV_KEY_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*")
HANDLER_RE = re.compile(r"^[^\s]{1,128}$")

ERR_MEMORY = f"Memory must be a whole number of MB between {MEMORY_MIN} MB and {MEMORY_MAX} MB."
ERR_TIMEOUT = f"Timeout must be between {TIMEOUT_MIN} second and 15 minutes ({TIMEOUT_MAX} seconds)."
ERR_EPHEMERAL = f"Ephemeral storage must be between {EPHEMERAL_MIN} MB and {EPHEMERAL_MAX} MB."
ERR_ENV_SIZE = (
    "Lambda was unable to configure your environment variables because the environment variables you have "
    f"provided exceeded the {ENV_MAX_BYTES // 1024}KB limit. String measured: {{size}} bytes."
)
ERR_ENV_RESERVED = (
    "Lambda was unable to configure your environment variables because the environment variables you have "
    "provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {keys}"
)
ERR_ENV_KEY = "Environment variable keys must start with a letter and contain only letters, numbers and underscores: {key!r}."
ERR_DUPLICATE_KEY = "The key {key} appears more than once."
# A process environment is a list of C strings: Docker refuses a NUL byte (and
# PostgreSQL refuses it in JSON), so it is refused here, by name.
ERR_NUL = "Keys and values cannot contain a NUL character (\\0): the value of {key} does."
ERR_NUL_KEY = "Keys cannot contain a NUL character (\\0)."
ERR_CONCURRENCY = "Reserved concurrency must be a whole number from 0 to {limit}."
ERR_TAG_LENGTH = f"Tag keys must be 1 to {TAG_KEY_MAX_LENGTH} characters, and values at most {TAG_VALUE_MAX_LENGTH} characters."
ERR_TOO_MANY_TAGS = f"A function can have at most {MAX_TAGS} tags."
ERR_HANDLER = "Handler must be 1 to 128 characters with no spaces, such as lambda_function.lambda_handler."
ERR_POLICIES = (
    'The policy documents must be a JSON list of {{"name": ..., "document": {{"Version": ..., "Statement": [...]}}}}: {detail}'
)


def _touch(function: Function, fields: list[str]) -> None:
    function.revision_id = uuid.uuid4()
    function.last_modified = timezone.now()
    function.save(update_fields=[*fields, "revision_id", "last_modified"])
    retire_outdated(function)


def function_update_general(
    *, function: Function, description: str, memory_size: int, timeout: int, ephemeral_storage: int
) -> Function:
    if not MEMORY_MIN <= memory_size <= MEMORY_MAX:
        raise ServiceError(ERR_MEMORY)
    if not TIMEOUT_MIN <= timeout <= TIMEOUT_MAX:
        raise ServiceError(ERR_TIMEOUT)
    if not EPHEMERAL_MIN <= ephemeral_storage <= EPHEMERAL_MAX:
        raise ServiceError(ERR_EPHEMERAL)
    check_description(description)
    function.description = description
    function.memory_size, function.timeout, function.ephemeral_storage = memory_size, timeout, ephemeral_storage
    _touch(function, ["description", "memory_size", "timeout", "ephemeral_storage"])
    return function


def _pairs(keys: list[str], values: list[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, value in zip(keys, values, strict=False):
        key = key.strip()
        if not key and not value:
            continue  # an empty row the user added and left
        if "\0" in key:
            raise ServiceError(ERR_NUL_KEY)
        if "\0" in value:
            raise ServiceError(ERR_NUL.format(key=key))
        if key in result:
            raise ServiceError(ERR_DUPLICATE_KEY.format(key=key))
        result[key] = value
    return result


def function_update_environment(*, function: Function, keys: list[str], values: list[str]) -> Function:
    variables = _pairs(keys, values)
    reserved = sorted(k for k in variables if k in RESERVED_ENV_KEYS)
    if reserved:
        raise ServiceError(ERR_ENV_RESERVED.format(keys=", ".join(reserved)))
    for key in variables:
        if not ENV_KEY_RE.fullmatch(key):
            raise ServiceError(ERR_ENV_KEY.format(key=key))
    size = len(json.dumps(variables, separators=(",", ":")).encode())
    if size > ENV_MAX_BYTES:
        raise ServiceError(ERR_ENV_SIZE.format(size=size))
    function.environment = variables
    _touch(function, ["environment"])
    return function


def function_update_runtime_settings(*, function: Function, runtime: str, handler: str) -> Function:
    check_runtime(runtime)
    handler = handler.strip() or RUNTIMES[runtime][1]
    if not HANDLER_RE.match(handler):
        raise ServiceError(ERR_HANDLER)
    function.runtime, function.handler = runtime, handler
    _touch(function, ["runtime", "handler"])
    return function


def function_put_concurrency(*, function: Function, reserved: int | None, limit: int = 1000) -> Function:
    """Reserved concurrency; None means unreserved. 0 throttles every invocation."""
    if reserved is not None and not 0 <= reserved <= limit:
        raise ServiceError(ERR_CONCURRENCY.format(limit=limit))
    function.reserved_concurrency = reserved
    function.save(update_fields=["reserved_concurrency"])
    return function


def function_update_tags(*, function: Function, keys: list[str], values: list[str]) -> Function:
    tags = _pairs(keys, values)
    if len(tags) > MAX_TAGS:
        raise ServiceError(ERR_TOO_MANY_TAGS)
    for key, value in tags.items():
        if not 1 <= len(key) <= TAG_KEY_MAX_LENGTH or len(value) > TAG_VALUE_MAX_LENGTH:
            raise ServiceError(ERR_TAG_LENGTH)
        if key.lower().startswith("aws:"):
            raise ServiceError("Tag keys can't start with aws: — that prefix is reserved.")
    function.tags = tags
    function.save(update_fields=["tags"])
    return function


def role_update_policies(*, role: ExecutionRole, policies_json: str) -> ExecutionRole:
    """Replace the role's policy documents. Without logs:PutLogEvents the
    functions using it keep no log stream, as on AWS."""
    try:
        policies = json.loads(policies_json)
    except json.JSONDecodeError as exc:
        raise ServiceError(ERR_POLICIES.format(detail=f"{exc.msg} at line {exc.lineno}, column {exc.colno}.")) from None
    if not isinstance(policies, list) or not all(
        isinstance(p, dict)
        and isinstance(p.get("name"), str)
        and isinstance(p.get("document"), dict)
        and isinstance(p["document"].get("Statement"), list)
        for p in policies
    ):
        raise ServiceError(ERR_POLICIES.format(detail="each item needs a name and a document with a Statement list."))
    role.policies = policies
    role.save(update_fields=["policies"])
    return role


def function_set_role(*, function: Function, role: ExecutionRole) -> Function:
    function.role = role
    function.save(update_fields=["role"])
    return function
