"""The Django admin: superusers only, signed in through allauth, free of site scopes."""

from __future__ import annotations

from functools import wraps

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django_scopes import scopes_disabled


class LeadAdminSite(admin.AdminSite):
    site_header = "LEAD administration"
    site_title = "LEAD administration"

    def has_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def login(self, request, extra_context=None):
        # allauth's sign-in (rate limits, MFA) instead of the admin's own form
        return secure_admin_login(super().login)(request, extra_context)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def unscoped(request, *args, **kwargs):
            # The admin is the one place that looks across sites, for superusers only.
            with scopes_disabled():
                response = inner(request, *args, **kwargs)
                if callable(getattr(response, "render", None)) and not response.is_rendered:
                    response.render()
                return response

        return unscoped
