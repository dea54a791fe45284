"""Site pages: each user's home, staff and memberships, the access log, notifications; the
state overview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from sites import selectors, services
from sites.forms import InviteForm, RoleForm
from sites.models import Membership, Notification
from sites.permissions import (
    has_site_capability,
    request_memberships,
    site_permission_required,
    state_permission_required,
)
from sites.roles import Role, statewide_capabilities_of

HOME_TEMPLATES = {
    Role.OFFICER: "sites/home_officer.html",
    Role.CASE_MANAGER: "sites/home_case_manager.html",
    Role.PROGRAMME_MANAGER: "sites/home_programme_manager.html",
    Role.EVALUATOR: "sites/home_evaluator.html",
}


def _get_membership(request: HttpRequest, membership_uuid) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), site=request.site, uuid=membership_uuid
    )


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the right home: their site's page, or the state overview."""
    memberships = request_memberships(request)
    # The site switcher submits ?site=<slug>; otherwise the site used last, else the first.
    last_slug = request.GET.get("site") or request.session.get("lead_last_site")
    for membership in memberships:
        if membership.site.slug == last_slug:
            return redirect("sites:home", site_slug=membership.site.slug)
    if memberships:
        return redirect("sites:home", site_slug=memberships[0].site.slug)
    if "view_state_overview" in statewide_capabilities_of(request.user):
        return redirect("state_home")
    return render(request, "lead/no_site.html")


@site_permission_required("sites.view_site_home")
@require_safe
def site_home(request: HttpRequest, site_slug: str) -> HttpResponse:
    request.session["lead_last_site"] = request.site.slug
    context = {"site": request.site, "membership": request.membership}
    if has_site_capability(request, "sites.manage_staff"):
        context["staff_counts"] = selectors.staff_counts(site=request.site)
    return render(request, HOME_TEMPLATES[request.membership.role], context)


@site_permission_required("sites.manage_staff")
@require_safe
def staff_list(request: HttpRequest, site_slug: str) -> HttpResponse:
    return render(
        request,
        "sites/staff.html",
        {
            "site": request.site,
            "memberships": selectors.staff_of(site=request.site),
            "invite_form": InviteForm(),
            "roles": Role.choices,
        },
    )


@site_permission_required("sites.manage_staff")
def staff_invite(request: HttpRequest, site_slug: str) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.staff_invite(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                site=request.site,
                role=form.cleaned_data["role"],
                by=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error("email", error.messages if hasattr(error, "messages") else str(error))
        else:
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
    services.membership_grant(
        user=membership.user, site=request.site, role=form.cleaned_data["role"], by=request.user
    )
    messages.success(request, _("Role changed for %(email)s.") % {"email": membership.user.email})
    return redirect("sites:staff", site_slug=request.site.slug)


@site_permission_required("sites.manage_staff")
@require_POST
def membership_end(request: HttpRequest, site_slug: str, membership_uuid) -> HttpResponse:
    membership = _get_membership(request, membership_uuid)
    if membership.user == request.user:
        raise PermissionDenied(_("You cannot end your own membership."))
    email = membership.user.email
    services.membership_revoke(membership=membership, by=request.user)
    messages.success(request, _("%(email)s no longer has access to this site.") % {"email": email})
    return redirect("sites:staff", site_slug=request.site.slug)


@site_permission_required("sites.view_site_home")
@require_safe
def notifications(request: HttpRequest, site_slug: str) -> HttpResponse:
    items = Notification.objects.filter(site=request.site, user=request.user)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "sites/notifications.html", {"site": request.site, "page": page})


@site_permission_required("sites.view_site_home")
@require_POST
def notifications_read(request: HttpRequest, site_slug: str) -> HttpResponse:
    services.notifications_mark_read(site=request.site, user=request.user)
    return redirect("sites:notifications", site_slug=request.site.slug)


@state_permission_required("view_state_overview")
@require_safe
def state_home(request: HttpRequest) -> HttpResponse:
    """The state administrator's overview: every site and how many staff it has, by role."""
    return render(
        request,
        "sites/state_home.html",
        {"rows": selectors.statewide_staff_overview(), "roles": Role.choices},
    )
