from __future__ import annotations

from django.urls import path

from .views import courses, join, roster

app_name = "classroom"

urlpatterns = [
    path("courses/", courses.course_list, name="list"),
    path("courses/<int:pk>/", courses.course_detail, name="detail"),
    path("courses/<int:pk>/sections/<int:section_pk>/code/", courses.section_code, name="section-code"),
    path("courses/<int:pk>/sections/<int:section_pk>/qr.svg", courses.section_qr, name="section-qr"),
    path("courses/<int:pk>/assistants/", courses.ta_add, name="ta-add"),
    path("courses/<int:pk>/roster/", roster.roster_import, name="roster"),
    path("courses/<int:pk>/cards/", roster.login_cards, name="cards"),
    path("courses/<int:pk>/students/<int:user_pk>/", courses.student_work, name="student"),
    path("courses/<int:pk>/students/<int:user_pk>/password/", courses.password_reset, name="password-reset"),
    path(
        "courses/<int:pk>/students/<int:user_pk>/functions/<int:function_pk>/copy/",
        courses.function_copy,
        name="function-copy",
    ),
    path("join/", join.join_start, name="join-start"),
    path("join/<str:code>/", join.join, name="join"),
    path("accounts/password/first/", join.password_first, name="password-first"),
]
