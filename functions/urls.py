from __future__ import annotations

from django.urls import path

from .views import configuration, functions, invoke, layers, logs, monitor

app_name = "functions"

urlpatterns = [
    path("", functions.function_list, name="list"),
    path("create/", functions.function_create, name="create"),
    path("delete/", functions.functions_delete, name="delete-many"),
    path("<int:pk>/", functions.function_detail, name="detail"),
    path("<int:pk>/deploy/", functions.function_deploy, name="deploy"),
    path("<int:pk>/delete/", functions.function_delete, name="delete"),
    path("<int:pk>/code/upload/", functions.function_upload_zip, name="upload-zip"),
    path("<int:pk>/code/download/", functions.function_download_zip, name="download-zip"),
    # The Test tab
    path("<int:pk>/test/", invoke.function_test, name="test"),
    path("<int:pk>/events/template/", invoke.event_template, name="event-template"),
    path("<int:pk>/events/save/", invoke.event_save, name="event-save"),
    path("<int:pk>/events/<int:event_pk>/delete/", invoke.event_delete, name="event-delete"),
    path("<int:pk>/invocations/<uuid:invocation_id>/", invoke.invocation_result, name="invocation-result"),
    # Configuration, versions and aliases
    path("<int:pk>/configuration/<slug:name>/", configuration.configuration_save, name="configuration-save"),
    path("<int:pk>/versions/publish/", configuration.version_publish, name="version-publish"),
    path("<int:pk>/aliases/save/", configuration.alias_save, name="alias-save"),
    path("<int:pk>/aliases/<int:alias_pk>/delete/", configuration.alias_delete, name="alias-delete"),
    # Monitor
    path("<int:pk>/monitor/metrics/", monitor.monitor_metrics, name="monitor-metrics"),
    path("<int:pk>/monitor/changes/", monitor.monitor_changes, name="monitor-changes"),
    path("<int:pk>/monitor/compare/", monitor.invocation_compare, name="invocation-compare"),
    path("<int:pk>/monitor/invocations/<uuid:invocation_id>/", monitor.invocation_detail, name="invocation-detail"),
    path("<int:pk>/monitor/invocations/<uuid:invocation_id>/replay/", monitor.invocation_replay, name="invocation-replay"),
    # Layers
    path("layers/", layers.layer_list, name="layer-list"),
    path("layers/create/", layers.layer_create, name="layer-create"),
    path("layers/versions/<int:version_pk>/delete/", layers.layer_version_delete, name="layer-version-delete"),
    # Logs: a log group outlives its function, so its pages name the group.
    path("<int:pk>/logs/", logs.function_logs, name="function-logs"),
    path("<int:pk>/logs/tail/", logs.function_log_tail, name="function-log-tail"),
    path("logs/", logs.log_groups, name="log-groups"),
    path("logs/<int:group_pk>/", logs.log_group, name="log-group"),
    path("logs/<int:group_pk>/retention/", logs.log_retention, name="log-retention"),
    path("logs/<int:group_pk>/events/", logs.log_events, name="log-events"),
    path("logs/<int:group_pk>/streams/<int:stream_pk>/", logs.log_stream, name="log-stream"),
    path("logs/<int:group_pk>/download/", logs.log_download, name="log-download"),
    path("logs/<int:group_pk>/tail/", logs.log_tail, name="log-tail"),
    path("logs/<int:group_pk>/tail/poll/", logs.log_tail_poll, name="log-tail-poll"),
]
