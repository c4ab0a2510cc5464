"""What the engine needs to run one function version (invoker.spec.FunctionSpec),
built from the rows; the engine never sees a model."""

from __future__ import annotations

import base64
from collections.abc import Callable

from django.conf import settings

from invoker.spec import FunctionSpec, LayerSpec

from ..arns import function_arn, log_group_name
from ..models import Function, FunctionLayer, FunctionVersion, LayerVersion


def function_spec(function: Function, version: str = "$LATEST") -> FunctionSpec:
    """The spec of $LATEST or of a published version. The code itself is
    loaded only on a cold start (FunctionSpec.load_code)."""
    source: Function | FunctionVersion = function
    model: type[Function] | type[FunctionVersion] = Function
    source_pk = function.pk
    if version != "$LATEST":
        source = FunctionVersion.objects.defer("code_zip").get(function=function, number=int(version))
        model, source_pk = FunctionVersion, source.pk

    def load_code() -> bytes:
        return bytes(model.objects.values_list("code_zip", flat=True).get(pk=source_pk))

    links = FunctionLayer.objects.filter(**{"version_id" if version != "$LATEST" else "function_id": source_pk})
    layers = tuple(
        LayerSpec(sha256_hex=base64.b64decode(sha).hex(), load=_layer_loader(pk))
        for pk, sha in links.order_by("position").values_list("layer_version_id", "layer_version__code_sha256")
    )
    return FunctionSpec(
        function_uid=str(function.uid),
        revision_id=str(source.revision_id),
        name=function.name,
        version=version,
        runtime=source.runtime,
        handler=source.handler,
        memory_size=source.memory_size,
        timeout=source.timeout,
        ephemeral_storage=source.ephemeral_storage,
        environment={str(k): str(v) for k, v in (source.environment or {}).items()},
        code_sha256_hex=base64.b64decode(source.code_sha256).hex(),
        load_code=load_code,
        function_arn=function_arn(function.name),
        log_group=log_group_name(function.name),
        owner_id=function.owner_id,
        region=settings.LABDA_REGION,
        layers=layers,
    )


def _layer_loader(layer_version_pk: int) -> Callable[[], bytes]:
    def load() -> bytes:
        return bytes(LayerVersion.objects.values_list("content_zip", flat=True).get(pk=layer_version_pk))

    return load
