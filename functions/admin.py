from django.contrib import admin

from .models import Blueprint, ExecutionRole, Function, Invocation, LogGroup, LogStream, TestEvent

admin.site.register([Blueprint, ExecutionRole, TestEvent, LogGroup, LogStream])


@admin.register(Function)
class FunctionAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "runtime", "memory_size", "timeout", "last_modified"]
    exclude = ["code_zip"]


@admin.register(Invocation)
class InvocationAdmin(admin.ModelAdmin):
    list_display = ["id", "function", "status", "duration_ms", "cold_start", "created_at"]
    list_filter = ["status"]
