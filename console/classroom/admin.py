from __future__ import annotations

from django.contrib import admin

from .models import AccountState, Course, Membership, Section, ViewRecord


class SectionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Section
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "created_by", "created_at")
    inlines = [SectionInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "course", "role", "student_id", "source")
    list_filter = ("role", "course")


@admin.register(ViewRecord)
class ViewRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("viewed_at", "viewer", "student", "path")
    readonly_fields = ("viewed_at", "viewer", "student", "path")


admin.site.register(AccountState)
