"""Every URL pattern × every role × own site / other site against one expectations table.

A URL that is not in the table fails the test, so a new page cannot ship without a decision on
who may open it. Requests are GETs: POST-only views answer 405 to those who pass the guard (the
guard runs first), and their POST behaviour is tested next to the views.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_scopes import scopes_disabled

from casenotes.services import contact_record, task_add
from participants.services import consent_record, goal_add, intake_complete
from referrals.models import EligibilityItem
from sites.models import Membership
from sites.roles import Role
from tests.factories import ReferralFactory, UserFactory, member

ROLES = ["anonymous", "officer", "case_manager", "programme_manager", "evaluator", "state_admin"]

# Shorthands: one status for every role, or per role.
ANON_LOGIN = 302  # anonymous users are sent to the sign-in page


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, anonymous: int = ANON_LOGIN) -> dict[str, int]:
    return {**everyone(status), "anonymous": anonymous}


def site_page(*allowed: str, allowed_status: int = 200, state_admin: bool = False):
    """A page under /s/<site>/: members with the capability get ``allowed_status``, members
    without it 403; at another site everyone gets 404 (the state administrator, who is nobody's
    member, is let through only where ``state_admin`` says so)."""
    own = {"anonymous": ANON_LOGIN}
    for role in ROLES[1:-1]:
        own[role] = allowed_status if role in allowed else 403
    own["state_admin"] = allowed_status if state_admin else 404
    other = {**everyone(404), "anonymous": ANON_LOGIN}
    if state_admin:
        other["state_admin"] = allowed_status
    return {"own": own, "other": other}


MEMBERS = ("officer", "case_manager", "programme_manager", "evaluator")
SUBMITTERS = ("officer", "case_manager", "programme_manager")
CASEWORK = ("case_manager", "programme_manager")
STAFF_MANAGERS = ("programme_manager",)

EXPECTED: dict[str, dict] = {
    # -- no site -------------------------------------------------------------------------------
    "home": signed_in(302),  # sends each user to their home
    "healthz": everyone(200),
    "invitation_accept": everyone(400),  # a made-up token is refused with a clear page
    "set_language": everyone(302),
    "state_home": {**signed_in(403), "state_admin": 200},
    # -- sites ---------------------------------------------------------------------------------
    "sites:home": site_page(*MEMBERS),
    "sites:staff": site_page(*STAFF_MANAGERS, state_admin=True),
    "sites:staff_invite": site_page(*STAFF_MANAGERS, state_admin=True),
    "sites:membership_change": site_page(*STAFF_MANAGERS, allowed_status=405, state_admin=True),
    "sites:membership_end": site_page(*STAFF_MANAGERS, allowed_status=405, state_admin=True),
    "sites:access_log": site_page("programme_manager"),
    "sites:notifications": site_page(*MEMBERS),
    "sites:notifications_read": site_page(*MEMBERS, allowed_status=405),
    # -- referrals -----------------------------------------------------------------------------
    "public_referral": everyone(200),  # the community form needs no account
    "public_referral_thanks": everyone(200),
    "referrals:start": site_page(*SUBMITTERS),
    "referrals:create": site_page(*SUBMITTERS),  # sample pathway: arrest diversion
    "referrals:mine": site_page(*SUBMITTERS),
    # the confirmation belongs to whoever submitted: other submitters get 404
    "referrals:submitted": site_page(*SUBMITTERS, allowed_status=404),
    "referrals:queue": site_page(*CASEWORK),
    "referrals:detail": site_page(*CASEWORK),
    "referrals:settings": site_page("programme_manager"),
    **{
        f"referrals:{name}": site_page(*CASEWORK, allowed_status=405)
        for name in ["screen", "decide", "assign", "attempt", "close", "resume", "prosecutor"]
    },
    "referrals:duplicate": site_page(*CASEWORK, allowed_status=405),
    "referrals:duplicate_participant": site_page(*CASEWORK, allowed_status=405),
    "referrals:checklist_add": site_page("programme_manager", allowed_status=405),
    "referrals:checklist_item": site_page("programme_manager", allowed_status=405),
    # -- participants --------------------------------------------------------------------------
    **{
        f"participants:{name}": site_page(*CASEWORK)
        for name in [
            "list",
            "caseload",
            "detail",
            "edit",
            "print",
            "intake_walk_in",
            "intake",
            "consent_new",
            "goal_new",
            "goal_update",
        ]
    },
    "participants:consent_revoke": site_page(*CASEWORK, allowed_status=405),
    "participants:caseloads": site_page("programme_manager"),
    "participants:restrict": site_page("programme_manager"),
    "participants:access_log": site_page("programme_manager"),
    "participants:assign": site_page("programme_manager", allowed_status=405),
    # -- case notes and tasks ------------------------------------------------------------------
    "casenotes:new": site_page(*CASEWORK),
    # only the author edits a note (the sample note is the case manager's)
    "casenotes:edit": {
        "own": {**site_page(*CASEWORK)["own"], "programme_manager": 403},
        "other": site_page(*CASEWORK)["other"],
    },
    "casenotes:addendum": site_page(*CASEWORK, allowed_status=405),
    "casenotes:my_tasks": site_page(*CASEWORK),
    "casenotes:task_new": site_page(*CASEWORK),
    "casenotes:task_done": site_page(*CASEWORK, allowed_status=405),
}

# -- allauth: sign-in, password reset, MFA ----------------------------------------------------
ACCOUNT_PUBLIC = [
    "account_inactive",
    "account_email_verification_sent",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",  # shows "bad token" for a made-up key
    "account_reset_password_from_key_done",
    "account_confirm_email",
]
ACCOUNT_SIGNED_OUT_ONLY = ["account_login", "account_signup"]  # signup shows "closed"
ACCOUNT_SIGNED_IN = [
    "account_logout",
    "account_reauthenticate",
    "account_request_reauthentication_code",
    "account_email",
    "account_change_password",
    "mfa_index",
    "mfa_list_webauthn",
]
# Steps that need a flow in progress, a recent re-authentication or an authenticator.
ACCOUNT_REDIRECT = [
    "account_confirm_reauthentication_code",
    "account_set_password",
    "account_confirm_login_code",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_generate_recovery_codes",
    "mfa_add_webauthn",
    "mfa_reauthenticate_webauthn",
    "mfa_remove_webauthn",
    "mfa_edit_webauthn",
    "mfa_login_webauthn",
]
ACCOUNT_NEEDS_AUTHENTICATOR = [  # 404 until the user has one
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
]
for names, expectation in [
    (ACCOUNT_PUBLIC, everyone(200)),
    (ACCOUNT_SIGNED_OUT_ONLY, {**everyone(302), "anonymous": 200}),
    (ACCOUNT_SIGNED_IN, signed_in(200)),
    (ACCOUNT_REDIRECT, everyone(302)),
    (ACCOUNT_NEEDS_AUTHENTICATOR, signed_in(404)),
]:
    EXPECTED.update(dict.fromkeys(names, expectation))


def expected_for(name: str | None, route: str) -> dict:
    """The admin is for superusers only: everyone here is sent to its sign-in, which refuses
    (403) signed-in users who are not superusers."""
    if route.startswith("admin/"):
        return everyone(302) if name != "admin:login" else signed_in(403)
    return EXPECTED[name]


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name, pattern


def all_routes() -> list[tuple[str, str | None]]:
    return [(route, name) for route, name, _ in _walk(get_resolver().url_patterns)]


def test_every_url_pattern_has_an_expectation():
    unlisted = [
        f"{route} ({name})"
        for route, name in all_routes()
        if not route.startswith("admin/") and name not in EXPECTED
    ]
    assert unlisted == [], "add these URLs to EXPECTED in the permission matrix"


def test_every_site_view_checks_a_capability():
    """Every view under /s/<site>/ is wrapped by site_permission_required."""
    missing = [
        name
        for route, name, pattern in _walk(get_resolver().url_patterns)
        if route.startswith("s/<slug:site_slug>/")
        and not hasattr(pattern.callback, "site_capability")
    ]
    assert missing == []


def _fill(route: str, values: dict[str, str]) -> str:
    """Turn a route (path converters or regex groups) into a URL with sample values."""
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", r"<\1>", route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), route)
    return "/" + path.replace(".*", "x")


def _case_records(site, case_manager) -> dict:
    """A participant with a consent, a goal, a contact (by ``case_manager``) and a task."""
    participant = intake_complete(
        site=site,
        profile={"legal_first_name": "Sample", "legal_last_name": "Person"},
        needs={},
        case_manager=case_manager,
        by=case_manager,
    ).participant
    return {
        "participant_uuid": participant,
        "consent_uuid": consent_record(
            participant=participant,
            by=case_manager,
            discloser="LEAD",
            recipient="County clinic",
            information="Attendance",
            purpose="Care coordination",
            expiry_event="End of treatment",
            revocation_explained=True,
            signed_on=timezone.localdate(),
            signature_method="paper",
        ),
        "goal_uuid": goal_add(
            participant=participant, by=case_manager, domain="housing", goal="A room"
        ),
        "contact_uuid": contact_record(
            participant=participant,
            author=case_manager,
            contacted_at=timezone.now(),
            contact_type="in_person",
            location="office",
        ),
        "task_uuid": task_add(
            site=site,
            title="Call the clinic",
            due_on=timezone.localdate(),
            assignee=case_manager,
            by=case_manager,
            participant=participant,
        ),
    }


@pytest.fixture
def world(site_a, site_b, officer, case_manager, programme_manager, evaluator, state_admin):
    """Users of every role at site A; a colleague at site B whose membership URLs we aim at."""
    colleague_b = member(site_b, Role.CASE_MANAGER, email="colleague.b@example.org")
    colleague_a = member(site_a, Role.CASE_MANAGER, email="colleague.a@example.org")
    with scopes_disabled():
        membership = {
            "own": Membership.objects.get(user=colleague_a),
            "other": Membership.objects.get(user=colleague_b),
        }
        referral = {
            "own": ReferralFactory(site=site_a, submitted_by=colleague_a),
            "other": ReferralFactory(site=site_b, submitted_by=colleague_b),
        }
        item = {
            "own": EligibilityItem.objects.filter(site=site_a).first(),
            "other": EligibilityItem.objects.filter(site=site_b).first(),
        }
        case_records = {
            "own": _case_records(site_a, case_manager),
            "other": _case_records(site_b, colleague_b),
        }
    return {
        "users": {
            "officer": officer,
            "case_manager": case_manager,
            "programme_manager": programme_manager,
            "evaluator": evaluator,
            "state_admin": state_admin,
        },
        "site": {"own": site_a, "other": site_b},
        "membership": membership,
        "referral": referral,
        "item": item,
        "case_records": case_records,
    }


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, role, which):
    if role != "anonymous":
        client.force_login(world["users"][role])
    values = {
        "site_slug": world["site"][which].slug,
        "membership_uuid": str(world["membership"][which].uuid),
        "referral_uuid": str(world["referral"][which].uuid),
        "other_uuid": str(world["referral"][which].uuid),
        "item_uuid": str(world["item"][which].uuid),
        **{name: str(obj.uuid) for name, obj in world["case_records"][which].items()},
        "pathway": "arrest_diversion",
        "user_uuid": str(uuid.uuid4()),
        "token": "made-up-token",
        "key": "made-up-key",
        "uidb36": "1",
        "app_label": "lead",
        "url": "x",
    }
    mismatches = []
    for route, name in all_routes():
        expected = expected_for(name, route)
        expected = expected[which] if "own" in expected else expected
        response = client.get(_fill(route, values))
        if response.status_code != expected[role]:
            mismatches.append(
                f"{name or route}: expected {expected[role]}, got {response.status_code}"
            )
    assert mismatches == []


def test_the_admin_serves_superusers(client, db):
    root = UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    client.force_login(root)
    for path in ["/admin/", "/admin/sites/site/", "/admin/sites/membership/", "/admin/lead/user/"]:
        assert client.get(path).status_code == 200, path


def test_a_superuser_who_is_not_a_member_gets_404_at_a_site(client, site_a):
    """Django's superuser flag opens no site: guardian is asked for group grants only."""
    root = UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(f"/s/{site_a.slug}/").status_code == 404
