"""Every URL pattern × every role × own site / other site, for GET and for POST, against one
expectations table; and every URL that names an object × own site's slug with another site's
object UUID.

A URL that is not in the table fails the test, so a new page cannot ship without a decision on
who may open it. The POST pass sends an empty form (CSRF is not enforced by the test client):
roles without the capability must get exactly what they get for a GET (403/404/sign-in), and
roles with it must never get a 403, 404 or 500 (a POST to a page that only shows something
answers 405). The cross-site pass puts another site's object UUIDs under the user's own site's
slug: everyone gets 404, on GET and POST alike. Every response that shows a person (a
participant or a referred person) must have left an access-log entry naming them.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_scopes import scopes_disabled

from casenotes.services import contact_record, task_add
from lead.models import AccessLogEntry
from participants.services import consent_record, goal_add, intake_complete
from referrals.models import EligibilityItem
from sites.models import Membership
from sites.roles import Role, role_grants
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
    "participants:site_access_log": site_page("programme_manager"),
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
    "participants:referral_match": site_page(*CASEWORK, allowed_status=405),
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


# Site URLs whose view takes a POST (a form page, or a POST-only action). Every other site URL
# shows something and must answer 405 to a POST from a role that may open it.
POST_ACCEPTED = {
    "sites:staff_invite",
    "sites:membership_change",
    "sites:membership_end",
    "sites:notifications_read",
    "referrals:create",
    "referrals:settings",
    "referrals:checklist_add",
    "referrals:checklist_item",
    *[
        f"referrals:{name}"
        for name in [
            "screen",
            "decide",
            "assign",
            "attempt",
            "close",
            "resume",
            "prosecutor",
            "duplicate",
        ]
    ],
    "participants:edit",
    "participants:intake_walk_in",
    "participants:intake",
    "participants:referral_match",
    "participants:consent_new",
    "participants:consent_revoke",
    "participants:goal_new",
    "participants:goal_update",
    "participants:assign",
    "participants:restrict",
    "casenotes:new",
    "casenotes:edit",
    "casenotes:addendum",
    "casenotes:task_new",
    "casenotes:task_done",
}
# POSTs that take something away run last, so the routes after them still find their objects.
POST_LAST = ["participants:consent_revoke", "casenotes:task_done", "sites:membership_end"]
# What a POST may answer to a role allowed to make it: done (302), shown again with errors
# (200/400), a conflict (409) or a refused resend (422).
POST_ANSWERS = {200, 302, 400, 409, 422}


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


def _values(world, which: str, slug_of: str | None = None) -> dict[str, str]:
    """Sample path values: the objects of site ``which`` under the slug of ``slug_of``."""
    return {
        "site_slug": world["site"][slug_of or which].slug,
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


def _people(world, which: str) -> tuple[set[str], list[str]]:
    """The subjects' UUIDs of site ``which`` and strings that show one of them on a page."""
    referral = world["referral"][which]
    participant = world["case_records"][which]["participant_uuid"]
    return {str(referral.uuid), str(participant.uuid)}, [referral.last_name, "Sample Person"]


def _shown_people_were_logged(world, which: str, user, path: str, response, since: int) -> str:
    """'' if the response shows nobody, or shows someone and the read is in the access log."""
    if response.status_code not in {200, 400, 403, 409, 422}:
        return ""
    subjects, markers = _people(world, which)
    body = response.content.decode(errors="replace")
    if not any(marker in body for marker in markers):
        return ""
    with scopes_disabled():
        logged = AccessLogEntry.objects.filter(
            pk__gt=since,
            user=user,
            path=path,
            outcome=AccessLogEntry.Outcome.ALLOWED,
            subject_uuid__in=subjects,
        ).exists()
    return "" if logged else f"{path} showed a person without an access-log entry"


