"""Template filters for what functions print: their log lines, responses
and error types are shown as text, with terminal control characters made
visible rather than passed to the browser raw."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# C0 controls but tab and newline, DEL, C1 controls (the 8-bit ESC/CSI/OSC),
# and the invisible Unicode controls that reorder or hide text (bidi
# overrides and isolates, line and paragraph separators).
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_control(char: str) -> str:
    """\\x1b for ESC, \\u202e for RIGHT-TO-LEFT OVERRIDE: as Python writes them."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@register.filter(needs_autoescape=True)
def visible(value: Any, autoescape: bool = True) -> SafeString:
    """The text HTML-escaped, each control character shown as its escape
    (ESC [31m becomes \\x1b[31m), marked so the page can style it."""
    text = "" if value is None else str(value)
    escape = conditional_escape if autoescape else str
    parts: list[str] = []
    last = 0
    for match in CONTROL_RE.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f'<span class="ctl" title="control character">{escape_control(match.group())}</span>')
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))
