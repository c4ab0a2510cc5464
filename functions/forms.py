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

from invoker import package

from .errors import ServiceError
from .formfields import ListField
from .logformat import parse_filter
from .selectors.logs import TAIL_CURSOR_RE, parse_cursor
from .selectors.timerange import MonitorError, TimeRange, parse_qualifier, parse_time_range
from .services.configuration import ERR_CONCURRENCY, ERR_EPHEMERAL, ERR_MEMORY, ERR_TIMEOUT
from .services.logs import ERR_RETENTION
from .services.versions import ERR_WEIGHT

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

ERR_NO_FILES = "The editor sent no files to deploy."
ERR_NO_ZIP = "Choose a .zip file to upload."
ERR_NO_BLUEPRINT = "Choose a blueprint."
ERR_ZIP_SIZE = "The .zip file is {size:,} bytes; the limit is {limit:,} bytes (50 MB)."


def check_zip_size(upload: UploadedFile | None) -> UploadedFile | None:
    """Refuse an oversized package from its size, before it is read. (The
    upload itself is on disk: Django keeps only small files in memory.)"""
    if upload is not None and (upload.size or 0) > package.MAX_ZIPPED_BYTES:
        raise forms.ValidationError(ERR_ZIP_SIZE.format(size=upload.size, limit=package.MAX_ZIPPED_BYTES))
    return upload


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

    def clean_zip_file(self) -> UploadedFile | None:
        return check_zip_size(self.cleaned_data.get("zip_file"))

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

    def clean_zip_file(self) -> UploadedFile | None:
        return check_zip_size(self.cleaned_data.get("zip_file"))


class LayerCreateForm(forms.Form):
    """Create a layer version from a .zip (a new layer on its first version)."""

    name = forms.CharField(max_length=200, strip=True, error_messages={"required": "Enter a layer name."})
    description = forms.CharField(required=False, max_length=256)
    compatible_runtimes = ListField(required=False)
    zip_file = forms.FileField(error_messages={"required": ERR_NO_ZIP})


class LayersForm(forms.Form):
    """A function's layers, in order: one layer version id per position
    (an empty position is skipped)."""

    layer = ListField(required=False)

    def clean_layer(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["layer"] if pk.isdigit() and len(pk) < 19]


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


MAX_LOG_PAGE = 1_000_000
ERR_PAGE = f"Page must be a whole number from 1 to {MAX_LOG_PAGE:,}; showing the first page."


class LogGroupForm(forms.Form):
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LOG_PAGE,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), ERR_PAGE),
    )
    # A field, not BaseForm.prefix (moved off the class, as DeployForm.files).
    prefix = forms.CharField(required=False, max_length=512)  # type: ignore[assignment]

    def clean_page(self) -> int:
        return self.cleaned_data.get("page") or 1


class LogGroupsForm(forms.Form):
    q = forms.CharField(required=False, max_length=512)


# A filter is a few words. Each term is one SQL condition, and SQLite refuses
# an expression deeper than 1,000, so both its length and its terms are capped.
MAX_FILTER_LENGTH = 1000
MAX_FILTER_TERMS = 50
ERR_FILTER_LENGTH = f"A filter can be at most {MAX_FILTER_LENGTH:,} characters long."
ERR_FILTER_TERMS = f"A filter can have at most {MAX_FILTER_TERMS} terms."
ERR_REQUEST_ID = "A request ID is at most 64 characters long."
ERR_CURSOR = "This link to older events is not valid (it may have been cut short); showing the newest events."
ERR_STREAM = "No such log stream."


class LogFilterForm(forms.Form):
    """The filter of a log page. `before` (older events) and `after` (Live
    Tail) are cursors the pages make; a bad one is dropped with a message."""

    filter = forms.CharField(
        required=False, max_length=MAX_FILTER_LENGTH, strip=False, error_messages={"max_length": ERR_FILTER_LENGTH}
    )
    request_id = forms.CharField(required=False, max_length=64, strip=True, error_messages={"max_length": ERR_REQUEST_ID})
    before = forms.CharField(required=False, max_length=64, error_messages={"max_length": ERR_CURSOR})
    after = forms.CharField(required=False, max_length=64, error_messages={"max_length": ERR_CURSOR})
    stream = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=2**62,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), ERR_STREAM),
    )

    def clean_filter(self) -> str:
        text: str = self.cleaned_data.get("filter") or ""
        include, exclude = parse_filter(text)
        if len(include) + len(exclude) > MAX_FILTER_TERMS:
            raise forms.ValidationError(ERR_FILTER_TERMS)
        return text

    def clean_before(self) -> str:
        text: str = self.cleaned_data.get("before") or ""
        if text and parse_cursor(text) is None:
            raise forms.ValidationError(ERR_CURSOR)
        return text

    def clean_after(self) -> str:
        text: str = self.cleaned_data.get("after") or ""
        if text and not TAIL_CURSOR_RE.fullmatch(text):
            raise forms.ValidationError(ERR_CURSOR)
        return text


class LogRetentionForm(forms.Form):
    retention_days = forms.IntegerField(required=False, error_messages={"invalid": ERR_RETENTION})
