"""Views that belong to no site: the health check and invitation acceptance."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lead.models import User


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
