"""Forms: request strings in, typed values out. Views never read
request.POST/GET themselves; services get what a form cleaned.

A form's message for a bad value is the same message the service would give,
so the page says the same thing whichever layer caught it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from .errors import ServiceError
from .selectors.timerange import MonitorError, TimeRange, parse_qualifier, parse_time_range
from .services.configuration import ERR_CONCURRENCY, ERR_EPHEMERAL, ERR_MEMORY, ERR_TIMEOUT
from .services.logs import ERR_RETENTION
from .services.versions import ERR_WEIGHT

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

ERR_NO_FILES = "The editor sent no files to deploy."
ERR_NO_ZIP = "Choose a .zip file to upload."
ERR_NO_BLUEPRINT = "Choose a blueprint."


def first_error(form: forms.Form) -> str:
    """The first message of a form that did not validate, for the page."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "The form is not valid."


def check(form: forms.Form) -> dict[str, Any]:
    """The cleaned data, or a ServiceError with the first message."""
    if not form.is_valid():
        raise ServiceError(first_error(form))
    return form.cleaned_data


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


def _int_field(message: str, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(error_messages={"invalid": message, "required": message}, **kwargs)


# --- functions


class FunctionListForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)


class FunctionCreateForm(forms.Form):
    OPTIONS = ("author", "blueprint", "upload")

    option = forms.ChoiceField(choices=[(o, o) for o in OPTIONS], required=False)
    name = forms.CharField(required=False, max_length=200, strip=True)
    runtime = forms.CharField(required=False, max_length=64)
    handler = forms.CharField(required=False, max_length=200, strip=True)
    blueprint = forms.CharField(required=False, max_length=64)
    role_choice = forms.ChoiceField(choices=[("new", "new"), ("existing", "existing")], required=False)
    existing_role = forms.IntegerField(required=False, min_value=0, max_value=2**62)
    zip_file = forms.FileField(required=False)

    def clean_option(self) -> str:
        return self.cleaned_data.get("option") or "author"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("option") == "blueprint" and not data.get("blueprint"):
            raise forms.ValidationError(ERR_NO_BLUEPRINT)
        if data.get("option") == "upload" and not data.get("zip_file"):
            raise forms.ValidationError(ERR_NO_ZIP)
        return data


class TabForm(forms.Form):
    tab = forms.CharField(required=False, max_length=32)


class BlueprintSearchForm(forms.Form):
    """Create function's GET parameters: the option, the blueprint search, and
    what was typed before switching option (so the switch loses nothing)."""

    blueprint_q = forms.CharField(required=False, max_length=200, strip=True)
    option = forms.CharField(required=False, max_length=16)
    blueprint = forms.CharField(required=False, max_length=64)
    name = forms.CharField(required=False, max_length=200, strip=True)
    runtime = forms.CharField(required=False, max_length=64)
    handler = forms.CharField(required=False, max_length=200, strip=True)


class DeployForm(forms.Form):
    # The form's metaclass moves fields off the class: this is the "files"
    # field, not BaseForm.files (the uploads), which mypy cannot see.
    files = forms.CharField(required=False, strip=False)  # type: ignore[assignment]

    def clean_files(self) -> dict[str, str]:
        try:
            files = json.loads(self.cleaned_data.get("files") or "")
        except (ValueError, RecursionError):
            raise forms.ValidationError(ERR_NO_FILES) from None
        if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            raise forms.ValidationError(ERR_NO_FILES)
        return files


class ZipUploadForm(forms.Form):
    zip_file = forms.FileField(error_messages={"required": ERR_NO_ZIP})


# Deleting asks for the typed word, as the AWS console does.
DELETE_WORD = "delete"
ERR_DELETE_WORD = f'To confirm, type the word "{DELETE_WORD}" in the box. Nothing was deleted.'
ERR_DELETE_NONE = "Select the functions to delete."


class FunctionDeleteForm(forms.Form):
    confirm = forms.CharField(required=False, max_length=64, strip=True)

    def clean_confirm(self) -> str:
        if self.cleaned_data.get("confirm") != DELETE_WORD:
            raise forms.ValidationError(ERR_DELETE_WORD)
        return DELETE_WORD


class BulkDeleteForm(FunctionDeleteForm):
    function = ListField(required=False)

    def clean_function(self) -> list[int]:
        pks = [int(pk) for pk in self.cleaned_data["function"] if pk.isdigit() and len(pk) < 19]
        if not pks:
            raise forms.ValidationError(ERR_DELETE_NONE)
        return pks


# --- the Test tab


class EventChoiceForm(forms.Form):
    event = forms.CharField(required=False, max_length=64)
    template = forms.CharField(required=False, max_length=64)


class EventSaveForm(forms.Form):
    event_name = forms.CharField(required=False, max_length=200)
    event_json = forms.CharField(required=False, strip=False)


