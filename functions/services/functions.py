"""Creating, deploying and deleting functions, and their execution roles."""

from __future__ import annotations

import secrets
import string
import uuid

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from invoker import package
from invoker.control import broadcast_retire
from invoker.images import RUNTIMES

from ..errors import ServiceError
from ..limits import DESCRIPTION_MAX_LENGTH, ERR_CODE_AND_LAYERS_TOO_LARGE, MAX_UNZIPPED_BYTES
from ..models import Blueprint, ExecutionRole, Function, FunctionLayer, TestEvent
from ..policies import BASIC_EXECUTION_POLICY
from .logs import log_group_ensure
from .syntax import code_check_syntax

NAME_MAX_LENGTH = 64
ERR_NAME = (
    "Function name can contain only letters, numbers, hyphens or underscores, with no spaces, "
    f"and be 1 to {NAME_MAX_LENGTH} characters long."
)
ERR_NAME_TAKEN = "A function named {name} already exists. Choose another name."
ERR_RUNTIME = "Choose a runtime: {choices}."
ERR_DESCRIPTION = f"Description can be at most {DESCRIPTION_MAX_LENGTH} characters long."


# --- roles


def role_create_basic(*, owner: User, function_name: str) -> ExecutionRole:
    """ "Create a new role with basic Lambda permissions": it may write logs."""
    suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))
    return ExecutionRole.objects.create(
        owner=owner,
        name=f"{function_name}-role-{suffix}"[:64],
        policies=[{"name": "AWSLambdaBasicExecutionRole", "document": BASIC_EXECUTION_POLICY}],
    )


# --- functions


def check_runtime(runtime: str) -> None:
    if runtime not in RUNTIMES:
        raise ServiceError(ERR_RUNTIME.format(choices=", ".join(RUNTIMES)))


def check_description(description: str) -> str:
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ServiceError(ERR_DESCRIPTION)
    return description


def _package(*, files: dict[str, str] | None, zip_bytes: bytes | None) -> bytes:
    try:
        if zip_bytes is not None:
            package.validate_zip(zip_bytes)
            return zip_bytes
        return package.build_zip(dict(files or {}))
    except package.CodePackageError as exc:
        raise ServiceError(str(exc)) from None


def _set_code(function: Function, data: bytes) -> None:
    function.code_zip = data
    function.code_sha256 = package.code_sha256(data)
    function.code_size = len(data)


def function_create(
    *,
    owner: User,
    name: str,
    runtime: str,
    handler: str | None = None,
    files: dict[str, str] | None = None,
    zip_bytes: bytes | None = None,
    role: ExecutionRole | None = None,
    description: str = "",
    blueprint: str = "",
) -> Function:
    """Create a function. Without a role, a new basic execution role is made."""
    name = name.strip()
    if not Function.NAME_RE.match(name):
        raise ServiceError(ERR_NAME)
    check_runtime(runtime)
    check_description(description)
    if Function.objects.filter(owner=owner, name=name).exists():
        raise ServiceError(ERR_NAME_TAKEN.format(name=name))
    data = _package(files=files, zip_bytes=zip_bytes)
    with transaction.atomic():
        if role is None:
            role = role_create_basic(owner=owner, function_name=name)
        function = Function(
            owner=owner,
            name=name,
            runtime=runtime,
            handler=handler or RUNTIMES[runtime][1],
            role=role,
            description=description,
            blueprint=blueprint,
        )
        _set_code(function, data)
        try:
            with transaction.atomic():
                function.save()
        except IntegrityError:
            raise ServiceError(ERR_NAME_TAKEN.format(name=name)) from None
        # The group of a deleted function of this name is kept, and reused.
        log_group_ensure(owner=owner, name=function.log_group)
    return function


