"""Queries the pages need, and the context they render from."""

from __future__ import annotations

import json

from django.db.models import QuerySet

from . import event_templates, services
from .models import Blueprint, Function, Invocation, TestEvent

STARTER_CODE = {
    "python3.11": {
        "lambda_function.py": (
            "import json\n\n\n"
            "def lambda_handler(event, context):\n"
            "    # TODO implement\n"
            "    return {\n"
            "        'statusCode': 200,\n"
            "        'body': json.dumps('Hello from Lambda!')\n"
            "    }\n"
        )
    },
    "nodejs18.x": {
        "index.mjs": (
            "export const handler = async (event) => {\n"
            "  // TODO implement\n"
            "  const response = {\n"
            "    statusCode: 200,\n"
            "    body: JSON.stringify('Hello from Lambda!'),\n"
            "  };\n"
            "  return response;\n"
            "};\n"
        )
    },
    "provided": {
        "bootstrap": (
            "#!/bin/sh\n"
            "# A custom runtime: fetch each event from the Runtime API and answer it.\n"
            "set -eu\n"
            'API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"\n'
            "while true; do\n"
            "  HEADERS=$(mktemp)\n"
            '  EVENT=$(curl -sS -D "$HEADERS" "$API/next")\n'
            "  REQUEST_ID=$(grep -i '^lambda-runtime-aws-request-id:' \"$HEADERS\" | tr -d '\\r' | cut -d' ' -f2)\n"
            '  echo "Received event: $EVENT"\n'
            '  curl -sS -o /dev/null -X POST "$API/$REQUEST_ID/response" -d "{\\"echo\\": $EVENT}"\n'
            '  rm -f "$HEADERS"\n'
            "done\n"
        )
    },
}


def starter_files(runtime: str) -> dict[str, str]:
    """The code "Author from scratch" starts with, as in the real console."""
    return dict(STARTER_CODE.get(runtime, {}))


def function_list(*, user, query: str = "") -> QuerySet[Function]:
    functions = Function.objects.defer("code_zip").select_related("owner")
    if not user.is_staff:
        functions = functions.filter(owner=user)
    if query:
        functions = functions.filter(name__icontains=query)
    return functions.order_by("name")


def blueprint_search(*, query: str) -> list[Blueprint]:
    words = query.lower().split()
    found = []
    for blueprint in Blueprint.objects.all():
        text = " ".join([blueprint.name, blueprint.title, blueprint.description, blueprint.runtime, *blueprint.tags]).lower()
        if all(word in text for word in words):
            found.append(blueprint)
    return found


def code_context(*, function: Function) -> dict:
    files = services.function_files(function)
    names = sorted(files)
    handler_module = function.handler.rsplit(".", 1)[0]
    current = next((n for n in names if n.rsplit(".", 1)[0] == handler_module), names[0] if names else "")
    return {
        "files": files,
        "current_file": current,
    }


def test_context(*, function: Function, user, event_name: str = "", template_id: str = "") -> dict:
    saved = list(TestEvent.objects.filter(function=function, owner=user))
    selected = next((e for e in saved if e.name == event_name), None)
    if selected is not None:
        event_json, template_id = selected.payload, ""
    else:
        if template_id not in {t["id"] for t in event_templates.templates()}:
            template_id = _blueprint_template(function)
        event_json = event_templates.template_json(template_id)
    from .versions import qualifier_choices

    return {
        "qualifiers": qualifier_choices(function),
        "saved_events": saved,
        "selected_event": selected,
        "event_name": selected.name if selected else "",
        "event_json": event_json,
        "templates": event_templates.templates(),
        "template_id": template_id,
        "max_events": services.MAX_TEST_EVENTS,
    }


def _blueprint_template(function: Function) -> str:
    if function.blueprint:
        blueprint = Blueprint.objects.filter(name=function.blueprint).first()
        if blueprint:
            return blueprint.test_event_template
    return event_templates.DEFAULT_TEMPLATE


def result_context(*, invocation: Invocation) -> dict:
    response = invocation.response
    try:
        response = json.dumps(json.loads(response), indent=2)
    except (TypeError, ValueError):
        pass
    return {
        "function": invocation.function,
        "invocation": invocation,
        "response_pretty": response,
        "log_output": invocation.log_tail.replace("\r", "\n"),
    }


def _code_tab(*, function: Function, request) -> dict:
    # The Code tab also has the test event and the result, so code, event,
    # result and logs are on one screen.
    context = code_context(function=function)
    context.update(test_context(function=function, user=request.user, event_name=request.GET.get("event", "")))
    return context


def _test_tab(*, function: Function, request) -> dict:
    return test_context(function=function, user=request.user, event_name=request.GET.get("event", ""))


def configuration_context(*, function: Function, request) -> dict:
    from invoker.images import RUNTIMES

    from .models import ExecutionRole

    role = function.role
    return {
        "runtimes": RUNTIMES,
        "env_items": sorted((function.environment or {}).items()),
        "tag_items": sorted((function.tags or {}).items()),
        "roles": ExecutionRole.objects.filter(owner=function.owner),
        "policies_json": json.dumps(role.policies, indent=2) if role else "[]",
        "timeout_min": function.timeout // 60,
        "timeout_sec": function.timeout % 60,
        "unreserved_limit": _unreserved_limit(),
    }


def _unreserved_limit() -> int:
    from django.conf import settings

    return settings.LABDA_UNRESERVED_CONCURRENCY


def versions_context(*, function: Function, request) -> dict:
    aliases_by_version: dict[str, list[str]] = {}
    for alias in function.aliases.all():
        aliases_by_version.setdefault(alias.version, []).append(alias.name)
    rows = [(v, aliases_by_version.get(str(v.number), [])) for v in function.versions.defer("code_zip")]
    return {"version_rows": rows, "latest_aliases": aliases_by_version.get("$LATEST", [])}


def aliases_context(*, function: Function, request) -> dict:
    from .versions import LATEST

    return {
        "aliases": list(function.aliases.all()),
        "version_choices": [LATEST, *(str(n) for n in function.versions.values_list("number", flat=True))],
    }


def _monitor_tab(*, function: Function, request) -> dict:
    from .monitoring import monitor_tab_context

    return monitor_tab_context(function=function, params=request.GET)


# The function page's tabs, in order: id -> (label, context builder). Each
# renders templates/functions/_<id>_tab.html.
TABS: dict[str, tuple[str, object]] = {
    "code": ("Code", _code_tab),
    "test": ("Test", _test_tab),
    "monitor": ("Monitor", _monitor_tab),
    "configuration": ("Configuration", configuration_context),
    "aliases": ("Aliases", aliases_context),
    "versions": ("Versions", versions_context),
}
