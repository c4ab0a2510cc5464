"""Layers: a .zip of libraries, a custom runtime or other files, published in
numbered versions and mounted read-only at /opt in the functions that use
them (up to five, merged in order). Imported into functions.models."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils import timezone

from .arns import layer_arn
from .limits import DESCRIPTION_MAX_LENGTH


class Layer(models.Model):
    NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="layers")
    name = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_layer_name_per_owner")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return layer_arn(self.name)


class LayerVersion(models.Model):
    """An immutable version. Deleting it hides it (no new function can add it),
    but the functions and versions that use it keep it, as on Lambda."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    # Runtime ids (invoker.images.RUNTIMES); empty: any runtime.
    compatible_runtimes = models.JSONField(default=list, blank=True)
    content_zip = models.BinaryField()
    code_sha256 = models.CharField(max_length=64)  # base64, as Lambda shows it
    code_size = models.PositiveIntegerField(default=0)  # zipped
    unzipped_size = models.PositiveBigIntegerField(default=0)
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["layer", "number"], name="unique_layer_version_number")]
        ordering = ["layer__name", "-number"]

    def __str__(self) -> str:
        return f"{self.layer.name}:{self.number}"

    @property
    def arn(self) -> str:
        return layer_arn(self.layer.name, self.number)


class FunctionLayer(models.Model):
    """One layer of $LATEST (function set) or of a published version (version
    set: its own copy of the list, which later changes to $LATEST leave alone)."""

    function = models.ForeignKey(
        "functions.Function", null=True, blank=True, on_delete=models.CASCADE, related_name="layer_links"
    )
    version = models.ForeignKey(
        "functions.FunctionVersion", null=True, blank=True, on_delete=models.CASCADE, related_name="layer_links"
    )
    # services.layers never deletes a version in use (it hides it); deleting
    # an account takes its layers with its functions.
    layer_version = models.ForeignKey(LayerVersion, on_delete=models.CASCADE, related_name="uses")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(function__isnull=False, version__isnull=True)
                | models.Q(function__isnull=True, version__isnull=False),
                name="layer_link_of_function_or_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.layer_version_id}"
