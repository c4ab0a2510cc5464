from django.urls import path

from . import views

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
]
