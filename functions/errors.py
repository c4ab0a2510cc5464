"""The one error a service raises for bad input: its message is meant for the
page (or the API's error body), and the service changed nothing."""

from __future__ import annotations


class ServiceError(ValueError):
    pass
