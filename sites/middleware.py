"""The site guard: one middleware owns the tenant of every ``/s/<site_slug>/`` request."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django_scopes import scope

from lead.audit import access_log_record
from lead.models import AccessLogEntry
from sites.models import Site
from sites.permissions import request_memberships, state_admin_may_enter


class SiteScopeMiddleware:
    """Resolve ``/s/<site_slug>/``: 404 to non-members, then run and render inside the scope.

    Views under a site URL find ``request.site`` and ``request.membership`` set. Outside site
    URLs no scope is active, so an unscoped query of a site-owned model raises.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.site = None
        request.membership = None
        if not request.path_info.startswith("/s/"):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("site_slug")
        if slug is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        # One query gives the site, the membership and the navigation's site switcher.
        membership = next((m for m in request_memberships(request) if m.site.slug == slug), None)
        site = (
            membership.site
            if membership is not None
            else Site.objects.filter(slug=slug, is_active=True).first()
        )
        # A state administrator who is not a member enters only where the capability table
        # gives the state administrator the view's capability (nothing identifying).
        state_admin_may = request.user.is_state_admin and state_admin_may_enter(match.func)
        if site is None or (membership is None and not state_admin_may):
            access_log_record(
                request=request,
                action="denied:site",
                outcome=AccessLogEntry.Outcome.NOT_FOUND,
                site=site if site is not None and request.user.is_authenticated else None,
            )
            raise Http404
        request.site = site
        request.membership = membership
        with scope(site=site):
            response = self.get_response(request)
            if callable(getattr(response, "render", None)) and not response.is_rendered:
                response.render()
        return response
