"""Site pages: the role-aware home, staff and memberships, the access log; the state overview."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from lead.models import AccessLogEntry
from lead.permissions import site_permission_required
from referrals.models import EligibilityItem
from sites import services
from sites.forms import InviteForm, RoleForm
from sites.models import Membership, Notification, Site
from sites.roles import Role
from sites.services import membership_grant, membership_revoke


def state_admin_allowed(view: Callable) -> Callable:
    """Let a state administrator through the site guard to this (non-identifying) page."""
    view.state_admin_allowed = True  # type: ignore[attr-defined]
    return view


def _get_membership(request: HttpRequest, membership_uuid) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), site=request.site, uuid=membership_uuid
    )


@site_permission_required("sites.view_site_home")
def site_home(request: HttpRequest, site_slug: str) -> HttpResponse:
    request.session["lead_last_site"] = request.site.slug
    role = request.membership.role
    templates = {
        Role.OFFICER: "sites/home_officer.html",
        Role.CASE_MANAGER: "sites/home_case_manager.html",
        Role.PROGRAMME_MANAGER: "sites/home_programme_manager.html",
        Role.EVALUATOR: "sites/home_evaluator.html",
    }
    context = {"site": request.site, "membership": request.membership}
    if role == Role.CASE_MANAGER:
        context["checklist"] = EligibilityItem.objects.filter(
            site=request.site, retired_at__isnull=True
        )
    if role == Role.PROGRAMME_MANAGER:
        counts = dict(
            Membership.objects.filter(site=request.site)
            .values_list("role")
            .annotate(n=Count("id"))
            .values_list("role", "n")
        )
        context["staff_counts"] = [(label, counts.get(value, 0)) for value, label in Role.choices]
    return render(request, templates[role], context)


@state_admin_allowed
@site_permission_required("sites.manage_staff")
def staff_list(request: HttpRequest, site_slug: str) -> HttpResponse:
    memberships = (
        Membership.objects.filter(site=request.site).select_related("user").order_by("user__email")
    )
    return render(
        request,
        "sites/staff.html",
        {
            "site": request.site,
            "memberships": memberships,
            "invite_form": InviteForm(),
            "roles": Role.choices,
        },
    )


@state_admin_allowed
@site_permission_required("sites.manage_staff")
def staff_invite(request: HttpRequest, site_slug: str) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = services.staff_invite(
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            site=request.site,
            role=form.cleaned_data["role"],
            by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
        messages.success(
            request,
            _("%(email)s is now a %(role)s here; an invitation has been sent.")
            % {"email": membership.user.email, "role": membership.get_role_display()},
        )
        return redirect("sites:staff", site_slug=request.site.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "sites/staff_invite.html", {"site": request.site, "form": form}, status=status
    )


@state_admin_allowed
@site_permission_required("sites.manage_staff")
@require_POST
def membership_change(request: HttpRequest, site_slug: str, membership_uuid) -> HttpResponse:
    membership = _get_membership(request, membership_uuid)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed roles."))
        return redirect("sites:staff", site_slug=request.site.slug)
    if membership.user == request.user:
        raise PermissionDenied(_("You cannot change your own role."))
    membership_grant(
        user=membership.user, site=request.site, role=form.cleaned_data["role"], by=request.user
    )
    messages.success(request, _("Role changed for %(email)s.") % {"email": membership.user.email})
    return redirect("sites:staff", site_slug=request.site.slug)


@state_admin_allowed
@site_permission_required("sites.manage_staff")
@require_POST
def membership_end(request: HttpRequest, site_slug: str, membership_uuid) -> HttpResponse:
    membership = _get_membership(request, membership_uuid)
    if membership.user == request.user:
        raise PermissionDenied(_("You cannot end your own membership."))
    email = membership.user.email
    membership_revoke(membership=membership, by=request.user)
    messages.success(request, _("%(email)s no longer has access to this site.") % {"email": email})
    return redirect("sites:staff", site_slug=request.site.slug)


@site_permission_required("sites.view_access_log")
def access_log(request: HttpRequest, site_slug: str) -> HttpResponse:
    entries = AccessLogEntry.objects.filter(site=request.site).order_by("-at", "-id")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "sites/access_log.html", {"site": request.site, "page": page})


@site_permission_required("sites.view_site_home")
def notifications(request: HttpRequest, site_slug: str) -> HttpResponse:
    items = Notification.objects.filter(site=request.site, user=request.user)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "sites/notifications.html", {"site": request.site, "page": page})


@site_permission_required("sites.view_site_home")
@require_POST
def notifications_read(request: HttpRequest, site_slug: str) -> HttpResponse:
    services.notifications_mark_read(site=request.site, user=request.user)
    return redirect("sites:notifications", site_slug=request.site.slug)


@login_required
def state_home(request: HttpRequest) -> HttpResponse:
    """The state administrator's overview: every site and how many staff it has, by role."""
    if not request.user.is_state_admin:
        raise PermissionDenied
    with scopes_disabled():  # statewide, counts only
        sites = Site.objects.annotate(staff=Count("memberships")).order_by("name")
        counts = {
            (row["site_id"], row["role"]): row["n"]
            for row in Membership.objects.values("site_id", "role").annotate(n=Count("id"))
        }
        rows = [
            {
                "site": site,
                "staff": site.staff,
                "by_role": [counts.get((site.pk, role), 0) for role in Role],
            }
            for site in sites
        ]
    return render(request, "sites/state_home.html", {"rows": rows, "roles": Role.choices})
