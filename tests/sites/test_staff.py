"""Programme managers and the state administrator invite staff and change or end memberships."""

from __future__ import annotations

import re

from django.contrib.auth.models import Group
from django_scopes import scopes_disabled

from lead.models import User
from sites.models import Membership
from sites.roles import Role
from tests.factories import PASSWORD


def _membership(user):
    with scopes_disabled():
        return Membership.objects.get(user=user)


def test_a_programme_manager_invites_a_case_manager_who_sets_a_password(
    client, programme_manager, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(programme_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/s/taos/staff/invite/",
            {"email": "New.Person@Example.org", "full_name": "Nova Person", "role": "case_manager"},
        )
    assert response.status_code == 302
    invited = User.objects.get(email="new.person@example.org")
    assert not invited.has_usable_password()
    assert _membership(invited).role == Role.CASE_MANAGER
    assert len(mailoutbox) == 1
    link = re.search(r"http://testserver(/invite/\S+)", mailoutbox[0].body).group(1)
    link, _, code = link.partition("#")  # the code rides in the fragment, posted by the page

    client.logout()
    assert client.get(link).status_code == 200
    response = client.post(
        link, {"token": code, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response["Location"] == "/accounts/login/"
    # The link works once.
    assert client.get(link).status_code == 400
    response = client.post("/accounts/login/", {"login": invited.email, "password": PASSWORD})
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/s/taos/"


def test_an_invitation_with_a_bad_address_or_role_is_refused_clearly(client, programme_manager):
    client.force_login(programme_manager)
    response = client.post(
        "/s/taos/staff/invite/", {"email": "not-an-email", "role": "superhero", "full_name": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address" in page
    assert "Select a valid choice" in page


def test_changing_a_role_changes_what_the_user_may_do(client, programme_manager, case_manager):
    client.force_login(programme_manager)
    membership = _membership(case_manager)
    response = client.post(f"/s/taos/staff/{membership.uuid}/role/", {"role": "officer"})
    assert response.status_code == 302
    assert _membership(case_manager).role == Role.OFFICER
    groups = set(case_manager.groups.values_list("name", flat=True))
    assert groups == {f"site:{_membership(case_manager).site_id}:officer"}

    client.force_login(case_manager)
    assert "Taos LEAD – officer" in client.get("/s/taos/").content.decode()


def test_ending_a_membership_removes_access_at_once(client, programme_manager, case_manager):
    client.force_login(programme_manager)
    membership = _membership(case_manager)
    assert client.post(f"/s/taos/staff/{membership.uuid}/end/").status_code == 302
    with scopes_disabled():
        assert not Membership.objects.filter(user=case_manager).exists()
    assert not case_manager.groups.exists()
    client.force_login(case_manager)
    assert client.get("/s/taos/").status_code == 404


def test_nobody_changes_their_own_role(client, programme_manager):
    client.force_login(programme_manager)
    membership = _membership(programme_manager)
    response = client.post(f"/s/taos/staff/{membership.uuid}/role/", {"role": "officer"})
    assert response.status_code == 403
    assert _membership(programme_manager).role == Role.PROGRAMME_MANAGER


def test_another_sites_membership_cannot_be_ended_from_here(
    client, programme_manager, case_manager_b
):
    client.force_login(programme_manager)
    membership = _membership(case_manager_b)
    assert client.post(f"/s/taos/staff/{membership.uuid}/end/").status_code == 404
    assert _membership(case_manager_b).role == Role.CASE_MANAGER


def test_the_state_administrator_manages_any_sites_staff_without_seeing_its_records(
    client, state_admin, case_manager_b
):
    client.force_login(state_admin)
    assert client.get("/s/lea/staff/").status_code == 200
    assert client.get("/s/lea/").status_code == 404  # the site's own pages stay closed
    membership = _membership(case_manager_b)
    client.post(f"/s/lea/staff/{membership.uuid}/role/", {"role": "programme_manager"})
    assert _membership(case_manager_b).role == Role.PROGRAMME_MANAGER


def test_a_forged_role_value_changes_nothing(client, programme_manager, case_manager):
    client.force_login(programme_manager)
    membership = _membership(case_manager)
    response = client.post(f"/s/taos/staff/{membership.uuid}/role/", {"role": "state_admin"})
    assert response.status_code == 302
    assert _membership(case_manager).role == Role.CASE_MANAGER


def test_role_groups_hold_exactly_their_capabilities(site_a):
    from guardian.shortcuts import get_perms

    from sites.roles import ROLE_CAPABILITIES
    from sites.services import role_group_sync

    for role in Role:
        group = role_group_sync(site=site_a, role=role)
        assert set(get_perms(group, site_a)) == ROLE_CAPABILITIES[role]
    assert Group.objects.filter(name__startswith=f"site:{site_a.pk}:").count() == len(Role)
