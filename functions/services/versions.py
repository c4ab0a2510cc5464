"""Published versions and aliases, and which version a qualifier runs.

A version is an immutable copy of $LATEST's code and configuration, numbered
1, 2, ...; publishing when nothing changed since the last version returns that
version instead of a new number, as Lambda does. An alias names a version and
may send a share of its invocations to a second version.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from ..errors import ServiceError
from ..limits import DESCRIPTION_MAX_LENGTH
from ..models import Alias, Function, FunctionVersion
from ..selectors.versions import LATEST
from .layers import layers_copy_to_version, same_layers

ALIAS_RE = re.compile(r"^(?!\d+$)[a-zA-Z0-9_-]{1,128}$")

ERR_ALIAS_NAME = "Alias name must be 1 to 128 letters, numbers, hyphens or underscores, and not only numbers."
ERR_ALIAS_TAKEN = "An alias named {name} already exists."
ERR_VERSION = "Version {version} does not exist. Publish it first."
ERR_WEIGHT = "The weight of the additional version must be between 0 and 100 percent."
ERR_SAME_VERSION = "The additional version must differ from the alias's version."

_SNAPSHOT_FIELDS = ("runtime", "handler", "memory_size", "timeout", "ephemeral_storage", "environment", "code_sha256")


def _same_content(version: FunctionVersion, function: Function) -> bool:
    same = all(getattr(version, f) == getattr(function, f) for f in _SNAPSHOT_FIELDS)
    return same and same_layers(function=function, version=version)


def version_publish(*, function: Function, description: str = "") -> tuple[FunctionVersion, bool]:
    """(the version, whether it is new)."""
    latest = function.versions.first()
    if latest is not None and _same_content(latest, function):
        return latest, False
    for _ in range(3):
        number = (function.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        try:
            with transaction.atomic():
                version = FunctionVersion.objects.create(
                    function=function,
                    number=number,
                    description=description[:DESCRIPTION_MAX_LENGTH] or function.description,
                    runtime=function.runtime,
                    handler=function.handler,
                    memory_size=function.memory_size,
                    timeout=function.timeout,
                    ephemeral_storage=function.ephemeral_storage,
                    environment=function.environment,
                    code_zip=function.code_zip,
                    code_sha256=function.code_sha256,
                    code_size=function.code_size,
                    source_revision_id=function.revision_id,
                )
                layers_copy_to_version(function=function, version=version)
            return version, True
        except IntegrityError:
            continue  # published at the same moment elsewhere: take the next number
    raise ServiceError("Could not publish a version; try again.")


def _check_version(function: Function, version: str) -> str:
    version = (version or "").strip()
    if version == LATEST:
        return version
    if not version.isdigit() or not function.versions.filter(number=int(version)).exists():
        raise ServiceError(ERR_VERSION.format(version=version or "(none)"))
    return version


def _routing(function: Function, version: str, additional_version: str, weight_percent: float) -> tuple[str, float]:
    additional_version = (additional_version or "").strip()
    if not additional_version:
        return "", 0.0
    additional_version = _check_version(function, additional_version)
    if additional_version == version:
        raise ServiceError(ERR_SAME_VERSION)
    weight = weight_percent
    if not 0 <= weight <= 100:
        raise ServiceError(ERR_WEIGHT)
    return additional_version, weight / 100


def alias_create(
    *,
    function: Function,
    name: str,
    version: str,
    description: str = "",
    additional_version: str = "",
    weight_percent: float = 0.0,
) -> Alias:
    name = name.strip()
    if not ALIAS_RE.match(name):
        raise ServiceError(ERR_ALIAS_NAME)
    version = _check_version(function, version)
    extra, weight = _routing(function, version, additional_version, weight_percent)
    try:
        with transaction.atomic():
            return Alias.objects.create(
                function=function,
                name=name,
                version=version,
                description=description[:DESCRIPTION_MAX_LENGTH],
                additional_version=extra,
                additional_weight=weight,
            )
    except IntegrityError:
        raise ServiceError(ERR_ALIAS_TAKEN.format(name=name)) from None


def alias_update(
    *, alias: Alias, version: str, description: str = "", additional_version: str = "", weight_percent: float = 0.0
) -> Alias:
    version = _check_version(alias.function, version)
    alias.additional_version, alias.additional_weight = _routing(alias.function, version, additional_version, weight_percent)
    alias.version, alias.description = version, description[:DESCRIPTION_MAX_LENGTH]
    alias.save(update_fields=["version", "description", "additional_version", "additional_weight"])
    return alias


def alias_delete(*, alias: Alias) -> None:
    alias.delete()
