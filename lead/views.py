"""Views that belong to no site: the health check and invitation acceptance."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lead import services
from lead.models import User


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class InvitationAcceptForm(SetPasswordForm):
    """The code from the invitation e-mail, then the new password twice."""

    token = forms.CharField(
        label=_("Code from your invitation e-mail"),
        max_length=100,
        strip=True,
        help_text=_(
            "Filled in for you when you follow the link; otherwise copy it from the e-mail."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "data-invitation-code": ""}
        ),
    )
    field_order = ["token", "new_password1", "new_password2"]

    def clean(self):
        # No word about the password until the code holds: the password checks compare it
        # with the person's e-mail address and name.
        token = self.cleaned_data.get("token", "")
        if not services.invitation_token_valid(user=self.user, token=token):
            if token:
                self.add_error("token", services.INVALID_CODE)
            return self.cleaned_data
        return super().clean()


def invitation_accept(request: HttpRequest, user_uuid) -> HttpResponse:
    """An invited person sets their password.

    The token that proves they own the e-mail address is in the link's fragment (``#...``),
    which browsers never send, and reaches the server only in this form's POST body
    (``static/js/invitation.js`` copies it into the form; without JavaScript it is pasted from
    the e-mail): no server or proxy access log ever sees it.
    """
    user = User.objects.filter(uuid=user_uuid, is_active=True).first()
    if user is None or user.has_usable_password():
        return render(request, "lead/invitation_invalid.html", status=400)
    form = InvitationAcceptForm(user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.invitation_accept(
                user=user,
                token=form.cleaned_data["token"],
                password=form.cleaned_data["new_password1"],
            )
        except ValidationError as error:
            field = "token" if getattr(error, "code", None) == "invalid_token" else "new_password2"
            form.add_error(field, error)
        else:
            messages.success(request, _("Your password is set. Sign in to start."))
            return redirect("account_login")
    status = 400 if form.is_bound else 200
    return render(request, "lead/invitation_accept.html", {"form": form}, status=status)
