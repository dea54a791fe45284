"""Views that belong to no site: the home redirect, health check, invitation acceptance."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lead.models import User
from sites.services import memberships_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the right home: their site's page, or the state overview."""
    memberships = memberships_of(user=request.user)
    # The site switcher submits ?site=<slug>; otherwise the site used last, else the first.
    last_slug = request.GET.get("site") or request.session.get("lead_last_site")
    for membership in memberships:
        if membership.site.slug == last_slug:
            return redirect("sites:home", site_slug=membership.site.slug)
    if memberships:
        return redirect("sites:home", site_slug=memberships[0].site.slug)
    if request.user.is_state_admin:
        return redirect("state_home")
    return render(request, "lead/no_site.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def invitation_accept(request: HttpRequest, user_uuid, token: str) -> HttpResponse:
    """An invited person sets their password; the link proves they own the e-mail address."""
    user = User.objects.filter(uuid=user_uuid, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "lead/invitation_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
        messages.success(request, _("Your password is set. Sign in to start."))
        return redirect("account_login")
    return render(request, "lead/invitation_accept.html", {"form": form, "invitee": user})
