"""The function page's tabs, in order, and the context each renders from
(templates/functions/_<id>_tab.html)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from invoker import package
from invoker.images import RUNTIMES

from .. import event_templates
from ..cost import CostEstimate
from ..errorhelp import error_help
from ..forms import AliasChoiceForm, EventChoiceForm, MonitorForm, first_error
from ..limits import DESCRIPTION_MAX_LENGTH, MAX_LAYERS, MAX_TEST_EVENTS
from ..models import Blueprint, ExecutionRole, Function, Invocation
from ..selectors import layers as layer_selectors
from ..selectors import monitoring, timerange
from ..selectors.functions import editor_files, test_events
from ..selectors.versions import qualifier_choices, version_choices

Context = dict[str, Any]


def code_context(*, function: Function) -> Context:
    files, not_editable = editor_files(function)
    names = sorted(files)
    handler_module = function.handler.rsplit(".", 1)[0]
    current = next((n for n in names if n.rsplit(".", 1)[0] == handler_module), names[0] if names else "")
    return {"files": files, "current_file": current, "not_editable": not_editable, "max_zip_bytes": package.MAX_ZIPPED_BYTES}


def test_context(*, function: Function, user: Any, event_name: str = "", template_id: str = "") -> Context:
    saved = test_events(function=function, user=user)
    selected = next((e for e in saved if e.name == event_name), None)
    if selected is not None:
        event_json, template_id = selected.payload, ""
    else:
        if template_id not in {t["id"] for t in event_templates.templates()}:
            template_id = _blueprint_template(function)
        event_json = event_templates.template_json(template_id)
    return {
        "qualifiers": qualifier_choices(function),
        "saved_events": saved,
        "selected_event": selected,
        "event_name": selected.name if selected else "",
        "event_json": event_json,
        "templates": event_templates.templates(),
        "template_id": template_id,
        "max_events": MAX_TEST_EVENTS,
    }


def _blueprint_template(function: Function) -> str:
    if function.blueprint:
        blueprint = Blueprint.objects.filter(name=function.blueprint).first()
        if blueprint:
            return blueprint.test_event_template
    return event_templates.DEFAULT_TEMPLATE


def result_context(*, invocation: Invocation) -> Context:
    """The Execution result of one invocation."""
    response = invocation.response
    try:
        response = json.dumps(json.loads(response), indent=2)
    except (TypeError, ValueError, RecursionError):
        pass
    return {
        "function": invocation.function,
        "invocation": invocation,
        "response_pretty": response,
        "log_output": invocation.log_tail.replace("\r", "\n"),
        "error_help": error_help(
            error_type=invocation.error_type, error_message=invocation.error_message, status=invocation.status
        ),
    }


def _event_name(request: HttpRequest) -> str:
    form = EventChoiceForm(request.GET)
    return form.cleaned_data["event"] if form.is_valid() else ""


def _code_tab(*, function: Function, request: HttpRequest) -> Context:
    # The Code tab also has the test event and the result, so code, event,
    # result and logs are on one screen.
    context = code_context(function=function)
    context.update(test_context(function=function, user=function.owner, event_name=_event_name(request)))
    return context


def _test_tab(*, function: Function, request: HttpRequest) -> Context:
    return test_context(function=function, user=function.owner, event_name=_event_name(request))


def configuration_context(*, function: Function, request: HttpRequest | None = None) -> Context:
    role = function.role
    return {
        "runtimes": RUNTIMES,
        "env_items": sorted((function.environment or {}).items()),
        "tag_items": sorted((function.tags or {}).items()),
        "roles": ExecutionRole.objects.filter(owner=function.owner),
        "policies_json": json.dumps(role.policies, indent=2) if role else "[]",
        "timeout_min": function.timeout // 60,
        "timeout_sec": function.timeout % 60,
        "unreserved_limit": settings.LABDA_UNRESERVED_CONCURRENCY,
        "description_max_length": DESCRIPTION_MAX_LENGTH,
        **layers_context(function=function),
    }


def layers_context(*, function: Function) -> Context:
    """The Layers section: five positions, each with its chosen layer version."""
    chosen = [link.layer_version_id for link in layer_selectors.function_layers(function=function)]
    chosen += [None] * (MAX_LAYERS - len(chosen))
    return {
        "layer_slots": list(enumerate(chosen, 1)),
        "attachable_layers": layer_selectors.attachable_layer_versions(function=function),
        "max_layers": MAX_LAYERS,
    }


def versions_context(*, function: Function, request: HttpRequest | None = None) -> Context:
    aliases_by_version: dict[str, list[str]] = {}
    for alias in function.aliases.all():
        aliases_by_version.setdefault(alias.version, []).append(alias.name)
    rows = [(v, aliases_by_version.get(str(v.number), [])) for v in function.versions.defer("code_zip")]
    return {"version_rows": rows, "latest_aliases": aliases_by_version.get("$LATEST", [])}


def aliases_context(*, function: Function, request: HttpRequest | None = None) -> Context:
    """The aliases, and the one being edited (?edit=NAME: its Edit button)."""
    aliases = list(function.aliases.all())
    form = AliasChoiceForm(request.GET if request is not None else {})
    name = form.cleaned_data["edit"] if form.is_valid() else ""
    editing = next((alias for alias in aliases if alias.name == name), None)
    return {"aliases": aliases, "version_choices": version_choices(function), "editing": editing}


def monitor_context(*, function: Function, request: HttpRequest) -> Context:
    """Context of templates/functions/_monitor_tab.html; a bad range shows
    its message above the default range."""
    form = MonitorForm(request.GET)
    error = "" if form.is_valid() else first_error(form)
    time_range = form.time_range or timerange.preset_range(timerange.DEFAULT_RANGE)
    qualifier = form.qualifier
    totals = monitoring.metrics_totals(function=function, qualifier=qualifier, time_range=time_range)
    query = time_range.query() | ({"qualifier": qualifier} if qualifier else {})
    return {
        "time_range": time_range,
        "range_error": error,
        "presets": list(timerange.PRESETS),
        "range_query": query,
        "qualifier": qualifier,
        "qualifier_choices": monitoring.qualifier_choices(function),
        "auto_refresh_choices": timerange.AUTO_REFRESH_CHOICES,
        "totals": totals,
        "cost": CostEstimate(totals["invocations"], totals["gb_seconds"]),
        "recent": monitoring.recent_invocations(function=function, qualifier=qualifier, time_range=time_range),
        "recent_limit": monitoring.RECENT_LIMIT,
        "custom_start": time_range.start.strftime(timerange.CUSTOM_FORMAT),
        "custom_end": time_range.end.strftime(timerange.CUSTOM_FORMAT),
        "periods": [(p, timerange.PERIOD_LABELS[p]) for p in timerange.PERIODS],
        "charts": timerange.CHARTS,
    }


# id -> (label, context builder), in the order of the tabs.
TABS: dict[str, tuple[str, Callable[..., Context]]] = {
    "code": ("Code", _code_tab),
    "test": ("Test", _test_tab),
    "monitor": ("Monitor", monitor_context),
    "configuration": ("Configuration", configuration_context),
    "aliases": ("Aliases", aliases_context),
    "versions": ("Versions", versions_context),
}
