"""Accepting an invitation: the password-setting code never appears in a URL that a server or a
proxy logs. The e-mailed link carries it after "#" (browsers never send that part); the page
posts it with the form, or the person pastes it from the e-mail."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError

from lead import services
from lead.models import User
from sites.roles import Role
from sites.services import staff_invite
from tests.factories import PASSWORD

EMAIL = "nova.person@example.org"
LINK = re.compile(r"http://testserver(/invite/[0-9a-f-]{36}/)#(\S+)")


@pytest.fixture
def invited(site_a, programme_manager, mailoutbox, django_capture_on_commit_callbacks):
    """The invitee, the page's path and the code, as the invitation e-mail gives them."""
    with django_capture_on_commit_callbacks(execute=True):
        staff_invite(
            email=EMAIL,
            site=site_a,
            role=Role.CASE_MANAGER,
            by=programme_manager,
            base_url="http://testserver/",
            full_name="Nova Person",
        )
    [email] = mailoutbox
    path, code = LINK.search(email.body).groups()
    return User.objects.get(email=EMAIL), path, code


def _post(client, path: str, **data):
    return client.post(
        path, {"new_password1": PASSWORD, "new_password2": PASSWORD, **data}, follow=False
    )


def test_the_emailed_link_has_the_code_only_after_the_hash_and_the_email_shows_it_too(
    invited, mailoutbox
):
    user, path, code = invited
    assert path == f"/invite/{user.uuid}/"
    assert default_token_generator.check_token(user, code)
    body = mailoutbox[0].body
    assert f"/invite/{user.uuid}/{code}" not in body
    assert f"\n{code}\n" in body  # to paste when the page cannot fill it in


def test_the_page_asks_for_the_code_and_loads_the_script_that_fills_it_in(client, invited):
    _user, path, _code = invited
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="token"' in page
    assert "data-invitation-code" in page
    assert re.search(r'<script src="/static/js/invitation\.js" defer></script>', page)
    # Nothing about the person before the code is proven.
    assert EMAIL not in page
    assert "Nova" not in page


def test_the_code_in_the_form_sets_the_password_and_verifies_the_address(client, invited):
    user, path, code = invited
    response = _post(client, path, token=code)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=user, email=EMAIL).verified
    signed_in = client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_pasted_code_with_spaces_around_it_works(client, invited):
    _user, path, code = invited
    assert _post(client, path, token=f"  {code}\n")["Location"] == "/accounts/login/"


def test_without_the_code_nothing_is_set(client, invited):
    user, path, _code = invited
    response = _post(client, path)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_wrong_code_is_refused_and_says_nothing_about_the_password(client, invited):
    user, path, code = invited
    response = _post(
        client, path, token=code[:-2] + "00", new_password1="nova", new_password2="nova"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This code is not valid" in page
    assert "is too similar to the" not in page
    assert "This password is too short" not in page
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_weak_password_is_refused_and_the_code_is_kept_for_the_next_try(client, invited):
    user, path, code = invited
    response = _post(client, path, token=code, new_password1="password", new_password2="password")
    assert response.status_code == 400
    page = response.content.decode()
    assert "This password is too common." in page
    assert f'value="{code}"' in page
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_the_invitation_works_once(client, invited):
    user, path, code = invited
    assert _post(client, path, token=code).status_code == 302
    assert client.get(path).status_code == 400
    again = _post(client, path, token=code, new_password1="x" * 20, new_password2="x" * 20)
    assert again.status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_code_in_the_path_is_no_longer_a_page(client, invited):
    _user, path, code = invited
    assert client.get(f"{path}{code}/").status_code == 404
    assert client.post(f"{path}{code}/", {"new_password1": PASSWORD}).status_code == 404


def test_an_unknown_or_deactivated_invitee_gets_the_invalid_link_page(client, invited):
    user, path, code = invited
    assert client.get("/invite/00000000-0000-4000-8000-000000000000/").status_code == 400
    user.is_active = False
    user.save()
    assert client.get(path).status_code == 400
    assert _post(client, path, token=code).status_code == 400


def test_the_service_refuses_a_wrong_code_and_a_weak_password(invited):
    user, _path, code = invited
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(user=user, token="1-nonsense", password=PASSWORD)
    assert refused.value.code == "invalid_token"
    with pytest.raises(ValidationError):
        services.invitation_accept(user=user, token=code, password="password")
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user, verified=True).exists()

    services.invitation_accept(user=user, token=code, password=PASSWORD)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    with pytest.raises(ValidationError):  # the code ends with its first use
        services.invitation_accept(user=user, token=code, password="another-" + PASSWORD)
