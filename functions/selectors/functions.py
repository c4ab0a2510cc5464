"""Reads about functions: the list, blueprints, starter code, the files of a
package, saved test events."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.db.models.functions import Lower

from invoker import package
from invoker.images import runtime_family

from ..models import Blueprint, Function, TestEvent

# By language (invoker.images.runtime_family): every Python or Node.js runtime
# starts with the same code.
STARTER_CODE = {
    "python": {
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
    "nodejs": {
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
    return dict(STARTER_CODE.get(runtime_family(runtime), {}))


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


def editor_files(function: Function) -> tuple[dict[str, str | None], str]:
    """The Code tab's files, or ({}, why) when the package is too large to
    edit inline (or cannot be read): then the tab offers the download. A
    package over the limit is not even loaded from the database."""
    if function.code_size > package.MAX_EDITOR_PACKAGE_BYTES:
        return {}, package.ERR_EDITOR
    try:
        return function_files(function), ""
    except package.CodePackageError as exc:
        return {}, str(exc)


def test_events(*, function: Function, user: User | AnonymousUser) -> list[TestEvent]:
    """The user's saved test events of the function, by name as a person
    reads it: case ignored (apple, Banana, cherry), not A-Z before a-z."""
    return list(TestEvent.objects.filter(function=function, owner_id=user.pk).order_by(Lower("name"), "name"))
