from django.urls import path

from . import views, views_config, views_monitor

app_name = "functions"

urlpatterns = [
    path("", views.function_list, name="list"),
    path("create/", views.function_create, name="create"),
    path("<int:pk>/", views.function_detail, name="detail"),
    path("<int:pk>/deploy/", views.function_deploy, name="deploy"),
    path("<int:pk>/delete/", views.function_delete, name="delete"),
    path("<int:pk>/test/", views.function_test, name="test"),
    path("<int:pk>/events/template/", views.event_template, name="event-template"),
    path("<int:pk>/events/save/", views.event_save, name="event-save"),
    path("<int:pk>/events/<int:event_pk>/delete/", views.event_delete, name="event-delete"),
    path("<int:pk>/invocations/<uuid:invocation_id>/", views.invocation_result, name="invocation-result"),
    path("<int:pk>/code/upload/", views.function_upload_zip, name="upload-zip"),
    path("<int:pk>/code/download/", views.function_download_zip, name="download-zip"),
    path("delete/", views.functions_delete, name="delete-many"),
    # Configuration, versions and aliases
    path("<int:pk>/configuration/<slug:name>/", views_config.configuration_save, name="configuration-save"),
    path("<int:pk>/versions/publish/", views_config.version_publish, name="version-publish"),
    path("<int:pk>/aliases/save/", views_config.alias_save, name="alias-save"),
    path("<int:pk>/aliases/<int:alias_pk>/delete/", views_config.alias_delete, name="alias-delete"),
    # Monitor and logs
    path("<int:pk>/monitor/metrics/", views_monitor.monitor_metrics, name="monitor-metrics"),
    path("<int:pk>/monitor/changes/", views_monitor.monitor_changes, name="monitor-changes"),
    path("<int:pk>/monitor/compare/", views_monitor.invocation_compare, name="invocation-compare"),
    path("<int:pk>/monitor/invocations/<uuid:invocation_id>/", views_monitor.invocation_detail, name="invocation-detail"),
    path("<int:pk>/monitor/invocations/<uuid:invocation_id>/replay/", views_monitor.invocation_replay, name="invocation-replay"),
    path("logs/", views_monitor.log_groups, name="log-groups"),
    path("<int:pk>/logs/", views_monitor.log_group, name="log-group"),
    path("<int:pk>/logs/retention/", views_monitor.log_retention, name="log-retention"),
    path("<int:pk>/logs/events/", views_monitor.log_events, name="log-events"),
    path("<int:pk>/logs/streams/<int:stream_pk>/", views_monitor.log_stream, name="log-stream"),
    path("<int:pk>/logs/download/", views_monitor.log_download, name="log-download"),
    path("<int:pk>/logs/tail/", views_monitor.log_tail, name="log-tail"),
    path("<int:pk>/logs/tail/poll/", views_monitor.log_tail_poll, name="log-tail-poll"),
]
