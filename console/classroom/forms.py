"""Classroom forms: request strings in, typed values out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

from .models import JOIN_CODE_LENGTH, Section
from .services.roster import ERR_NOT_TEXT

MAX_ROSTER_BYTES = 512 * 1024


class CourseCreateForm(forms.Form):
    name = forms.CharField(max_length=120, strip=True, error_messages={"required": "Give the course a name."})
    sections = forms.CharField(max_length=1000, required=False, strip=True)


class JoinCodeForm(forms.Form):
    code = forms.CharField(max_length=JOIN_CODE_LENGTH + 8, strip=True, error_messages={"required": "Type the join code."})

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split()).replace("-", "").upper()


class SectionCodeForm(forms.Form):
    """Rotate the code, or set its expiry and maximum number of uses."""

    action = forms.ChoiceField(choices=[("rotate", "rotate"), ("settings", "settings")])
    expires_at = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Give the expiry as a date and time."},
    )
    max_uses = forms.IntegerField(required=False, error_messages={"invalid": "The maximum number of uses is a whole number."})


class RosterUploadForm(forms.Form):
    """The roster: an uploaded file, or (on the preview's confirm) its text."""

    roster = forms.FileField(required=False)
    text = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("preview", "preview"), ("apply", "apply")])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("roster")
        if upload is not None:
            if upload.size > MAX_ROSTER_BYTES:
                raise forms.ValidationError("The file is larger than 512 KB.")
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(ERR_NOT_TEXT) from None
        if not data.get("text"):
            raise forms.ValidationError("Choose a CSV file: student_id, name, email, section.")
        return data


class CardsForm(forms.Form):
    section = forms.IntegerField(required=False)
    include_signed_in = forms.BooleanField(required=False)


class TaAddForm(forms.Form):
    username = forms.CharField(max_length=150, strip=True)
    sections = forms.ModelMultipleChoiceField(queryset=Section.objects.none(), required=False)

    def __init__(self, *args: Any, course: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sections"].queryset = course.sections.all()  # type: ignore[attr-defined]


class SignUpForm(UserCreationForm):  # type: ignore[type-arg]
    """The account a student makes with a join code."""

    first_name = forms.CharField(max_length=150, strip=True)
    last_name = forms.CharField(max_length=150, strip=True, required=False)

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "first_name", "last_name")
