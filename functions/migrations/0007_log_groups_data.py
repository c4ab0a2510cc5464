"""Every function's log group becomes a row (with the function's retention),
its streams move into it, and each event keeps its request id as a value
(no longer a link to an invocation that is deleted with its function)."""

from __future__ import annotations

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    Function = apps.get_model("functions", "Function")
    LogGroup = apps.get_model("functions", "LogGroup")
    LogStream = apps.get_model("functions", "LogStream")
    LogEvent = apps.get_model("functions", "LogEvent")
    for function in Function.objects.only("id", "owner_id", "name", "log_retention_days").iterator():
        group, _ = LogGroup.objects.get_or_create(
            owner_id=function.owner_id,
            name=f"/aws/lambda/{function.name}",
            defaults={"retention_days": function.log_retention_days},
        )
        LogStream.objects.filter(function_id=function.id).update(group=group)
    LogEvent.objects.filter(invocation__isnull=False).update(request_id=F("invocation_id"))


def backwards(apps, schema_editor):
    Function = apps.get_model("functions", "Function")
    LogGroup = apps.get_model("functions", "LogGroup")
    LogEvent = apps.get_model("functions", "LogEvent")
    Invocation = apps.get_model("functions", "Invocation")
    for group in LogGroup.objects.all():
        Function.objects.filter(owner_id=group.owner_id, name=group.name.removeprefix("/aws/lambda/")).update(
            log_retention_days=group.retention_days
        )
    # Streams of deleted functions cannot go back: their rows went with the function.
    for event in LogEvent.objects.filter(request_id__isnull=False).only("id", "request_id").iterator():
        if Invocation.objects.filter(pk=event.request_id).exists():
            LogEvent.objects.filter(pk=event.pk).update(invocation_id=event.request_id)


class Migration(migrations.Migration):
    dependencies = [("functions", "0006_log_groups")]

    operations = [migrations.RunPython(forwards, backwards)]
