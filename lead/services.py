"""Writes that belong to no site: today, accepting an invitation."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from lead.models import User

INVALID_CODE = _(
    "This code is not valid: it has expired or has already been used, or it was not copied "
    "in full. Copy it again from the invitation e-mail."
)


def invitation_token_valid(*, user: User, token: str) -> bool:
    """Whether ``token`` (from the invitation e-mail) still proves that ``user`` was invited.

    It stops working once the password is set, and after ``PASSWORD_RESET_TIMEOUT``.
    """
    return bool(token) and default_token_generator.check_token(user, token)


@transaction.atomic
def invitation_accept(*, user: User, token: str, password: str) -> User:
    """An invited person sets their password; the token proves they own the e-mail address,
    which is therefore recorded as verified (allauth asks for one before two-factor setup).

    Raises ``ValidationError`` for a wrong, used or expired token or a weak password. The user's
    row is locked, so two submissions of one invitation cannot both succeed: the second sees
    the first one's password, which ends the token.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active or not invitation_token_valid(user=user, token=token):
        raise ValidationError(INVALID_CODE, code="invalid_token")
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user
