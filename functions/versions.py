"""Published versions and aliases, and which version a qualifier runs.

A version is an immutable copy of $LATEST's code and configuration, numbered
1, 2, ...; publishing when nothing changed since the last version returns that
version instead of a new number, as Lambda does. An alias names a version and
may send a share of its invocations to a second version.
"""

from __future__ import annotations

import random
import re

from django.db import IntegrityError, transaction

from .models import Alias, Function, FunctionVersion
from .services import ServiceError

ALIAS_RE = re.compile(r"^(?!\d+$)[a-zA-Z0-9_-]{1,128}$")
LATEST = "$LATEST"

ERR_ALIAS_NAME = "Alias name must be 1 to 128 letters, numbers, hyphens or underscores, and not only numbers."
ERR_ALIAS_TAKEN = "An alias named {name} already exists."
ERR_VERSION = "Version {version} does not exist. Publish it first."
ERR_WEIGHT = "The weight of the additional version must be between 0 and 100 percent."
ERR_SAME_VERSION = "The additional version must differ from the alias's version."
ERR_QUALIFIER = "Function not found: {arn}:{qualifier}"

_SNAPSHOT_FIELDS = ("runtime", "handler", "memory_size", "timeout", "ephemeral_storage", "environment", "code_sha256")


def _same_content(version: FunctionVersion, function: Function) -> bool:
    return all(getattr(version, f) == getattr(function, f) for f in _SNAPSHOT_FIELDS)


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
                    description=description[:256] or function.description,
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


def _routing(function: Function, version: str, additional_version: str, weight_percent: object) -> tuple[str, float]:
    additional_version = (additional_version or "").strip()
    if not additional_version:
        return "", 0.0
    additional_version = _check_version(function, additional_version)
    if additional_version == version:
        raise ServiceError(ERR_SAME_VERSION)
    try:
        weight = float(str(weight_percent).strip() or "0")
    except ValueError:
        raise ServiceError(ERR_WEIGHT) from None
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
    weight_percent: object = 0,
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
                description=description[:256],
                additional_version=extra,
                additional_weight=weight,
            )
    except IntegrityError:
        raise ServiceError(ERR_ALIAS_TAKEN.format(name=name)) from None


def alias_update(
    *, alias: Alias, version: str, description: str = "", additional_version: str = "", weight_percent: object = 0
) -> Alias:
    version = _check_version(alias.function, version)
    alias.additional_version, alias.additional_weight = _routing(alias.function, version, additional_version, weight_percent)
    alias.version, alias.description = version, description[:256]
    alias.save(update_fields=["version", "description", "additional_version", "additional_weight"])
    return alias


def alias_delete(*, alias: Alias) -> None:
    alias.delete()


def resolve_qualifier(function: Function, qualifier: str, *, rng: random.Random | None = None) -> tuple[str, str]:
    """(version to run, alias name or ""). Weighted aliases pick a version per
    invocation, in proportion to the weight."""
    qualifier = (qualifier or LATEST).strip()
    if qualifier == LATEST:
        return LATEST, ""
    if qualifier.isdigit():
        if function.versions.filter(number=int(qualifier)).exists():
            return qualifier, ""
        raise ServiceError(ERR_QUALIFIER.format(arn=function.arn, qualifier=qualifier))
    alias = function.aliases.filter(name=qualifier).first()
    if alias is None:
        raise ServiceError(ERR_QUALIFIER.format(arn=function.arn, qualifier=qualifier))
    if alias.additional_version and (rng or random).random() < alias.additional_weight:
        return alias.additional_version, alias.name
    return alias.version, alias.name


def qualifier_choices(function: Function) -> list[str]:
    """$LATEST, the aliases, then the versions (newest first), for pickers."""
    return [
        LATEST,
        *function.aliases.values_list("name", flat=True),
        *(str(n) for n in function.versions.values_list("number", flat=True)),
    ]
