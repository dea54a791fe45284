"""Roles and the capabilities each one grants: the one table of who may do what.

Every access decision in the code names a capability from this table; no module outside
``sites/`` compares role names (a test holds this). Site capabilities are guardian object
permissions on the ``Site`` row (``Site.Meta.permissions``), granted to one group per site and
role. Statewide capabilities belong to the state administrator and hold without a site.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    CASE_MANAGER = "case_manager", _("Case manager")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    EVALUATOR = "evaluator", _("Evaluator")


class Pathway(models.TextChoices):
    ARREST_DIVERSION = "arrest_diversion", _("Arrest diversion")
    SOCIAL_CONTACT = "social_contact", _("Social contact referral")
    COMMUNITY = "community", _("Community referral")


# (codename, description) – also Site.Meta.permissions
CAPABILITIES: list[tuple[str, str]] = [
    ("view_site_home", "Open the site's home page"),
    ("submit_referral", "Submit officer referrals"),
    ("view_own_referrals", "See the status of one's own referrals"),
    ("work_cases", "Screen referrals and work with participants"),
    ("receive_work", "Be given referrals, participants and tasks"),
    ("receive_referral_notices", "Hear of new referrals (when the membership asks for it)"),
    ("receive_deadline_alerts", "Hear of missed intake deadlines and unassigned clock warnings"),
    ("override_caseload", "Assign past the caseload limit with a recorded reason"),
    ("manage_site", "Change the site's settings, assign and transfer participants"),
    ("manage_staff", "Invite staff and change or end memberships"),
    ("view_access_log", "Read the site's access log"),
    ("view_aggregates", "See aggregate dashboards"),
    ("view_exact_figures", "See the site's figures without small-cell suppression"),
    ("freeze_reports", "Freeze the monthly report of a past month"),
    ("export_deidentified", "Download de-identified exports"),
    ("run_meetings", "Plan and run Operational Work Group meetings"),
    ("view_meeting_summaries", "See the shared summaries of Operational Work Group meetings"),
    ("import_bookings", "Import a detention centre's booking list"),
]

CASE_WORK = frozenset({"work_cases", "receive_work", "receive_referral_notices"})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OFFICER: frozenset(
        {"view_site_home", "submit_referral", "view_own_referrals", "view_meeting_summaries"}
    ),
    Role.CASE_MANAGER: frozenset(
        {
            "view_site_home",
            "submit_referral",
            *CASE_WORK,
            "view_aggregates",
            "view_exact_figures",
            "view_meeting_summaries",
        }
    ),
    Role.PROGRAMME_MANAGER: frozenset(
        {
            "view_site_home",
            "submit_referral",
            *CASE_WORK,
            "receive_deadline_alerts",
            "override_caseload",
            "manage_site",
            "manage_staff",
            "view_access_log",
            "view_aggregates",
            "view_exact_figures",
            "freeze_reports",
            "view_meeting_summaries",
            "run_meetings",
            "import_bookings",
        }
    ),
    # Evaluators see suppressed aggregates; what they may export is decided by their data use
    # agreement (evaluation.DataUseAgreement), not by this membership.
    Role.EVALUATOR: frozenset({"view_site_home", "view_aggregates", "export_deidentified"}),
}

# What a state administrator may do at any site without being a member of it: nothing that
# shows identifiable data. The site guard lets them through only to views that require one of
# these.
STATE_ADMIN_SITE_CAPABILITIES: frozenset[str] = frozenset({"manage_staff"})

# Capabilities that hold without a site (pages under /state/), and who holds them.
STATEWIDE_CAPABILITIES: list[tuple[str, str]] = [
    ("view_state_overview", "See every site and its staff counts"),
    ("view_statewide_aggregates", "See every site's aggregate figures side by side (suppressed)"),
    ("manage_agreements", "Create, amend and end data use agreements"),
]
STATE_ADMIN_STATEWIDE_CAPABILITIES: frozenset[str] = frozenset(
    {"view_state_overview", "view_statewide_aggregates", "manage_agreements"}
)


def role_grants(role: str, capability: str) -> bool:
    """Does ``role`` hold ``capability`` at its site?"""
    return capability.removeprefix("sites.") in ROLE_CAPABILITIES.get(role, frozenset())


def roles_with(capability: str) -> list[str]:
    """The roles whose members hold ``capability`` at their site."""
    capability = capability.removeprefix("sites.")
    return [role for role, held in ROLE_CAPABILITIES.items() if capability in held]


def statewide_capabilities_of(user) -> frozenset[str]:
    """What ``user`` may do outside any site (the /state/ pages)."""
    if user.is_authenticated and user.is_active and user.is_state_admin:
        return STATE_ADMIN_STATEWIDE_CAPABILITIES
    return frozenset()