def function_create_from_blueprint(
    *, owner: User, name: str, blueprint: Blueprint, role: ExecutionRole | None = None
) -> Function:
    return function_create(
        owner=owner,
        name=name,
        runtime=blueprint.runtime,
        handler=blueprint.handler,
        files=blueprint.files,
        role=role,
        description=blueprint.description[:DESCRIPTION_MAX_LENGTH],
        blueprint=blueprint.name,
    )


def function_update_code(*, function: Function, files: dict[str, str] | None = None, zip_bytes: bytes | None = None) -> Function:
    """Deploy: a new $LATEST. On bad input nothing changes (the old code runs on).
    Code from the editor must parse (an uploaded .zip is taken as it is, as
    its libraries may hold files that are never imported)."""
    if files is not None:
        code_check_syntax(files=dict(files))
    data = _package(files=files, zip_bytes=zip_bytes)
    _check_size_with_layers(function, data)
    _set_code(function, data)
    function.revision_id = uuid.uuid4()
    function.last_modified = timezone.now()
    function.save(update_fields=["code_zip", "code_sha256", "code_size", "revision_id", "last_modified"])
    retire_outdated(function)
    return function


def _check_size_with_layers(function: Function, data: bytes) -> None:
    """The function's layers count toward the 250 MB unzipped limit too."""
    sizes = FunctionLayer.objects.filter(function=function).values_list("layer_version__unzipped_size", flat=True)
    layers = sum(sizes)
    if layers and (total := package.validate_zip(data) + layers) > MAX_UNZIPPED_BYTES:
        raise ServiceError(ERR_CODE_AND_LAYERS_TOO_LARGE.format(limit=MAX_UNZIPPED_BYTES, total=total))


def retire_outdated(function: Function) -> None:
    """Warm $LATEST containers of an older revision go now, on every worker."""
    uid, revision = str(function.uid), str(function.revision_id)
    transaction.on_commit(lambda: broadcast_retire(uid, version="$LATEST", keep_revision=revision))


def function_delete(*, function: Function) -> None:
    """Delete the function, its versions, aliases, test events and invocation
    records. Its log group and execution role are kept, as on AWS."""
    uid = str(function.uid)
    function.delete()
    transaction.on_commit(lambda: broadcast_retire(uid))


def functions_delete(*, functions: list[Function]) -> list[str]:
    """Delete several functions at once: all of them or (on any error) none."""
    with transaction.atomic():
        names = []
        for function in functions:
            names.append(function.name)
            function_delete(function=function)
    return names


def _free_name(owner: User, name: str) -> str:
    taken = set(Function.objects.filter(owner=owner, name__startswith=name[:40]).values_list("name", flat=True))
    candidates = [name, *(f"{name[:40]}-copy" + (f"-{n}" if n > 1 else "") for n in range(1, 100))]
    return next(c for c in candidates if c not in taken)


def function_copy(*, source: Function, owner: User) -> Function:
    """ "Copy to my functions": a new function of `owner` with the code,
    configuration, a copy of the role and the saved test events of `source`,
    which is left untouched. The name gets "-copy" when it is taken."""
    name = _free_name(owner, source.name)
    with transaction.atomic():
        # A role of the copier's own, with the same policies.
        role = role_create_basic(owner=owner, function_name=name)
        if source.role is not None:
            role.policies = source.role.policies
            role.save(update_fields=["policies"])
        function = function_create(
            owner=owner,
            name=name,
            runtime=source.runtime,
            handler=source.handler,
            zip_bytes=bytes(Function.objects.get(pk=source.pk).code_zip),
            role=role,
            description=source.description,
            blueprint=source.blueprint,
        )
        for name in ("memory_size", "timeout", "ephemeral_storage", "environment", "tags", "architecture"):
            setattr(function, name, getattr(source, name))
        function.save()
        TestEvent.objects.bulk_create(
            TestEvent(function=function, owner=owner, name=e.name, payload=e.payload)
            for e in source.test_events.filter(owner_id=source.owner_id)
        )
    return function
