"""Template filters of the Monitor tab and the log pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

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
