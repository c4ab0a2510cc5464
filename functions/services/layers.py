"""Layers: publish a version from a .zip, delete a version, and the ordered
list of layers a function uses (checked as Lambda checks it: at most five,
compatible with the function's runtime, code and layers together at most
250 MB unzipped)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from invoker import package
from invoker.images import RUNTIMES

from ..errors import ServiceError
from ..limits import DESCRIPTION_MAX_LENGTH, ERR_CODE_AND_LAYERS_TOO_LARGE, MAX_LAYERS, MAX_UNZIPPED_BYTES
from ..models import Function, FunctionLayer, FunctionVersion, Layer, LayerVersion
from .functions import retire_outdated

ERR_NAME = "Layer name must be 1 to 64 letters, numbers, hyphens or underscores."
ERR_RUNTIME = "Unknown compatible runtime {runtime}. Choose from: {choices}."
ERR_TOO_MANY = f"A function can use at most {MAX_LAYERS} layers."
ERR_TWICE = "Layer {arn} is listed more than once: a function can use a layer only once."
ERR_INCOMPATIBLE = (
    "Layer version {arn} is not compatible with the function's runtime {runtime} (compatible runtimes: {runtimes})."
)
ERR_DELETED = "Layer version {arn} was deleted: it can no longer be added to a function."


def layer_version_publish(
    *, owner: User, name: str, zip_bytes: bytes, description: str = "", compatible_runtimes: Sequence[str] = ()
) -> LayerVersion:
    """A new version of the layer `name` (made on its first version)."""
    name = name.strip()
    if not Layer.NAME_RE.match(name):
        raise ServiceError(ERR_NAME)
    for runtime in compatible_runtimes:
        if runtime not in RUNTIMES:
            raise ServiceError(ERR_RUNTIME.format(runtime=runtime, choices=", ".join(RUNTIMES)))
    try:
        unzipped = package.validate_zip(zip_bytes)
    except package.CodePackageError as exc:
        raise ServiceError(str(exc)) from None
    layer, _ = Layer.objects.get_or_create(owner=owner, name=name)
    for _attempt in range(3):
        number = (layer.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        try:
            with transaction.atomic():
                return LayerVersion.objects.create(
                    layer=layer,
                    number=number,
                    description=description[:DESCRIPTION_MAX_LENGTH],
                    compatible_runtimes=list(compatible_runtimes),
                    content_zip=zip_bytes,
                    code_sha256=package.code_sha256(zip_bytes),
                    code_size=len(zip_bytes),
                    unzipped_size=unzipped,
                )
        except IntegrityError:
            continue  # another publish took the number
    raise ServiceError("Could not publish the layer version; please try again.")


def layer_version_delete(*, layer_version: LayerVersion) -> None:
    """Gone from the list; the functions and versions that use it keep it."""
    if layer_version.uses.exists():
        LayerVersion.objects.filter(pk=layer_version.pk).update(deleted=True)
        return
    layer = layer_version.layer
    layer_version.delete()
    if not layer.versions.exists():
        layer.delete()


def check_total_size(*, code_zip: bytes, layer_versions: Sequence[LayerVersion]) -> None:
    if not layer_versions:
        return
    try:
        code = package.validate_zip(code_zip)
    except package.CodePackageError as exc:
        raise ServiceError(str(exc)) from None
    total = code + sum(lv.unzipped_size for lv in layer_versions)
    if total > MAX_UNZIPPED_BYTES:
        raise ServiceError(ERR_CODE_AND_LAYERS_TOO_LARGE.format(limit=MAX_UNZIPPED_BYTES, total=total))


def function_layer_versions(function: Function) -> list[LayerVersion]:
    links = FunctionLayer.objects.filter(function=function).select_related("layer_version__layer")
    return [link.layer_version for link in links]


def function_set_layers(*, function: Function, layer_versions: Sequence[LayerVersion]) -> None:
    """$LATEST's layers become exactly these, in this order."""
    if len(layer_versions) > MAX_LAYERS:
        raise ServiceError(ERR_TOO_MANY)
    current = {lv.pk for lv in function_layer_versions(function)}
    seen: set[int] = set()
    for lv in layer_versions:
        if lv.layer_id in seen:
            raise ServiceError(ERR_TWICE.format(arn=lv.layer.arn))
        seen.add(lv.layer_id)
        if lv.deleted and lv.pk not in current:
            raise ServiceError(ERR_DELETED.format(arn=lv.arn))
        if lv.compatible_runtimes and function.runtime not in lv.compatible_runtimes:
            raise ServiceError(
                ERR_INCOMPATIBLE.format(arn=lv.arn, runtime=function.runtime, runtimes=", ".join(lv.compatible_runtimes))
            )
    if [lv.pk for lv in layer_versions] == [lv.pk for lv in function_layer_versions(function)]:
        return
    code_zip = bytes(Function.objects.values_list("code_zip", flat=True).get(pk=function.pk))
    check_total_size(code_zip=code_zip, layer_versions=layer_versions)
    with transaction.atomic():
        FunctionLayer.objects.filter(function=function).delete()
        FunctionLayer.objects.bulk_create(
            FunctionLayer(function=function, layer_version=lv, position=i) for i, lv in enumerate(layer_versions, 1)
        )
        function.revision_id = uuid.uuid4()
        function.last_modified = timezone.now()
        function.save(update_fields=["revision_id", "last_modified"])
        retire_outdated(function)


def layers_copy_to_version(*, function: Function, version: FunctionVersion) -> None:
    """A published version keeps its own list: later changes to $LATEST's
    layers, or deleting a layer version, leave it as it was."""
    FunctionLayer.objects.bulk_create(
        FunctionLayer(version=version, layer_version_id=link.layer_version_id, position=link.position)
        for link in FunctionLayer.objects.filter(function=function)
    )


def same_layers(*, function: Function, version: FunctionVersion) -> bool:
    def ids(**where: object) -> list[int]:
        return list(FunctionLayer.objects.filter(**where).values_list("layer_version_id", flat=True))

    return ids(function=function) == ids(version=version)
