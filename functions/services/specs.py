"""What the engine needs to run one function version (invoker.spec.FunctionSpec),
built from the rows; the engine never sees a model."""

from __future__ import annotations

import base64

from django.conf import settings

from invoker.spec import FunctionSpec

from ..arns import function_arn, log_group_name
from ..models import Function, FunctionVersion


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
    )
