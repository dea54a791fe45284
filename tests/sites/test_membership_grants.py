"""Grants: nobody grants themself access, the state administrator's grants are visible to the
site, role groups do not depend on the slug, and ending a membership takes every grant away."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django_scopes import scope, scopes_disabled

from participants.models import Participant, ParticipantUserObjectPermission
from participants.selectors import visible_participants
from participants.services import intake_complete, participant_restrict
from sites.models import Membership, Site, SlugChangeError
from sites.roles import Role
from sites.services import membership_grant, membership_revoke, role_group_name
from tests.factories import member


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.LEAD_REQUIRE_MFA = False


def _membership(user, site) -> Membership:
    with scopes_disabled():
        return Membership.objects.get(user=user, site=site)


def _restricted_record(site, case_manager, allowed, by) -> Participant:
    with scopes_disabled():
        participant = intake_complete(
            site=site,
            profile={"legal_first_name": "Ana", "legal_last_name": "Quiet"},
            needs={},
            case_manager=case_manager,
            by=case_manager,
        ).participant
        return participant_restrict(participant=participant, allowed=allowed, by=by)


# -- Nobody grants themself access ----------------------------------------------------------


def test_the_state_administrator_cannot_invite_themself_to_a_site(client, state_admin, site_a):
    client.force_login(state_admin)
    response = client.post(
        f"/s/{site_a.slug}/staff/invite/",
        {"email": state_admin.email.upper(), "full_name": "", "role": Role.CASE_MANAGER},
    )
    assert response.status_code == 400
    assert "cannot invite yourself" in response.content.decode()
    with scopes_disabled():
        assert not Membership.objects.filter(user=state_admin).exists()
    # ... and so still gets no further than the staff pages of the site.
    assert client.get(f"/s/{site_a.slug}/participants/").status_code == 404


def test_a_programme_manager_cannot_invite_themself_to_change_their_own_role(
    client, programme_manager, site_a
):
    client.force_login(programme_manager)
    response = client.post(
        f"/s/{site_a.slug}/staff/invite/",
        {"email": programme_manager.email, "full_name": "", "role": Role.EVALUATOR},
    )
    assert response.status_code == 400
    assert _membership(programme_manager, site_a).role == Role.PROGRAMME_MANAGER


def test_the_grant_service_refuses_a_self_grant(state_admin, site_a):
    with pytest.raises(PermissionDenied):
        membership_grant(user=state_admin, site=site_a, role=Role.CASE_MANAGER, by=state_admin)


def test_a_grant_by_the_state_administrator_is_shown_to_the_sites_programme_managers(
    client, state_admin, programme_manager, site_a
):
    client.force_login(state_admin)
    client.post(
        f"/s/{site_a.slug}/staff/invite/",
        {"email": "newcomer@example.org", "full_name": "New Comer", "role": Role.CASE_MANAGER},
    )
    client.force_login(programme_manager)
    page = client.get(f"/s/{site_a.slug}/staff/").content.decode()
    row = page[page.index("<td>newcomer@example.org") :].split("</tr>")[0]
    assert state_admin.email in row and "state administrator" in row


# -- Role groups and the slug -----------------------------------------------------------------


def test_role_groups_are_keyed_by_the_site_id_not_its_slug(site_a, case_manager):
    names = set(case_manager.groups.values_list("name", flat=True))
    assert names == {role_group_name(site=site_a, role=Role.CASE_MANAGER)}
    assert site_a.slug not in role_group_name(site=site_a, role=Role.CASE_MANAGER)


def test_a_sites_slug_cannot_change_once_it_exists(site_a):
    site = Site.objects.get(pk=site_a.pk)
    site.slug = "renamed"
    with pytest.raises(SlugChangeError):
        site.save()
    assert Site.objects.get(pk=site_a.pk).slug == "taos"
    site = Site.objects.get(pk=site_a.pk)
    site.name = "Taos County LEAD"  # anything else may change
    site.save()


def test_the_admin_shows_the_slug_of_an_existing_site_read_only(client, db, site_a):
    from tests.factories import UserFactory

    root = UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get(f"/admin/sites/site/{site_a.pk}/change/").content.decode()
    assert 'name="slug"' not in page
    assert 'name="slug"' in client.get("/admin/sites/site/add/").content.decode()


def test_demoting_a_case_manager_leaves_only_the_new_roles_group(
    site_a, case_manager, programme_manager
):
    membership_grant(user=case_manager, site=site_a, role=Role.OFFICER, by=programme_manager)
    names = set(case_manager.groups.values_list("name", flat=True))
    assert names == {role_group_name(site=site_a, role=Role.OFFICER)}
    assert Group.objects.filter(name__startswith=f"site:{site_a.pk}:").count() == len(Role)


# -- Ending a membership ends every grant it gave -----------------------------------------------


def test_ending_a_membership_removes_row_grants_and_a_new_invitation_brings_none_back(
    site_a, case_manager, programme_manager
):
    colleague = member(site_a, Role.CASE_MANAGER, email="rosa@example.org")
    record = _restricted_record(
        site_a, case_manager, [colleague, programme_manager], programme_manager
    )
    membership_revoke(membership=_membership(colleague, site_a), by=programme_manager)
    with scopes_disabled():
        assert not ParticipantUserObjectPermission.objects.filter(user=colleague).exists()
    membership_grant(user=colleague, site=site_a, role=Role.CASE_MANAGER, by=programme_manager)
    with scope(site=site_a):
        assert not visible_participants(site=site_a, user=colleague).filter(pk=record.pk).exists()
        # the other named person keeps the record
        assert (
            visible_participants(site=site_a, user=programme_manager).filter(pk=record.pk).exists()
        )


def test_a_role_without_case_work_loses_the_row_grants(site_a, case_manager, programme_manager):
    record = _restricted_record(
        site_a, case_manager, [case_manager, programme_manager], programme_manager
    )
    membership_grant(user=case_manager, site=site_a, role=Role.EVALUATOR, by=programme_manager)
    with scopes_disabled():
        assert not ParticipantUserObjectPermission.objects.filter(
            user=case_manager, content_object=record
        ).exists()


def test_a_record_left_naming_nobody_passes_to_the_programme_managers(
    site_a, case_manager, programme_manager, state_admin
):
    record = _restricted_record(site_a, case_manager, [case_manager], programme_manager)
    with scope(site=site_a):
        assert (
            not visible_participants(site=site_a, user=programme_manager)
            .filter(pk=record.pk)
            .exists()
        )
    membership_revoke(membership=_membership(case_manager, site_a), by=state_admin)
    with scope(site=site_a):
        assert (
            visible_participants(site=site_a, user=programme_manager).filter(pk=record.pk).exists()
        )
        latest = Participant.objects.get(pk=record.pk).history.latest()
    assert latest.history_user == state_admin
    assert "programme managers" in latest.history_change_reason


def test_ending_a_membership_at_one_site_keeps_grants_at_another(site_a, site_b, programme_manager):
    both = member(site_a, Role.CASE_MANAGER, email="both@example.org")
    membership_grant(user=both, site=site_b, role=Role.CASE_MANAGER, by=None)
    manager_b = member(site_b, Role.PROGRAMME_MANAGER, email="pm.b@example.org")
    record_b = _restricted_record(site_b, both, [both], manager_b)
    membership_revoke(membership=_membership(both, site_a), by=programme_manager)
    with scope(site=site_b):
        assert visible_participants(site=site_b, user=both).filter(pk=record_b.pk).exists()
