"""Reads about functions: the list, blueprints, starter code, the files of a
package, saved test events."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from invoker import package

from ..models import Blueprint, Function, TestEvent

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


def function_list(*, user: User | AnonymousUser, query: str = "") -> QuerySet[Function]:
    """The user's own functions, by name. (An instructor reaches students'
    work from the course page, never in their own list.)"""
    functions = Function.objects.defer("code_zip").select_related("owner").filter(owner_id=user.pk)
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


def function_files(function: Function) -> dict[str, str | None]:
    """{path: text} of the package for the editor (None: binary or too large)."""
    return package.read_text_files(bytes(function.code_zip))


def test_events(*, function: Function, user: User | AnonymousUser) -> list[TestEvent]:
    """The user's saved test events of the function, by name."""
    return list(TestEvent.objects.filter(function=function, owner_id=user.pk).order_by("name"))
