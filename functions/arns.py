"""Amazon Resource Names, the one place their formats are written."""

from __future__ import annotations

from django.conf import settings


def function_arn(name: str, qualifier: str = "", *, account_id: str | None = None) -> str:
    """arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]"""
    arn = f"arn:aws:lambda:{settings.LABDA_REGION}:{account_id or settings.LABDA_ACCOUNT_ID}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def role_arn(name: str, *, account_id: str | None = None) -> str:
    return f"arn:aws:iam::{account_id or settings.LABDA_ACCOUNT_ID}:role/service-role/{name}"


LOG_GROUP_PREFIX = "/aws/lambda/"


def log_group_name(function_name: str) -> str:
    return f"{LOG_GROUP_PREFIX}{function_name}"


def log_group_arn(function_name: str, *, account_id: str | None = None) -> str:
    account = account_id or settings.LABDA_ACCOUNT_ID
    return f"arn:aws:logs:{settings.LABDA_REGION}:{account}:log-group:{log_group_name(function_name)}:*"


def layer_arn(name: str, version: int | None = None, *, account_id: str | None = None) -> str:
    """arn:aws:lambda:REGION:ACCOUNT:layer:NAME[:VERSION]"""
    arn = f"arn:aws:lambda:{settings.LABDA_REGION}:{account_id or settings.LABDA_ACCOUNT_ID}:layer:{name}"
    return f"{arn}:{version}" if version is not None else arn
