"""One access policy: every role decision is a capability of the table in ``sites.roles``, and
membership facts come from ``sites.selectors``. These tests hold the line for new code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_scopes import scope

from sites import selectors
from sites.roles import ROLE_CAPABILITIES, Role, role_grants, roles_with
from tests.factories import member

ROOT = Path(settings.BASE_DIR)
DOMAIN_PACKAGES = ["lead", "referrals", "participants", "casenotes", "evaluation"]
# Set-up code that creates users with roles (not access decisions).
ALLOWED_OUTSIDE_SITES = ("lead/demo/", "lead/management/")
ROLE_VALUES = set(Role.values)


def _modules():
    for package in DOMAIN_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative.startswith(ALLOWED_OUTSIDE_SITES):
                continue
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _role_constants_in_decisions(node: ast.AST) -> list[ast.Constant]:
    """A role's string compared with something, or given to a ``role...=`` lookup ("case_manager"
    is also a field name, so bare strings elsewhere are not decisions)."""
    candidates: list[ast.AST] = []
    if isinstance(node, ast.Compare):
        candidates = [node.left, *node.comparators]
    elif isinstance(node, ast.keyword) and node.arg and "role" in node.arg:
        candidates = [node.value]
    found = []
    for candidate in candidates:
        items = (
            candidate.elts if isinstance(candidate, ast.List | ast.Tuple | ast.Set) else [candidate]
        )
        found += [i for i in items if isinstance(i, ast.Constant) and i.value in ROLE_VALUES]
    return found


def test_no_module_outside_sites_decides_access_by_a_role_name():
    """Role names (the ``Role`` enum, the raw table, or a role's string) appear only in
    ``sites/``: everything else asks for a capability."""
    offences = []
    for relative, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "sites.roles":
                for alias in node.names:
                    if alias.name in {"Role", "ROLE_CAPABILITIES", "roles_with"}:
                        offences.append(f"{relative}:{node.lineno} imports {alias.name}")
            for constant in _role_constants_in_decisions(node):
                offences.append(f"{relative}:{constant.lineno} decides by role {constant.value!r}")
            reads_flag = isinstance(node, ast.Attribute) and node.attr == "is_state_admin"
            if reads_flag and relative not in {"lead/models.py", "lead/admin.py"}:
                offences.append(f"{relative}:{node.lineno} reads is_state_admin")
    assert offences == []


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_statewide_view_declares_its_capability():
    """Pages under /state/ go through ``state_permission_required``, like site pages go
    through ``site_permission_required``: no inline role checks."""
    statewide = [
        (route, view)
        for route, view in _views(get_resolver().url_patterns)
        if route.startswith("state/")
    ]
    assert statewide, "the state overview exists"
    assert [route for route, view in statewide if not hasattr(view, "state_capability")] == []


def test_every_capability_of_a_role_is_a_declared_site_permission():
    from sites.roles import CAPABILITIES

    declared = {codename for codename, _description in CAPABILITIES}
    for role, held in ROLE_CAPABILITIES.items():
        assert held <= declared, role


def test_roles_with_and_role_grants_read_the_same_table():
    assert set(roles_with("receive_work")) == {Role.CASE_MANAGER, Role.PROGRAMME_MANAGER}
    assert roles_with("override_caseload") == [Role.PROGRAMME_MANAGER]
    assert role_grants(Role.PROGRAMME_MANAGER, "sites.receive_deadline_alerts")
    assert not role_grants(Role.OFFICER, "work_cases")
    assert not role_grants("no-such-role", "work_cases")


@pytest.mark.django_db
def test_membership_facts_follow_the_capability_table(
    site_a, site_b, officer, case_manager, programme_manager, evaluator, case_manager_b
):
    gone = member(site_a, Role.CASE_MANAGER, email="gone@example.org")
    gone.is_active = False
    gone.save()
    assert set(selectors.case_workers(site=site_a)) == {case_manager, programme_manager}
    assert selectors.is_case_worker(site=site_a, user=case_manager)
    assert not selectors.is_case_worker(site=site_a, user=officer)
    assert not selectors.is_case_worker(site=site_a, user=gone)  # deactivated: no new work
    assert not selectors.is_case_worker(site=site_a, user=case_manager_b)  # another site
    assert selectors.deadline_alert_recipients(site=site_a) == [programme_manager]
    assert set(selectors.referral_notice_recipients(site=site_a)) == {
        case_manager,
        programme_manager,
    }
    assert selectors.holds_capability(
        site=site_a, user=programme_manager, capability="override_caseload"
    )
    assert not selectors.holds_capability(
        site=site_a, user=case_manager, capability="override_caseload"
    )
    with scope(site=site_a):
        counts = dict(selectors.staff_counts(site=site_a))
    assert counts[Role.CASE_MANAGER.label] == 2 and counts[Role.OFFICER.label] == 1