def _last_log_id() -> int:
    with scopes_disabled():
        last = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def _site_routes() -> list[tuple[str, str]]:
    return [(r, n) for r, n in all_routes() if r.startswith("s/<slug:site_slug>/")]


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, role, which):
    user = world["users"].get(role)
    if user is not None:
        client.force_login(user)
    values = _values(world, which)
    mismatches = []
    for route, name in all_routes():
        expected = expected_for(name, route)
        expected = expected[which] if "own" in expected else expected
        path = _fill(route, values)
        since = _last_log_id()
        response = client.get(path)
        if response.status_code != expected[role]:
            mismatches.append(
                f"{name or route}: expected {expected[role]}, got {response.status_code}"
            )
        elif user is not None and _names_an_object(route):
            mismatches.append(_shown_people_were_logged(world, which, user, path, response, since))
    assert [m for m in mismatches if m] == []


def _post_order(routes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(routes, key=lambda rn: POST_LAST.index(rn[1]) if rn[1] in POST_LAST else -1)


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_posts(client, world, role, which):
    """An empty POST to every site URL: refused exactly as the GET is for those without the
    capability; for those with it, handled (never 403/404/500), or 405 where the URL only shows
    something. Whatever it shows of a person is logged."""
    user = world["users"].get(role)
    if user is not None:
        client.force_login(user)
    values = _values(world, which)
    mismatches = []
    for route, name in _post_order(_site_routes()):
        expected = EXPECTED[name][which][role]
        path = _fill(route, values)
        since = _last_log_id()
        response = client.post(path, {})
        status = response.status_code
        if expected in {ANON_LOGIN, 403, 404}:
            # Refused as the GET is; a 404 that the view itself gives at the own site (someone
            # else's confirmation page) may be a 405 instead: the method is checked first.
            refusals = {expected} if expected != 404 or which == "other" else {404, 405}
            if status not in refusals:
                mismatches.append(f"{name}: POST by {role} expected {expected}, got {status}")
            continue
        wanted = POST_ANSWERS if name in POST_ACCEPTED else {405}
        if status not in wanted:
            mismatches.append(f"{name}: POST by {role} expected one of {wanted}, got {status}")
        if _names_an_object(route):
            mismatches.append(_shown_people_were_logged(world, which, user, path, response, since))
    assert [m for m in mismatches if m] == []


def _names_an_object(route: str) -> bool:
    """A record's page or action (lists show names too, but reading a list is not logged as a
    read of each person on it)."""
    return re.search(r"<uuid:\w+>", route) is not None


def _object_routes() -> list[tuple[str, str]]:
    """Site URLs that name an object of the site by UUID."""
    return [(r, n) for r, n in _site_routes() if _names_an_object(r)]


def _methods(name: str) -> tuple[str, ...]:
    """The methods a URL serves: POST-only actions answer 405 to a GET (their GET expectation
    for the roles allowed is 405), pages that only show something answer 405 to a POST."""
    if name not in POST_ACCEPTED:
        return ("get",)
    if EXPECTED[name]["own"]["programme_manager"] == 405:
        return ("post",)
    return ("get", "post")


@pytest.mark.parametrize("role", ROLES)
def test_another_sites_uuid_under_your_own_slug_is_404(client, world, role):
    """Own site's slug, another site's object UUIDs: the guard lets the member in, and the
    view must still find nothing (404), for a GET and for a POST."""
    user = world["users"].get(role)
    if user is not None:
        client.force_login(user)
    values = _values(world, "other", slug_of="own")
    routes = _object_routes()
    assert len(routes) >= 25
    capabilities = {
        name: getattr(pattern.callback, "site_capability", "")
        for _route, name, pattern in _walk(get_resolver().url_patterns)
    }
    mismatches = []
    for route, name in _post_order(routes):
        # Refused before any object is looked up (sign-in; the capability), or else: nothing.
        if role == "anonymous":
            wanted = ANON_LOGIN
        elif role == "state_admin" or role_grants(role, capabilities[name]):
            wanted = 404
        else:
            wanted = 403
        path = _fill(route, values)
        for method in _methods(name):
            status = getattr(client, method)(path, {}).status_code
            if status != wanted:
                mismatches.append(f"{name} {method.upper()}: expected {wanted}, got {status}")
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
