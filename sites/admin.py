from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sites.models import Membership, Site


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "county", "intake_deadline_days", "is_active"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request, obj=None):
        # The slug is fixed once the site exists (Site.save refuses a change).
        return ["slug"] if obj is not None else []

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else self.prepopulated_fields


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    """Read-only here: memberships change through the staff pages, which keep groups in sync."""

    list_display = ["user", "site", "role", "created_at"]
    list_filter = ["site", "role"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
