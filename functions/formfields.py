"""Form fields the console's forms share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict


class ListWidget(forms.Widget):
    """Every value of a repeated field (key=a&key=b)."""

    def value_from_datadict(self, data: Mapping[str, Any], files: MultiValueDict[str, UploadedFile], name: str) -> list[str]:
        if isinstance(data, QueryDict | MultiValueDict):
            return data.getlist(name)
        value = data.get(name, [])
        return value if isinstance(value, list) else [value]


class ListField(forms.Field):
    widget = ListWidget

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in (value or [])]
