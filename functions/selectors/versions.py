"""Which version a qualifier runs, and the qualifiers a picker offers."""

from __future__ import annotations

import random

from ..arns import function_arn
from ..errors import ServiceError
from ..models import Function

LATEST = "$LATEST"
ERR_QUALIFIER = "Function not found: {arn}"


def resolve_qualifier(function: Function, qualifier: str, *, rng: random.Random | None = None) -> tuple[str, str]:
    """(version to run, alias name or ""). Weighted aliases pick a version per
    invocation, in proportion to the weight."""
    qualifier = (qualifier or LATEST).strip()
    if qualifier == LATEST:
        return LATEST, ""
    not_found = ServiceError(ERR_QUALIFIER.format(arn=function_arn(function.name, qualifier)))
    if qualifier.isdigit():
        if function.versions.filter(number=int(qualifier)).exists():
            return qualifier, ""
        raise not_found
    alias = function.aliases.filter(name=qualifier).first()
    if alias is None:
        raise not_found
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


def version_choices(function: Function) -> list[str]:
    """$LATEST and the published version numbers, for an alias's version."""
    return [LATEST, *(str(n) for n in function.versions.values_list("number", flat=True))]
