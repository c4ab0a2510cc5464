"""Saved test events (private to the user who saved them)."""

from __future__ import annotations

import json
import re

from django.contrib.auth.models import User
from django.utils import timezone

from ..errors import ServiceError
from ..limits import MAX_TEST_EVENTS
from ..models import Function, TestEvent

EVENT_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,25}$")
ERR_EVENT_NAME = (
    "Event name can contain only letters, numbers, hyphens or underscores, with no spaces, and be 1 to 25 characters long."
)
ERR_TOO_MANY_EVENTS = f"You can save up to {MAX_TEST_EVENTS} test events for a function. Delete one to save another."
ERR_EVENT_JSON = "There is an error in the event JSON: {msg} at line {line}, column {column}."


def parse_event_json(text: str) -> object:
    """The event as JSON, or a ServiceError that says where it is wrong."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ServiceError(ERR_EVENT_JSON.format(msg=exc.msg, line=exc.lineno, column=exc.colno)) from None
    except RecursionError:
        raise ServiceError("The event JSON is nested too deeply.") from None


def event_save(*, function: Function, owner: User, name: str, payload: str) -> TestEvent:
    name = name.strip()
    if not EVENT_NAME_RE.match(name):
        raise ServiceError(ERR_EVENT_NAME)
    parse_event_json(payload)
    existing = TestEvent.objects.filter(function=function, owner=owner, name=name).first()
    if existing:
        existing.payload = payload
        existing.updated_at = timezone.now()
        existing.save(update_fields=["payload", "updated_at"])
        return existing
    if TestEvent.objects.filter(function=function, owner=owner).count() >= MAX_TEST_EVENTS:
        raise ServiceError(ERR_TOO_MANY_EVENTS)
    return TestEvent.objects.create(function=function, owner=owner, name=name, payload=payload)


def event_delete(*, event: TestEvent) -> None:
    event.delete()