class TestInvokeForm(forms.Form):
    __test__ = False  # not a pytest test class

    event_json = forms.CharField(required=False, strip=False)
    invocation_type = forms.CharField(required=False, max_length=32)
    qualifier = forms.CharField(required=False, max_length=140)

    def clean_event_json(self) -> str:
        return self.cleaned_data.get("event_json") or "{}"

    def clean_invocation_type(self) -> str:
        return "Event" if self.cleaned_data.get("invocation_type") == "Event" else "RequestResponse"

    def clean_qualifier(self) -> str:
        return self.cleaned_data.get("qualifier") or "$LATEST"


# --- configuration


class GeneralForm(forms.Form):
    description = forms.CharField(required=False, strip=False)
    memory_size = _int_field(ERR_MEMORY)
    timeout_min = _int_field(ERR_TIMEOUT, required=False)
    timeout_sec = _int_field(ERR_TIMEOUT, required=False)
    ephemeral_storage = _int_field(ERR_EPHEMERAL)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "timeout_min" in data and "timeout_sec" in data:
            data["timeout"] = (data["timeout_min"] or 0) * 60 + (data["timeout_sec"] or 0)
        return data


class KeyValuesForm(forms.Form):
    """Environment variables and tags: rows of key and value."""

    key = ListField(required=False)
    value = ListField(required=False)


class RuntimeSettingsForm(forms.Form):
    runtime = forms.CharField(required=False, max_length=64)
    handler = forms.CharField(required=False, max_length=1000, strip=True)


class ConcurrencyForm(forms.Form):
    mode = forms.CharField(required=False, max_length=16)
    reserved_concurrency = forms.CharField(required=False, max_length=32)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["reserved"] = None
        if data.get("mode") == "reserve":
            text = (data.get("reserved_concurrency") or "").strip()
            if not text.isdigit():
                raise forms.ValidationError(ERR_CONCURRENCY.format(limit=1000))
            data["reserved"] = int(text)
        return data


class PermissionsForm(forms.Form):
    role = forms.IntegerField(required=False, min_value=0, max_value=2**62)
    policies = forms.CharField(required=False, strip=False)


class VersionPublishForm(forms.Form):
    description = forms.CharField(required=False)


class AliasChoiceForm(forms.Form):
    """?edit=NAME: the alias whose Edit button was chosen."""

    edit = forms.CharField(required=False, max_length=128)


class AliasForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, strip=True)
    version = forms.CharField(required=False, max_length=32)
    description = forms.CharField(required=False)
    additional_version = forms.CharField(required=False, max_length=32)
    weight = forms.CharField(required=False, max_length=32)
    edit = forms.CharField(required=False, max_length=8)

    def clean_weight(self) -> float:
        text = (self.cleaned_data.get("weight") or "").strip() or "0"
        try:
            return float(text)
        except ValueError:
            raise forms.ValidationError(ERR_WEIGHT) from None


# --- monitor and logs


class MonitorForm(forms.Form):
    """A time range and a qualifier (GET): range, start, end, period, qualifier."""

    def __init__(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.time_range: TimeRange | None = None
        self.qualifier = ""

    def clean(self) -> dict[str, Any]:
        try:
            self.time_range = parse_time_range(self.data)
            self.qualifier = parse_qualifier(self.data.get("qualifier", ""))
        except MonitorError as exc:
            raise forms.ValidationError(str(exc)) from None
        return {"time_range": self.time_range, "qualifier": self.qualifier}


class CompareForm(forms.Form):
    id = ListField(required=False)

    def clean_id(self) -> list[uuid.UUID]:
        try:
            return [uuid.UUID(value) for value in self.cleaned_data["id"]]
        except ValueError:
            raise forms.ValidationError("No such invocation") from None


class LogGroupForm(forms.Form):
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
    # A field, not BaseForm.prefix (moved off the class, as DeployForm.files).
    prefix = forms.CharField(required=False, max_length=512)  # type: ignore[assignment]

    def clean_page(self) -> int:
        return self.cleaned_data.get("page") or 1


class LogGroupsForm(forms.Form):
    q = forms.CharField(required=False, max_length=512)


# A filter is a few words; a thousand would nest SQL too deeply.
MAX_FILTER_LENGTH = 1000


class LogFilterForm(forms.Form):
    filter = forms.CharField(required=False, max_length=MAX_FILTER_LENGTH, strip=False)
    request_id = forms.CharField(required=False, max_length=64, strip=True)
    before = forms.CharField(required=False, max_length=64)
    after = forms.CharField(required=False, max_length=64)
    stream = forms.IntegerField(required=False, min_value=0, max_value=2**62)


class LogRetentionForm(forms.Form):
    retention_days = forms.IntegerField(required=False, error_messages={"invalid": ERR_RETENTION})
