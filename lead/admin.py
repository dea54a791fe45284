from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from lead.models import AccessLogEntry, OutboxMessage, User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin):
    list_display = ["email", "first_name", "last_name", "is_state_admin", "is_active"]
    list_filter = ["is_state_admin", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    exclude = ["password", "user_permissions"]
    readonly_fields = ["last_login", "date_joined"]
    ordering = ["email"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "user_email", "site", "action", "outcome", "path"]
    list_filter = ["outcome", "site"]
    search_fields = ["user_email", "path", "object_uuid"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "task_name", "status", "publish_attempts", "run_count"]
    list_filter = ["status", "task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
