"""Template filters of the Monitor tab, the log pages and the times they show."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode

from django import template
from django.utils.html import format_html

from functions import cost

register = template.Library()


@register.filter
def usd(value) -> str:
    """A dollar amount with the significant digits of a fraction of a cent."""
    return cost.usd(value)


@register.filter
def invocation_cost(invocation) -> str:
    """AWS list price of one invocation: the request plus its GB-seconds."""
    return cost.usd(cost.invocation_cost(invocation).total)


@register.filter
def as_query(params: dict) -> str:
    """A dict of GET parameters as a query string (without the "?")."""
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@register.filter
def percent(value) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0%"
    if value < 0.01:
        return "<0.01%"
    return f"{value:,.2f}%"


@register.filter
def utc_time(value, fmt: str = ""):
    """A UTC time as <time datetime="...Z" data-local>, its text in UTC, so the
    page reads right without JavaScript; static/js/workbench.js shows it in the
    browser's time zone with the UTC text in the title (as the AWS console's
    time-zone setting). fmt: "" (date and time), "ms" or "time"."""
    if not value:
        return "-"
    moment = value.astimezone(UTC)
    iso = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if fmt == "time":
        text = moment.strftime("%H:%M:%S")
    elif fmt == "ms":
        text = moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    else:
        text = moment.strftime("%Y-%m-%d %H:%M:%S")
    return format_html('<time datetime="{}" data-local="{}">{} UTC</time>', iso, fmt, text)
