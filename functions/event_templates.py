"""The console's test event templates: our own copies of the documented shapes
(region us-east-1, account 123456789012), after AWS SAM CLI's generated events."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DEFAULT_TEMPLATE = "hello-world"


@cache
def templates() -> list[dict]:
    return json.loads((Path(__file__).parent / "event_templates.json").read_text())


def template_json(template_id: str) -> str:
    """The template's event, indented as the console shows it."""
    for template in templates():
        if template["id"] == template_id:
            return json.dumps(template["event"], indent=2)
    raise KeyError(template_id)
